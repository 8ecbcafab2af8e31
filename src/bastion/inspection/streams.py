"""Bounded decompression: a reader that charges every byte it produces to a budget.

Python's `gzip`, `bz2` and `lzma` file objects would happily inflate gigabytes; this reader
asks each decompressor for at most what the caller wants, so memory stays at one chunk and the
budget sees every byte before the next is made. It also refuses what those modules tolerate:
data after the end of the stream, concatenated streams, and streams cut short.
"""

from __future__ import annotations

import bz2
import enum
import io
import lzma
import zlib
from typing import BinaryIO, Protocol

from bastion.inspection.budget import Budget
from bastion.inspection.errors import RefusedArchiveError

CHUNK_SIZE = 64 * 1024


class Compression(enum.Enum):
    """A compressed stream format, by its name in refusal messages."""

    GZIP = "gzip"
    BZIP2 = "bzip2"
    XZ = "xz"


class _Decompressor(Protocol):
    @property
    def eof(self) -> bool: ...

    @property
    def unused_data(self) -> bytes: ...

    @property
    def needs_input(self) -> bool: ...

    def decompress(self, data: bytes, max_length: int) -> bytes: ...


class _ZlibDecompressor:
    """zlib's decompressobj with the `needs_input` interface bz2 and lzma already have."""

    def __init__(self) -> None:
        # wbits=31: a gzip header and trailer, whose CRC-32 and length zlib checks.
        self._inner = zlib.decompressobj(wbits=31)

    @property
    def eof(self) -> bool:
        return self._inner.eof

    @property
    def unused_data(self) -> bytes:
        return self._inner.unused_data

    @property
    def needs_input(self) -> bool:
        return not self._inner.unconsumed_tail

    def decompress(self, data: bytes, max_length: int) -> bytes:
        return self._inner.decompress(self._inner.unconsumed_tail + data, max_length)


def _decompressor(kind: Compression) -> _Decompressor:
    if kind is Compression.GZIP:
        return _ZlibDecompressor()
    if kind is Compression.BZIP2:
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor(format=lzma.FORMAT_XZ)


class DecompressingReader(io.RawIOBase):
    """The decompressed bytes of `source`, charged to `budget` as they are produced."""

    def __init__(self, source: BinaryIO, kind: Compression, budget: Budget) -> None:
        super().__init__()
        self._source = source
        self._kind = kind
        self._budget = budget
        self._decompressor = _decompressor(kind)
        self._finished = False
        self._read = 0
        self._produced = 0

    def readable(self) -> bool:
        """It is."""
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Fill `buffer` with at most its length of decompressed bytes; 0 at the end.

        Raises:
            RefusedArchiveError: corrupt, truncated, or followed by other data.
            BudgetExceededError: the budget ran out.
        """
        wanted = min(len(buffer), CHUNK_SIZE)
        while not self._finished:
            data = self._next_output(wanted)
            if data:
                self._produced += len(data)
                self._budget.check_ratio(self._produced, self._read)
                self._budget.consume(len(data))
                buffer[: len(data)] = data
                return len(data)
        return 0

    def _next_output(self, wanted: int) -> bytes:
        decompressor = self._decompressor
        if decompressor.eof:
            self._check_nothing_follows()
            self._finished = True
            return b""
        data = self._source.read(CHUNK_SIZE) if decompressor.needs_input else b""
        self._read += len(data)
        try:
            output = decompressor.decompress(data, wanted)
        except (zlib.error, OSError, lzma.LZMAError, EOFError) as exc:
            raise RefusedArchiveError(f"the {self._kind.value} stream is corrupt ({exc})") from None
        # No input left, none produced, no end marker: the stream was cut short. (A
        # decompressor may still hold output when the input runs out, hence the last call.)
        if not output and not data and decompressor.needs_input and not decompressor.eof:
            raise RefusedArchiveError(f"the {self._kind.value} stream is truncated")
        return output

    def _check_nothing_follows(self) -> None:
        if self._decompressor.unused_data or self._source.read(1):
            raise RefusedArchiveError(
                f"there is data after the end of the {self._kind.value} stream "
                "(a concatenated stream or a polyglot)"
            )


def sniff_compression(head: bytes) -> Compression | None:
    """The compressed format `head` (a file's first bytes) starts, if any."""
    if head.startswith(b"\x1f\x8b"):
        return Compression.GZIP
    if head.startswith(b"BZh"):
        return Compression.BZIP2
    if head.startswith(b"\xfd7zXZ\x00"):
        return Compression.XZ
    return None
