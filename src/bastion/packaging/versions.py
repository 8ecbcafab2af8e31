"""Release versions (PEP 440)."""

from __future__ import annotations

from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion, Version

from bastion.packaging.errors import InvalidVersionError


def parse_public_version(raw: str) -> Version:
    """Parse `raw` as a PEP 440 public version.

    Raises:
        InvalidVersionError: not PEP 440, or a local version (`+...`), which an index refuses
            because local versions are for builds that never leave their machine.
    """
    try:
        version = Version(raw)
    except InvalidVersion:
        raise InvalidVersionError(raw, "not a PEP 440 version") from None
    if version.local is not None:
        raise InvalidVersionError(raw, "local versions (with '+') cannot be uploaded")
    return version


def canonical_version(version: Version) -> str:
    """The form in which '1.0' and '1.0.0' compare equal (one release for both)."""
    return canonicalize_version(version, strip_trailing_zero=True)
