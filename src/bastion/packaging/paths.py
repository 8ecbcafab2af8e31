"""Where a distribution file lives in storage: derived from its content, as PyPI does.

`packages/<aa>/<bb>/<rest of the BLAKE2b-256 hex digest>/<filename>`: a path can never be
reused for other bytes, so caches and mirrors may keep a file forever.
"""

from __future__ import annotations

METADATA_SUFFIX = ".metadata"


def file_path(blake2_256_hex: str, filename: str) -> str:
    """The storage key (and URL path below /) of a distribution file."""
    digest = blake2_256_hex
    return f"packages/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{filename}"


def metadata_path(path: str) -> str:
    """The PEP 658 metadata file beside the distribution at `path`."""
    return path + METADATA_SUFFIX
