"""What a source distribution must hold (PEP 625 / the sdist format), checked member by member.

A gzip stream of a tar whose members all live in one top-level directory `{name}-{version}`
matching the filename, holding PKG-INFO and a build definition (pyproject.toml or setup.py).
"""

from __future__ import annotations

import io
from typing import BinaryIO

from packaging.utils import InvalidSdistFilename, canonicalize_name, parse_sdist_filename
from packaging.version import InvalidVersion, Version

from bastion.inspection.budget import Budget
from bastion.inspection.errors import RefusedArchiveError
from bastion.inspection.limits import InspectionLimits
from bastion.inspection.members import Member, MemberKind, read_bounded
from bastion.inspection.names import resolve_link
from bastion.inspection.nested import consume_member
from bastion.inspection.streams import CHUNK_SIZE, Compression, DecompressingReader
from bastion.inspection.tars import iter_tar_members
from bastion.inspection.zips import looks_like_zip

_BUILD_FILES = ("pyproject.toml", "setup.py")


def inspect_sdist(
    fh: BinaryIO, size: int, filename: str, budget: Budget, limits: InspectionLimits
) -> bytes:
    """Check the sdist in `fh` throughout; return its PKG-INFO.

    Raises:
        RefusedArchiveError: the specific reason the sdist is refused.
        BudgetExceededError: it decompresses past the budget.
    """
    name, version = _parse_filename(filename)
    if fh.read(2) != b"\x1f\x8b":
        raise RefusedArchiveError(
            "an sdist must be a gzip-compressed tar, and this file is not gzip-compressed"
        )
    if looks_like_zip(fh, size):
        raise RefusedArchiveError("the file is both a gzip stream and a ZIP archive (a polyglot)")
    fh.seek(0)
    stream = io.BufferedReader(DecompressingReader(fh, Compression.GZIP, budget), CHUNK_SIZE)
    members = iter_tar_members(stream, budget, max_name_length=limits.max_name_length)
    top: str | None = None
    pkg_info: bytes | None = None
    build_files: set[str] = set()
    for member in members:
        top = top or _top_level(member.name, name, version)
        _check_inside(member, top)
        relative = member.name.removeprefix(f"{top}/")
        if relative == "PKG-INFO" and member.is_file:
            pkg_info = read_bounded(member, limits.max_metadata_bytes, "PKG-INFO")
            continue
        if relative in _BUILD_FILES and member.is_file:
            build_files.add(relative)
        if member.is_file:
            consume_member(member, budget, limits, depth=1)
    if top is None:
        raise RefusedArchiveError("the sdist is empty")
    if pkg_info is None:
        raise RefusedArchiveError(f"the sdist has no {top}/PKG-INFO")
    if not build_files:
        raise RefusedArchiveError(f"the sdist has neither {top}/pyproject.toml nor {top}/setup.py")
    return pkg_info


def _parse_filename(filename: str) -> tuple[str, Version]:
    try:
        return parse_sdist_filename(filename)
    except (InvalidSdistFilename, InvalidVersion) as exc:
        raise RefusedArchiveError(f"invalid sdist filename ({exc})") from None


def _top_level(member_name: str, name: str, version: Version) -> str:
    top = member_name.split("/", 1)[0]
    dir_name, _, dir_version = top.rpartition("-")
    try:
        matches = canonicalize_name(dir_name) == name and Version(dir_version) == version
    except InvalidVersion:
        matches = False
    if not matches:
        raise RefusedArchiveError(
            f"the sdist's top-level directory {top!a} does not match its filename"
        )
    return top


def _check_inside(member: Member, top: str) -> None:
    if member.name != top and not member.name.startswith(f"{top}/"):
        raise RefusedArchiveError(
            f"the member {member.name!a} is outside the single top-level directory {top}"
        )
    if member.kind is MemberKind.SYMLINK:
        target = resolve_link(member.name, member.link_target or "")
        if target is None or not (target == top or target.startswith(f"{top}/")):
            raise RefusedArchiveError(
                f"the symlink {member.name!a} points outside the sdist's directory"
            )
