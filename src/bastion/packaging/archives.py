"""Reading the core metadata out of a distribution file without extracting it.

This module only finds and reads the one metadata member each format defines, with bounded
reads; the full validation of every member (bombs, links, polyglots) is `upload`'s archive
inspection's job and runs before this.
"""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path
from typing import IO

from bastion.packaging.errors import InvalidArchiveError
from bastion.packaging.filenames import DistributionFilename
from bastion.packaging.models import PackageType

# No honest METADATA / PKG-INFO comes near this; the long description is the big part.
MAX_METADATA_BYTES = 8 * 1024 * 1024


def read_core_metadata(path: Path, dist: DistributionFilename) -> bytes:
    """Return the raw METADATA (wheel) or PKG-INFO (sdist) of the file at `path`.

    Raises:
        InvalidArchiveError: not a readable archive of its kind, or the metadata member is
            missing or larger than MAX_METADATA_BYTES.
    """
    if dist.packagetype is PackageType.WHEEL:
        return _wheel_metadata(path, dist)
    return _sdist_metadata(path, dist)


def _wheel_metadata(path: Path, dist: DistributionFilename) -> bytes:
    name_part, version_part = dist.filename.split("-")[:2]
    member_name = f"{name_part}-{version_part}.dist-info/METADATA"
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo(member_name)
            except KeyError:
                raise InvalidArchiveError(
                    dist.filename, f"the wheel has no {member_name}"
                ) from None
            with archive.open(info) as member:
                return _read_bounded(member, dist.filename, member_name)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise InvalidArchiveError(dist.filename, f"not a valid ZIP archive ({exc})") from None


def _sdist_metadata(path: Path, dist: DistributionFilename) -> bytes:
    top_level = dist.filename.removesuffix(".tar.gz")
    member_name = f"{top_level}/PKG-INFO"
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            # Stream members in order: an sdist's PKG-INFO is usually near the start, and a
            # "r:gz" archive cannot seek backwards cheaply.
            for member in archive:
                if member.name != member_name:
                    continue
                if not member.isfile():
                    raise InvalidArchiveError(dist.filename, f"{member_name} is not a regular file")
                extracted = archive.extractfile(member)
                if extracted is None:  # pragma: no cover - isfile() members always extract
                    break
                return _read_bounded(extracted, dist.filename, member_name)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise InvalidArchiveError(
            dist.filename, f"not a valid gzip-compressed tar ({exc})"
        ) from None
    raise InvalidArchiveError(dist.filename, f"the sdist has no {member_name}")


def _read_bounded(member: IO[bytes], filename: str, member_name: str) -> bytes:
    data = member.read(MAX_METADATA_BYTES + 1)
    if len(data) > MAX_METADATA_BYTES:
        raise InvalidArchiveError(
            filename, f"{member_name} is larger than {MAX_METADATA_BYTES} bytes"
        )
    return data
