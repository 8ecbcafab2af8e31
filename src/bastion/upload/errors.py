"""Why an upload was refused. Every message here is what twine and `uv publish` print.

UploadError
  AuthenticationRequiredError   no credentials at all (401)
  ForbiddenUploadError          credentials fine, but not a collaborator of the project (403)
  InvalidFormError              not a multipart upload form, or a required field is missing
  UnsupportedActionError        another :action than file_upload, or protocol_version != 1
  FileTooLargeError             the file passed the size limit while it streamed in (413)
  FormTooLargeError             the fields besides the file passed their limit (413)
  DigestMismatchError           a supplied digest disagrees with the bytes received
  MissingDigestError            neither an md5 nor a sha256 digest was supplied
  FileAlreadyExistsError        the filename is taken by different bytes (400)
  FilenameReusedError           the filename belonged to a since-deleted file (400)
  SdistExistsError              the release already has an sdist under another filename (400)
  FiletypeMismatchError         the form's filetype disagrees with the file extension
  HeldForReviewError            the malware scanner's verdict holds the file for review (403)
"""

from __future__ import annotations

from bastion.errors import BastionError


class UploadError(BastionError):
    """Base of upload refusals."""


class AuthenticationRequiredError(UploadError):
    """No credentials were sent."""

    status_code = 401

    def __init__(self) -> None:
        super().__init__(
            "Authentication required: upload with your username and password "
            "(twine: --username/--password or ~/.pypirc)."
        )


class ForbiddenUploadError(UploadError):
    """The caller is not an Owner or Maintainer of the project."""

    status_code = 403

    def __init__(self, username: str, project_name: str) -> None:
        super().__init__(
            f"The user {username!r} isn't allowed to upload to project {project_name!r}. "
            "Ask one of its owners to add you as a maintainer, or choose another name."
        )


class InvalidFormError(UploadError):
    """The request is not a well-formed upload form."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Invalid upload request: {reason}.")


class UnsupportedActionError(UploadError):
    """Only `:action=file_upload` with `protocol_version=1` is spoken here."""

    def __init__(self, action: str, protocol_version: str) -> None:
        super().__init__(
            f"Unsupported upload action {action!r} (protocol_version {protocol_version!r}): "
            "only file_upload with protocol_version 1 is accepted."
        )


class FileTooLargeError(UploadError):
    """The file passed the size limit while streaming."""

    status_code = 413

    def __init__(self, filename: str, limit_bytes: int) -> None:
        super().__init__(
            f"File too large: {filename!r} exceeds the limit of "
            f"{limit_bytes // (1024 * 1024)} MiB ({limit_bytes} bytes) on this index."
        )


class FormTooLargeError(UploadError):
    """The metadata fields passed their limit."""

    status_code = 413

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(f"The upload's metadata fields exceed {limit_bytes} bytes.")


class DigestMismatchError(UploadError):
    """A supplied digest does not match the received bytes."""

    def __init__(self, algorithm: str) -> None:
        super().__init__(
            f"The {algorithm} digest supplied does not match a digest calculated from the "
            "uploaded file: the file was corrupted in transit, upload it again."
        )


class MissingDigestError(UploadError):
    """At least one digest is required to detect corruption in transit."""

    def __init__(self) -> None:
        super().__init__("Include at least one message digest (md5_digest or sha256_digest).")


class FileAlreadyExistsError(UploadError):
    """The filename is taken by a file with different content."""

    def __init__(self, filename: str) -> None:
        # twine --skip-existing looks for this exact prefix.
        super().__init__(
            f"File already exists ({filename!r}) with different content. A filename can be "
            "used only once: upload a new version."
        )


class FilenameReusedError(UploadError):
    """The filename was used before (its file has since been deleted)."""

    def __init__(self, filename: str) -> None:
        super().__init__(
            f"This filename has already been used, use a different version ({filename!r}). "
            "A filename can be used only once, even after its file is deleted."
        )


class SdistExistsError(UploadError):
    """The release already has an sdist, under another filename."""

    def __init__(self, filename: str, existing: str | None) -> None:
        # `existing` is None when a concurrent upload won the race: its name is not known.
        has = repr(existing) if existing else "an sdist"
        super().__init__(
            f"Only one sdist may be uploaded per release: this release already has {has}, "
            f"so {filename!r} is refused."
        )


class FiletypeMismatchError(UploadError):
    """The form's `filetype` names another kind than the file extension."""

    def __init__(self, filename: str, filetype: str, expected: str) -> None:
        super().__init__(
            f"The filetype {filetype!r} does not match {filename!r}: expected {expected!r}."
        )


class HeldForReviewError(UploadError):
    """The scanner's verdict keeps the file from publication until a moderator decides.

    Not raised: the upload's transaction must commit (the verdict and the evidence), so the
    view renders it as a response instead.
    """

    status_code = 403

    def __init__(self, filename: str, verdict: str, reason: str) -> None:
        super().__init__(
            f"The file {filename!r} is held for review ({verdict}: {reason}). It is not "
            "published; the index's moderators will look at it. Contact them if this is a "
            "mistake."
        )
