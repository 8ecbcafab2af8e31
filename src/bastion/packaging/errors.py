"""Why a distribution or its metadata was refused.

PackagingError
  InvalidNameError              not a PEP 508 project name
  InvalidVersionError           not a PEP 440 version, or a local version
  InvalidFilenameError          wrong extension, or a name PEP 427 / PEP 625 do not allow
  FilenameMismatchError         the filename disagrees with the metadata's name or version
  InvalidMetadataError          core metadata packaging.metadata refuses
  MetadataMismatchError         the form and the artifact's own metadata disagree
  InvalidArchiveError           the artifact is not the archive its name claims
"""

from __future__ import annotations

from bastion.errors import BastionError

_PEP = "https://peps.python.org/pep-{:04d}/"


class PackagingError(BastionError):
    """Base of distribution errors; all are the uploader's to fix, so all are 400."""


class InvalidNameError(PackagingError):
    """A project name PEP 508 does not allow."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"Invalid project name {name!r}: start and end with a letter or digit and use only "
            f"letters, digits, '.', '_' and '-'. See {_PEP.format(508)}#names"
        )


class InvalidVersionError(PackagingError):
    """A version PEP 440 does not allow here."""

    def __init__(self, version: str, reason: str) -> None:
        super().__init__(f"Invalid version {version!r}: {reason}. See {_PEP.format(440)}")


class InvalidFilenameError(PackagingError):
    """A filename with the wrong extension or shape."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"Invalid distribution filename {filename!r}: {reason}")


class FilenameMismatchError(PackagingError):
    """The filename names another project or version than the metadata."""

    def __init__(self, filename: str, field: str, expected: str) -> None:
        super().__init__(
            f"The filename {filename!r} does not match the metadata: its {field} should be "
            f"{expected!r}."
        )


class InvalidMetadataError(PackagingError):
    """Core metadata that packaging.metadata refuses."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"Invalid core metadata: {reason}. "
            "See https://packaging.python.org/specifications/core-metadata"
        )


class MetadataMismatchError(PackagingError):
    """The upload form and the metadata inside the artifact disagree."""

    def __init__(self, field: str, form_value: str, artifact_value: str) -> None:
        super().__init__(
            f"The uploaded {field} {form_value!r} does not match {artifact_value!r} in the "
            "distribution's own metadata."
        )


class InvalidArchiveError(PackagingError):
    """The file is not a readable archive of the kind its name claims."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"Invalid distribution file {filename!r}: {reason}")
