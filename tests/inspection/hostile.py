"""Hostile distribution files, built at test time (never committed as binaries).

Each builder returns a `Hostile`: a filename, its bytes, and the words its refusal must contain.
The archives are real: each is what an attacker would upload, not a mock of it.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import struct
import tarfile
import warnings
import zipfile
import zlib
from collections.abc import Callable

from tests.factories.dists import Dist, core_metadata

NAME, VERSION = "sample-project", "1.0"
TOP = "sample_project-1.0"
DIST_INFO = f"{TOP}.dist-info"
WHEEL_FILENAME = f"{TOP}-py3-none-any.whl"
SDIST_FILENAME = f"{TOP}.tar.gz"
MiB = 1024 * 1024


@dataclasses.dataclass(frozen=True)
class Hostile:
    """A file to upload and what its refusal must say."""

    filename: str
    content: bytes
    reason: str  # a fragment of the one-line reason

    @property
    def filetype(self) -> str:
        return "bdist_wheel" if self.filename.endswith(".whl") else "sdist"

    def as_dist(self) -> Dist:
        """The file with the form fields an honest client would send for its name."""
        return Dist(
            filename=self.filename,
            content=self.content,
            metadata=core_metadata(NAME, VERSION),
            filetype=self.filetype,
            name=NAME,
            version=VERSION,
        )


# Wheels ------------------------------------------------------------------------------------


def record_digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel_members(
    extra: dict[str, bytes] | None = None, *, metadata: bytes | None = None
) -> dict[str, bytes]:
    """The members of an honest wheel (RECORD included), plus `extra` hashed into RECORD."""
    members = {
        "sample_project/__init__.py": b"VALUE = 1\n",
        **(extra or {}),
        f"{DIST_INFO}/METADATA": metadata or core_metadata(NAME, VERSION),
        f"{DIST_INFO}/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(
        f"{path},{record_digest(data)},{len(data)}\n" for path, data in members.items()
    )
    members[f"{DIST_INFO}/RECORD"] = (record + f"{DIST_INFO}/RECORD,,\n").encode()
    return members


def zip_bytes(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for path, data in members.items():
            archive.writestr(path, data)
    return buffer.getvalue()


def wheel(members: dict[str, bytes], filename: str = WHEEL_FILENAME, reason: str = "") -> Hostile:
    return Hostile(filename, zip_bytes(members), reason)


# Sdists ------------------------------------------------------------------------------------

TarEntry = tuple[tarfile.TarInfo, bytes]


def regular(path: str, data: bytes) -> TarEntry:
    info = tarfile.TarInfo(path)
    info.size = len(data)
    info.mode = 0o644
    return info, data


def special(path: str, kind: bytes, linkname: str = "") -> TarEntry:
    info = tarfile.TarInfo(path)
    info.type = kind
    info.linkname = linkname
    return info, b""


def sdist_entries(*, metadata: bytes | None = None) -> list[TarEntry]:
    """The members of an honest sdist."""
    return [
        regular(f"{TOP}/PKG-INFO", metadata or core_metadata(NAME, VERSION)),
        regular(f"{TOP}/pyproject.toml", b'[build-system]\nrequires = ["flit_core"]\n'),
        regular(f"{TOP}/sample_project/__init__.py", b"VALUE = 1\n"),
    ]


def tar_bytes(entries: list[TarEntry], *, tar_format: int = tarfile.PAX_FORMAT) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tar_format) as archive:
        for info, data in entries:
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return buffer.getvalue()


def tar_member_bytes(info: tarfile.TarInfo, data: bytes) -> bytes:
    """One member as a tar stream holds it: header blocks, then data padded to a block."""
    return info.tobuf(tarfile.PAX_FORMAT) + data + b"\0" * (-len(data) % tarfile.BLOCKSIZE)


def gzip_bytes(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


def sdist(entries: list[TarEntry], reason: str = "") -> Hostile:
    return Hostile(SDIST_FILENAME, gzip_bytes(tar_bytes(entries)), reason)


# The hostile files -------------------------------------------------------------------------


def gzip_bomb(inflated_bytes: int = 10 * 1024 * MiB) -> Hostile:
    """About 10 MB of gzip that inflates to 10 GB of zeros inside one tar member.

    Deflate blocks ended by a full flush restart from an empty history, so one compressed
    block of 1 MiB of zeros can be repeated instead of compressing 10 GB at test time. The
    CRC is left wrong: the inspector must give up long before it could check it.
    """
    honest = b"".join(tar_member_bytes(info, data) for info, data in sdist_entries())
    bomb, _ = regular(f"{TOP}/zeros.bin", b"")
    bomb.size = inflated_bytes
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    prefix = compressor.compress(honest + bomb.tobuf(tarfile.PAX_FORMAT))
    prefix += compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(b"\0" * MiB) + compressor.flush(zlib.Z_FULL_FLUSH)
    body = prefix + block * (inflated_bytes // MiB) + compressor.flush(zlib.Z_FINISH)
    gzip_header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
    trailer = struct.pack("<LL", 0, inflated_bytes & 0xFFFFFFFF)
    return Hostile(SDIST_FILENAME, gzip_header + body + trailer, "times its size")


def overlapping_zip_bomb(files: int = 200, kernel_bytes: int = MiB) -> Hostile:
    """David Fifield's overlapping-entries zip bomb: every entry shares one compressed kernel.

    Entry i's data is a stored deflate block quoting entry i+1's local header, followed by entry
    i+1's data, and so on down to a deflated kernel of zeros: the central directory describes
    `files` members of ever larger size over the same few bytes.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = b"\0" * kernel_bytes
    kernel = compressor.compress(zeros) + compressor.flush()
    names = [f"sample_project/{i:05d}.bin".encode() for i in range(files)]
    headers: list[bytes] = [b""] * files
    # Build from the last entry backwards: each one's CRC covers the headers quoted after it.
    quoted = b""
    compressed_size = len(kernel)
    sizes: list[tuple[int, int, int]] = [(0, 0, 0)] * files
    for i in reversed(range(files)):
        crc = zlib.crc32(zeros, zlib.crc32(quoted))
        sizes[i] = (crc, compressed_size, len(quoted) + kernel_bytes)
        headers[i] = _local_header(names[i], *sizes[i])
        quote = b"\x00" + struct.pack("<HH", len(headers[i]), len(headers[i]) ^ 0xFFFF)
        quoted = headers[i] + quoted
        compressed_size += len(quote) + len(headers[i])
    body = bytearray()
    offsets = []
    for i in range(files):
        offsets.append(len(body))
        body += headers[i]
        if i + 1 < files:
            body += b"\x00" + struct.pack("<HH", len(headers[i + 1]), len(headers[i + 1]) ^ 0xFFFF)
    body += kernel
    directory = b"".join(_central_entry(names[i], *sizes[i], offsets[i]) for i in range(files))
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, files, files, len(directory), len(body), 0)
    return Hostile(WHEEL_FILENAME, bytes(body) + directory + end, "overlap")


def _local_header(name: bytes, crc: int, compressed: int, uncompressed: int) -> bytes:
    return (
        struct.pack(
            "<4s2B4HL2L2H",
            b"PK\x03\x04",
            20,
            0,
            0,
            8,
            0,
            0x21,
            crc,
            compressed,
            uncompressed,
            len(name),
            0,
        )
        + name
    )


def _central_entry(name: bytes, crc: int, compressed: int, uncompressed: int, offset: int) -> bytes:
    return (
        struct.pack(
            "<4s4B4HL2L5H2L",
            b"PK\x01\x02",
            20,
            3,
            20,
            0,
            0,
            8,
            0,
            0x21,
            crc,
            compressed,
            uncompressed,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        + name
    )


def nested_zip_tower(levels: int = 5, copies: int = 16) -> Hostile:
    """42.zip's construction: zips of zips, `levels` deep, inside an otherwise honest wheel."""
    data = zip_bytes({"zeros.bin": b"\0" * MiB})
    for level in range(levels - 1):
        data = zip_bytes({f"level{level}-{i:02d}.zip": data for i in range(copies)})
    return wheel(wheel_members({"sample_project/data/42.zip": data}), reason="nested more than")


def polyglot() -> Hostile:
    """An sdist that is also a ZIP: a valid gzip stream followed by a valid ZIP archive."""
    gz = sdist(sdist_entries()).content
    zipped = zip_bytes({"hello.txt": b"hi"})
    # Shift the ZIP's directory offset so ZIP readers find the ZIP after the gzip stream.
    end = zipped.rfind(b"PK\x05\x06")
    (sig, d1, d2, n1, n2, size, offset, comment) = struct.unpack_from("<4s4H2LH", zipped, end)
    central = zipped[offset:end]
    central = central[:42] + struct.pack("<L", len(gz)) + central[46:]
    record = struct.pack("<4s4H2LH", sig, d1, d2, n1, n2, size, len(gz) + offset, comment)
    return Hostile(SDIST_FILENAME, gz + zipped[:offset] + central + record, "polyglot")


def lying_record() -> Hostile:
    members = wheel_members()
    members["sample_project/__init__.py"] = b"import os; os.system('echo pwned')\n"
    return wheel(members, reason="does not match its hash or size in RECORD")


def bogus_platform_tag() -> Hostile:
    filename = f"{TOP}-cp311-cp311-manylinux_9_99_bogus.whl"
    return wheel(wheel_members(), filename=filename, reason="manylinux_9_99_bogus")


# Every hostile file of the issue, by name, with a builder. Large ones are built lazily.
HOSTILE: dict[str, Callable[[], Hostile]] = {
    "gzip bomb (10 MB -> 10 GB)": gzip_bomb,
    "overlapping zip bomb": overlapping_zip_bomb,
    "42.zip-style nesting": nested_zip_tower,
    "tar path traversal": lambda: sdist(
        [*sdist_entries(), regular(f"{TOP}/../../etc/passwd", b"root:x:0:0")], "'..'"
    ),
    "tar absolute path": lambda: sdist(
        [*sdist_entries(), regular("/etc/passwd", b"x")], "absolute"
    ),
    "tar symlink to /": lambda: sdist(
        [*sdist_entries(), special(f"{TOP}/root", tarfile.SYMTYPE, "/")], "points outside"
    ),
    "tar symlink escaping": lambda: sdist(
        [*sdist_entries(), special(f"{TOP}/up", tarfile.SYMTYPE, "../../..")], "points outside"
    ),
    "tar hardlink escaping": lambda: sdist(
        [*sdist_entries(), special(f"{TOP}/shadow", tarfile.LNKTYPE, "/etc/shadow")],
        "hard link",
    ),
    "tar device": lambda: sdist(
        [*sdist_entries(), special(f"{TOP}/dev", tarfile.CHRTYPE)], "device"
    ),
    "tar fifo": lambda: sdist([*sdist_entries(), special(f"{TOP}/pipe", tarfile.FIFOTYPE)], "FIFO"),
    "tar backslash": lambda: sdist(
        [*sdist_entries(), regular(f"{TOP}\\..\\evil.py", b"x")], "backslash"
    ),
    "tar control character": lambda: sdist(
        [*sdist_entries(), regular(f"{TOP}/evil\x1b[2J.py", b"x")], "control character"
    ),
    "tar duplicate member": lambda: sdist(
        [*sdist_entries(), regular(f"{TOP}/sample_project/__init__.py", b"EVIL = 1\n")],
        "appears twice",
    ),
    "tar two top-level directories": lambda: sdist(
        [*sdist_entries(), regular("other-1.0/setup.py", b"")], "outside the single top-level"
    ),
    "polyglot gzip and zip": polyglot,
    "truncated gzip": lambda: Hostile(
        SDIST_FILENAME, sdist(sdist_entries()).content[:-40], "truncated"
    ),
    "trailing data after gzip": lambda: Hostile(
        SDIST_FILENAME, sdist(sdist_entries()).content + b"hidden payload", "after the end"
    ),
    "plain text named .tar.gz": lambda: Hostile(SDIST_FILENAME, b"not an archive\n" * 10, "gzip"),
    "wheel RECORD lies": lying_record,
    "wheel member missing from RECORD": lambda: wheel(
        {**wheel_members(), "sample_project/extra.py": b"x = 1\n"}, reason="not hashed in RECORD"
    ),
    "wheel bogus platform tag": bogus_platform_tag,
    "wheel zip with data before it": lambda: Hostile(
        WHEEL_FILENAME, b"MZ" + b"\0" * 100 + zip_bytes(wheel_members()), "before"
    ),
    "wheel zip with trailing data": lambda: Hostile(
        WHEEL_FILENAME, zip_bytes(wheel_members()) + b"trailing", "after the end of the ZIP"
    ),
    "wheel duplicate member": lambda: Hostile(
        WHEEL_FILENAME, _zip_with_duplicate(), "appears twice"
    ),
    "wheel local header disagrees": lambda: Hostile(
        WHEEL_FILENAME, _zip_with_lying_local_header(), "disagrees with the central directory"
    ),
    "wheel path traversal": lambda: wheel(
        wheel_members({"../../evil.pth": b"import os\n"}), reason="'..'"
    ),
}


def _zip_with_duplicate() -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns about exactly what we are building
        for path, data in wheel_members().items():
            archive.writestr(path, data)
        archive.writestr("sample_project/__init__.py", b"EVIL = 1\n")
    return buffer.getvalue()


def _zip_with_lying_local_header() -> bytes:
    """The central directory says one size; the local header another (two tools, two files)."""
    data = bytearray(zip_bytes(wheel_members(), compression=zipfile.ZIP_STORED))
    offset = data.find(b"PK\x03\x04")
    struct.pack_into("<L", data, offset + 22, 1)  # the local header's uncompressed size
    return bytes(data)
