"""Reading a ZIP archive safely: its structure first, then each member as a bounded stream.

`zipfile` trusts the central directory. A hostile ZIP makes the central directory disagree with
the local headers that other tools read (so two tools see two archives), points many entries at
the same compressed bytes (the overlapping-entries zip bomb), or hides data before, between or
after the members (polyglots). Each of those is refused here before any member is inflated.
"""

from __future__ import annotations

import dataclasses
import lzma
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO

from bastion.inspection.budget import Budget
from bastion.inspection.errors import RefusedArchiveError
from bastion.inspection.members import Member, MemberKind, no_content
from bastion.inspection.names import check_member_name
from bastion.inspection.streams import CHUNK_SIZE

_EOCD = struct.Struct("<4s4H2LH")
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_MAX_COMMENT = 0xFFFF
# A data descriptor (general purpose flag bit 3) follows its member's data: 12 to 24 bytes.
_MAX_DESCRIPTOR = 24
_FLAG_ENCRYPTED = 0x1
_FLAG_DESCRIPTOR = 0x8
_FLAG_UTF8 = 0x800
_ZIP64_MARK = 0xFFFFFFFF
_ZIP16_MARK = 0xFFFF
_SUPPORTED_METHODS = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
_UNIX = 3
# What zipfile and the decompressors under it raise for a corrupt member.
_MEMBER_ERRORS = (
    zipfile.BadZipFile,
    EOFError,
    OSError,
    zlib.error,
    lzma.LZMAError,
    ValueError,
    NotImplementedError,
)


@dataclasses.dataclass(frozen=True)
class _Directory:
    """Where the central directory is, by the end-of-central-directory record."""

    offset: int
    size: int
    entries: int


def iter_zip_members(
    fh: BinaryIO, size: int, budget: Budget, *, max_name_length: int
) -> Iterator[Member]:
    """Yield each member of the ZIP in `fh` (seekable, `size` bytes long), checked.

    Raises:
        RefusedArchiveError: not a ZIP; data before, between or after the members; local
            headers disagreeing with the central directory; overlapping members; encrypted
            or unsupported members; unsafe names; duplicates; links or special files.
        BudgetExceededError: too many members or bytes.
    """
    directory = _read_directory(fh, size)
    try:
        archive = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise RefusedArchiveError(f"not a valid ZIP archive ({exc})") from None
    infos = archive.infolist()
    if len(infos) != directory.entries:
        raise RefusedArchiveError("the ZIP's central directory is inconsistent")
    for _ in infos:
        budget.add_member()
    names = _check_names(infos, max_name_length)
    _check_layout(fh, infos, directory)
    for info, name in zip(infos, names, strict=True):
        kind = _kind_of(info, name)
        yield Member(
            name=name,
            kind=kind,
            declared_size=info.file_size,
            link_target=None,
            chunks=_content_reader(archive, info, budget)
            if kind is MemberKind.FILE
            else no_content,
        )


def _read_directory(fh: BinaryIO, size: int) -> _Directory:
    tail_size = min(size, _EOCD.size + _MAX_COMMENT)
    fh.seek(size - tail_size)
    tail = fh.read(tail_size)
    position = tail.rfind(_EOCD_SIGNATURE)
    if position < 0 or len(tail) - position < _EOCD.size:
        raise RefusedArchiveError("not a ZIP archive (no end of central directory record)")
    record_offset = size - tail_size + position
    (_, disk, cd_disk, _, entries, cd_size, cd_offset, comment_length) = _EOCD.unpack_from(
        tail, position
    )
    if record_offset + _EOCD.size + comment_length != size:
        raise RefusedArchiveError("there is data after the end of the ZIP archive")
    if disk or cd_disk:
        raise RefusedArchiveError("multi-volume ZIP archives are not accepted")
    end_of_directory = record_offset
    if _ZIP64_MARK in {cd_size, cd_offset} or entries == _ZIP16_MARK:
        entries, cd_size, cd_offset, end_of_directory = _read_zip64_directory(fh, record_offset)
    if cd_offset + cd_size != end_of_directory:
        raise RefusedArchiveError(
            "the ZIP has data before its first member or around its central directory "
            "(a polyglot or self-extracting archive)"
        )
    return _Directory(offset=cd_offset, size=cd_size, entries=entries)


def _read_zip64_directory(fh: BinaryIO, record_offset: int) -> tuple[int, int, int, int]:
    locator_offset = record_offset - _ZIP64_LOCATOR.size
    if locator_offset < 0:
        raise RefusedArchiveError("the ZIP64 end of central directory locator is missing")
    fh.seek(locator_offset)
    signature, _, eocd64_offset, _ = _ZIP64_LOCATOR.unpack(fh.read(_ZIP64_LOCATOR.size))
    if signature != _ZIP64_LOCATOR_SIGNATURE:
        raise RefusedArchiveError("the ZIP64 end of central directory locator is missing")
    fh.seek(eocd64_offset)
    record = fh.read(_ZIP64_EOCD.size)
    if len(record) != _ZIP64_EOCD.size:
        raise RefusedArchiveError("the ZIP64 end of central directory record is truncated")
    signature, record_size, _, _, _, _, _, entries, cd_size, cd_offset = _ZIP64_EOCD.unpack(record)
    if signature != _ZIP64_EOCD_SIGNATURE or eocd64_offset + 12 + record_size != locator_offset:
        raise RefusedArchiveError("the ZIP64 end of central directory record is inconsistent")
    return entries, cd_size, cd_offset, eocd64_offset


def _check_names(infos: list[zipfile.ZipInfo], max_name_length: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for info in infos:
        name = check_member_name(info.orig_filename, max_length=max_name_length)
        if name in seen:
            raise RefusedArchiveError(f"the member {name!a} appears twice")
        seen.add(name)
        names.append(name)
    return names


def _check_layout(fh: BinaryIO, infos: list[zipfile.ZipInfo], directory: _Directory) -> None:
    """Every member's local header agrees with its entry; members tile the file without gaps."""
    position = 0
    descriptor_allowance = 0
    for info in sorted(infos, key=lambda item: item.header_offset):
        gap = info.header_offset - position
        if gap < 0:
            raise RefusedArchiveError("ZIP members overlap (a zip bomb construction)")
        if gap > descriptor_allowance:
            raise RefusedArchiveError("the ZIP has data before or between its members")
        data_end = _check_local_header(fh, info)
        if data_end > directory.offset:
            raise RefusedArchiveError("a ZIP member overlaps the central directory")
        position = data_end
        descriptor_allowance = _MAX_DESCRIPTOR if info.flag_bits & _FLAG_DESCRIPTOR else 0
    if not 0 <= directory.offset - position <= descriptor_allowance:
        raise RefusedArchiveError("the ZIP has data between its last member and its directory")


def _check_local_header(fh: BinaryIO, info: zipfile.ZipInfo) -> int:
    """Compare `info` with the local header it points to; return where the member's data ends."""
    shown = ascii(info.orig_filename)
    fh.seek(info.header_offset)
    header = fh.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise RefusedArchiveError(f"the local header of {shown} is truncated")
    (
        signature,
        _,
        _,
        flags,
        method,
        _,
        _,
        crc,
        compressed,
        uncompressed,
        name_length,
        extra_length,
    ) = _LOCAL_HEADER.unpack(header)
    if signature != _LOCAL_SIGNATURE:
        raise RefusedArchiveError(f"the local header of {shown} is missing")
    raw_name = fh.read(name_length)
    encoding = "utf-8" if flags & _FLAG_UTF8 else "cp437"
    if raw_name.decode(encoding, errors="replace") != info.orig_filename:
        raise RefusedArchiveError(f"the local header of {shown} names another file")
    if flags & _FLAG_ENCRYPTED or info.flag_bits & _FLAG_ENCRYPTED:
        raise RefusedArchiveError(f"the member {shown} is encrypted")
    if method != info.compress_type or method not in _SUPPORTED_METHODS:
        raise RefusedArchiveError(f"the member {shown} has a mismatched or unsupported compression")
    sizes_known = not flags & _FLAG_DESCRIPTOR and _ZIP64_MARK not in {compressed, uncompressed}
    if sizes_known and (crc, compressed, uncompressed) != (
        info.CRC,
        info.compress_size,
        info.file_size,
    ):
        raise RefusedArchiveError(
            f"the local header of {shown} disagrees with the central directory"
        )
    data_start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    return int(data_start + info.compress_size)


def _kind_of(info: zipfile.ZipInfo, name: str) -> MemberKind:
    # Unix file type bits, when a writer set them at all (many write permissions only).
    file_type = stat.S_IFMT(info.external_attr >> 16) if info.create_system == _UNIX else 0
    if file_type == stat.S_IFLNK:
        raise RefusedArchiveError(f"the member {name!a} is a symlink")
    if file_type not in {0, stat.S_IFREG, stat.S_IFDIR}:
        raise RefusedArchiveError(f"the member {name!a} is a special file")
    return MemberKind.DIRECTORY if info.is_dir() else MemberKind.FILE


def _content_reader(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget
) -> Callable[[], Iterator[bytes]]:
    def chunks() -> Iterator[bytes]:
        shown = ascii(info.orig_filename)
        try:
            produced = 0
            with archive.open(info) as member:
                while chunk := member.read(CHUNK_SIZE):
                    produced += len(chunk)
                    budget.check_ratio(produced, info.compress_size)
                    budget.consume(len(chunk))
                    yield chunk
        except _MEMBER_ERRORS as exc:
            raise RefusedArchiveError(f"the member {shown} is corrupt ({exc})") from None

    return chunks


def looks_like_zip(fh: BinaryIO, size: int) -> bool:
    """Whether `fh` ends with a ZIP end-of-central-directory record that fits exactly.

    What ZIP readers (and zipfile.is_zipfile) go by: a file that also passes this is a polyglot.
    """
    tail_size = min(size, _EOCD.size + _MAX_COMMENT)
    fh.seek(size - tail_size)
    tail = fh.read(tail_size)
    position = tail.rfind(_EOCD_SIGNATURE)
    while position >= 0:
        if len(tail) - position >= _EOCD.size:
            comment_length = _EOCD.unpack_from(tail, position)[-1]
            if position + _EOCD.size + comment_length == len(tail):
                return True
        position = tail.rfind(_EOCD_SIGNATURE, 0, position)
    return False
