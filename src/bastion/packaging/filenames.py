"""Distribution filenames: wheels (PEP 427, PEP 491) and sdists (PEP 625 and legacy)."""

from __future__ import annotations

import dataclasses
import re

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from bastion.packaging.errors import FilenameMismatchError, InvalidFilenameError
from bastion.packaging.models import PackageType
from bastion.packaging.names import NormalizedName, normalize_name

_SDIST_SUFFIX = ".tar.gz"
_WHEEL_SUFFIX = ".whl"
_MAX_FILENAME_LENGTH = 255
# Path separators and control characters in a filename would let it escape its directory or
# smuggle a header line; PEP 427 and PEP 625 filenames never contain them.
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")


@dataclasses.dataclass(frozen=True)
class DistributionFilename:
    """What a valid filename says about its file."""

    filename: str
    packagetype: PackageType
    normalized_name: NormalizedName
    version: Version
    python_version: str  # "source" for an sdist; the python tag(s) for a wheel


def parse_distribution_filename(filename: str) -> DistributionFilename:
    """Parse an sdist or wheel filename.

    Raises:
        InvalidFilenameError: an extension other than .tar.gz / .whl (PEP 527), or a name the
            wheel (PEP 427) or sdist (PEP 625) specification does not allow.
    """
    if len(filename) > _MAX_FILENAME_LENGTH or _UNSAFE.search(filename):
        raise InvalidFilenameError(filename, "it is too long or contains unsafe characters")
    if filename.endswith(_WHEEL_SUFFIX):
        return _parse_wheel(filename)
    if filename.endswith(_SDIST_SUFFIX):
        return _parse_sdist(filename)
    raise InvalidFilenameError(
        filename,
        "only .tar.gz source distributions and .whl wheels are accepted. "
        "See https://peps.python.org/pep-0527/",
    )


def _parse_wheel(filename: str) -> DistributionFilename:
    try:
        name, version, _build, tags = parse_wheel_filename(filename)
    except (InvalidWheelFilename, ValueError) as exc:
        raise InvalidFilenameError(
            filename, f"{exc}. See https://peps.python.org/pep-0427/"
        ) from None
    python_tags = sorted({tag.interpreter for tag in tags})
    return DistributionFilename(
        filename=filename,
        packagetype=PackageType.WHEEL,
        normalized_name=normalize_name(name),
        version=version,
        python_version=".".join(python_tags),
    )


def _parse_sdist(filename: str) -> DistributionFilename:
    try:
        name, version = parse_sdist_filename(filename)
    except (InvalidSdistFilename, ValueError) as exc:
        raise InvalidFilenameError(
            filename, f"{exc}. See https://peps.python.org/pep-0625/"
        ) from None
    # PEP 625 asks for the normalized name with "_" for "-" (foo_bar-1.0.tar.gz), but the
    # newest sdists of popular projects still use the legacy form (requests-oauthlib-2.0.0,
    # jaraco.classes-3.4.0), and PyPI accepts them with a warning. So does Bastion: the name
    # part must still canonicalise to the project's name (checked against the metadata), and
    # a release holds one sdist only, so the two spellings cannot both land.
    return DistributionFilename(
        filename=filename,
        packagetype=PackageType.SDIST,
        normalized_name=normalize_name(name),
        version=version,
        python_version="source",
    )


def check_filename_matches(
    dist: DistributionFilename, *, normalized_name: NormalizedName, version: Version
) -> None:
    """Check that the filename names this project and this version.

    Raises:
        FilenameMismatchError: it names another project or another version.
    """
    if dist.normalized_name != normalized_name:
        raise FilenameMismatchError(dist.filename, "project name", normalized_name)
    if dist.version != version:
        raise FilenameMismatchError(dist.filename, "version", str(version))
