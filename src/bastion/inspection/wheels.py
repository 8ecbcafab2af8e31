"""What a wheel must hold (PEP 427 / the binary distribution format), checked member by member.

One `.dist-info` directory named for the wheel, holding METADATA, WHEEL and RECORD; RECORD
lists every other member with a hash and size that match what the member really holds, so the
wheel installs exactly the bytes that were inspected.
"""

from __future__ import annotations

import base64
import csv
import dataclasses
import hashlib
import io
from email.parser import BytesHeaderParser
from typing import BinaryIO

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from bastion.inspection.budget import Budget
from bastion.inspection.errors import RefusedArchiveError
from bastion.inspection.limits import InspectionLimits
from bastion.inspection.members import Member, read_bounded
from bastion.inspection.nested import NestedArchiveCapture
from bastion.inspection.tags import check_tags
from bastion.inspection.zips import iter_zip_members

# The hashes RECORD may use: PEP 376 allows any of hashlib.algorithms_guaranteed, but md5 and
# sha1 prove nothing against a forger.
_RECORD_ALGORITHMS = frozenset({"sha224", "sha256", "sha384", "sha512", "blake2b", "blake2s"})
_SIGNATURE_FILES = frozenset({"RECORD.jws", "RECORD.p7s"})
_MAX_WHEEL_FILE_BYTES = 64 * 1024


@dataclasses.dataclass(frozen=True)
class _RecordEntry:
    algorithm: str
    digest: bytes
    size: int


def inspect_wheel(
    fh: BinaryIO, size: int, filename: str, budget: Budget, limits: InspectionLimits
) -> bytes:
    """Check the wheel in `fh` throughout; return its METADATA.

    Raises:
        RefusedArchiveError: the specific reason the wheel is refused.
        BudgetExceededError: it decompresses past the budget.
    """
    name, version, tags = _parse_filename(filename)
    check_tags(tags)
    members = {
        member.name: member
        for member in iter_zip_members(fh, size, budget, max_name_length=limits.max_name_length)
    }
    dist_info = _find_dist_info(members, name, version)
    metadata = read_bounded(
        _required(members, f"{dist_info}/METADATA"), limits.max_metadata_bytes, "METADATA"
    )
    _check_wheel_file(_required(members, f"{dist_info}/WHEEL"))
    record_name = f"{dist_info}/RECORD"
    record = _parse_record(
        read_bounded(_required(members, record_name), limits.max_record_bytes, "RECORD")
    )
    unsigned = {record_name} | {f"{dist_info}/{signature}" for signature in _SIGNATURE_FILES}
    _check_record(members, record, unsigned, budget, limits)
    return metadata


def _parse_filename(filename: str) -> tuple[str, Version, frozenset]:  # type: ignore[type-arg]
    try:
        name, version, _build, tags = parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion) as exc:
        raise RefusedArchiveError(f"invalid wheel filename ({exc})") from None
    return name, version, tags


def _find_dist_info(members: dict[str, Member], name: str, version: Version) -> str:
    candidates = {
        member_name.split("/", 1)[0]
        for member_name in members
        if member_name.split("/", 1)[0].endswith(".dist-info")
    }
    if len(candidates) != 1:
        raise RefusedArchiveError(
            f"a wheel must have exactly one .dist-info directory, this one has {len(candidates)}"
        )
    (dist_info,) = candidates
    dir_name, _, dir_version = dist_info.removesuffix(".dist-info").rpartition("-")
    try:
        matches = canonicalize_name(dir_name) == name and Version(dir_version) == version
    except InvalidVersion:
        matches = False
    if not matches:
        raise RefusedArchiveError(
            f"the directory {dist_info!a} does not match the wheel's name and version"
        )
    return dist_info


def _required(members: dict[str, Member], name: str) -> Member:
    member = members.get(name)
    if member is None or not member.is_file:
        raise RefusedArchiveError(f"the wheel has no {name}")
    return member


def _check_wheel_file(member: Member) -> None:
    headers = BytesHeaderParser().parsebytes(read_bounded(member, _MAX_WHEEL_FILE_BYTES, "WHEEL"))
    wheel_version = headers.get("Wheel-Version", "")
    if wheel_version.split(".", 1)[0].strip() != "1":
        raise RefusedArchiveError(f"unsupported Wheel-Version {wheel_version!r} in WHEEL")
    if headers.get("Root-Is-Purelib") is None:
        raise RefusedArchiveError("WHEEL has no Root-Is-Purelib field")


def _parse_record(data: bytes) -> dict[str, _RecordEntry | None]:
    """RECORD as path -> expected hash and size (None for RECORD's own, unhashed rows)."""
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise RefusedArchiveError(f"RECORD is not a UTF-8 CSV file ({exc})") from None
    entries: dict[str, _RecordEntry | None] = {}
    for row in rows:
        if not row:
            continue
        if len(row) != 3:  # noqa: PLR2004 - path, hash, size
            raise RefusedArchiveError(f"RECORD has a malformed row {ascii(row)[:200]}")
        path, hash_field, size_field = row
        entries[path] = _parse_record_row(path, hash_field, size_field)
    return entries


def _parse_record_row(path: str, hash_field: str, size_field: str) -> _RecordEntry | None:
    if not hash_field and not size_field:
        return None
    algorithm, _, encoded = hash_field.partition("=")
    if algorithm not in _RECORD_ALGORITHMS:
        raise RefusedArchiveError(f"RECORD hashes {path!a} with {algorithm!r}, not sha256")
    try:
        digest = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        size = int(size_field)
    except ValueError:
        raise RefusedArchiveError(f"RECORD has a malformed hash or size for {path!a}") from None
    return _RecordEntry(algorithm=algorithm, digest=digest, size=size)


def _check_record(
    members: dict[str, Member],
    record: dict[str, _RecordEntry | None],
    unsigned: set[str],
    budget: Budget,
    limits: InspectionLimits,
) -> None:
    for path in record:
        if path not in members and path not in unsigned:
            raise RefusedArchiveError(f"RECORD lists {path!a}, which is not in the wheel")
    for member in members.values():
        if not member.is_file or member.name in unsigned:
            continue
        entry = record.get(member.name)
        if entry is None:
            raise RefusedArchiveError(f"the member {member.name!a} is not hashed in RECORD")
        _check_member_against_record(member, entry, budget, limits)


def _check_member_against_record(
    member: Member, entry: _RecordEntry, budget: Budget, limits: InspectionLimits
) -> None:
    hasher = hashlib.new(entry.algorithm)
    capture = NestedArchiveCapture(limits)
    size = 0
    for chunk in member.chunks():
        hasher.update(chunk)
        capture.feed(chunk)
        size += len(chunk)
    if size != entry.size or hasher.digest() != entry.digest:
        raise RefusedArchiveError(
            f"the member {member.name!a} does not match its hash or size in RECORD"
        )
    capture.walk(budget, limits, depth=1)
