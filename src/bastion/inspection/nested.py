"""Archives inside archives: followed within the same budget, and only so deep.

A member that starts like an archive is held in memory (up to a cap) and walked like the outer
file, charging the same budget, so a 42.zip-style tower of archives cannot multiply the work.
A nested archive that is merely broken is data (test suites ship broken archives on purpose) and
is not a reason to refuse; one that is a bomb, or nested too deep, is.

Inside a nested archive, every member's name and kind is checked, but a member that is not itself
an archive is decompressed only as far as its first `nested_sample_bytes`: honest projects nest
data that decompresses far past any cap (scipy's sdist holds .npz matrices that expand 900-fold
to several GiB), and nothing here needs the rest. What is read is charged to the budget.
"""

from __future__ import annotations

import enum
import io
from collections.abc import Iterator
from typing import BinaryIO

from bastion.inspection.budget import Budget
from bastion.inspection.errors import (
    BudgetExceededError,
    NestingTooDeepError,
    RefusedArchiveError,
)
from bastion.inspection.limits import InspectionLimits
from bastion.inspection.members import Member
from bastion.inspection.streams import CHUNK_SIZE, DecompressingReader, sniff_compression
from bastion.inspection.tars import iter_tar_members
from bastion.inspection.zips import iter_zip_members

_TAR_MAGIC_OFFSET = 257
_SNIFF_BYTES = 512


class ArchiveKind(enum.Enum):
    """What a member's first bytes say it is."""

    ZIP = "zip"
    COMPRESSED = "compressed"
    TAR = "tar"


def sniff_archive(head: bytes) -> ArchiveKind | None:
    """The archive kind `head` (a member's first bytes) starts, if any."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return ArchiveKind.ZIP
    if sniff_compression(head) is not None:
        return ArchiveKind.COMPRESSED
    if head[_TAR_MAGIC_OFFSET : _TAR_MAGIC_OFFSET + 5] == b"ustar":
        return ArchiveKind.TAR
    return None


class NestedArchiveCapture:
    """Watches one member's chunks and keeps its bytes if it is an archive worth following."""

    def __init__(self, limits: InspectionLimits) -> None:
        self._limit = limits.max_nested_archive_bytes
        self._buffer: bytearray | None = None
        self._started = False
        self._seen = 0

    def feed(self, chunk: bytes) -> None:
        """Take the member's next chunk."""
        self._seen += len(chunk)
        if not self._started:
            self._started = True
            if sniff_archive(chunk[:_SNIFF_BYTES]) is not None:
                self._buffer = bytearray()
        if self._buffer is None:
            return
        self._buffer += chunk
        if len(self._buffer) > self._limit:
            # Too large to hold: counted as plain bytes, never decompressed by anyone here.
            self._buffer = None

    def wants_more(self, sample_bytes: int) -> bool:
        """Whether reading on serves a purpose: an archive still being held, or the sample."""
        return self._buffer is not None or self._seen < sample_bytes

    def walk(self, budget: Budget, limits: InspectionLimits, depth: int) -> None:
        """Walk the captured archive, if any, as one nested `depth` levels down."""
        if self._buffer is not None:
            walk_nested_archive(bytes(self._buffer), budget, limits, depth)


def walk_nested_archive(data: bytes, budget: Budget, limits: InspectionLimits, depth: int) -> None:
    """Walk the archive in `data`, charging `budget`.

    Raises:
        RefusedArchiveError: nested deeper than `limits.max_nesting`.
        BudgetExceededError: the nested content passes the budget.
    """
    if depth > limits.max_nesting:
        raise NestingTooDeepError(f"archives are nested more than {limits.max_nesting} levels deep")
    try:
        _walk(data, budget, limits, depth)
    except (BudgetExceededError, NestingTooDeepError):
        raise
    except RefusedArchiveError:
        return


def _walk(data: bytes, budget: Budget, limits: InspectionLimits, depth: int) -> None:
    kind = sniff_archive(data[:_SNIFF_BYTES])
    source = io.BytesIO(data)
    if kind is ArchiveKind.ZIP:
        members = iter_zip_members(
            source, len(data), budget, max_name_length=limits.max_name_length
        )
        _drain(members, budget, limits, depth)
    elif kind is ArchiveKind.TAR:
        _drain(
            iter_tar_members(source, budget, max_name_length=limits.max_name_length),
            budget,
            limits,
            depth,
        )
    elif kind is ArchiveKind.COMPRESSED:
        compression = sniff_compression(data)
        assert compression is not None  # noqa: S101 - sniff_archive said so
        stream = io.BufferedReader(DecompressingReader(source, compression, budget), CHUNK_SIZE)
        if sniff_archive(stream.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]) is ArchiveKind.TAR:
            _drain(
                iter_tar_members(stream, budget, max_name_length=limits.max_name_length),
                budget,
                limits,
                depth,
            )
        else:
            _drain_stream(stream, budget, limits, depth)


def _drain(members: Iterator[Member], budget: Budget, limits: InspectionLimits, depth: int) -> None:
    for member in members:
        if member.is_file:
            _sample(member.chunks(), budget, limits, depth + 1)


def _drain_stream(stream: BinaryIO, budget: Budget, limits: InspectionLimits, depth: int) -> None:
    _sample(iter(lambda: stream.read(CHUNK_SIZE), b""), budget, limits, depth + 1)


def _sample(chunks: Iterator[bytes], budget: Budget, limits: InspectionLimits, depth: int) -> None:
    """Read a nested member as far as it is worth reading, following it if it is an archive."""
    capture = NestedArchiveCapture(limits)
    for chunk in chunks:
        capture.feed(chunk)
        if not capture.wants_more(limits.nested_sample_bytes):
            break
    capture.walk(budget, limits, depth)


def consume_member(member: Member, budget: Budget, limits: InspectionLimits, depth: int) -> None:
    """Read a member to its end, following it if it is an archive `depth` levels down."""
    capture = NestedArchiveCapture(limits)
    for chunk in member.chunks():
        capture.feed(chunk)
    capture.walk(budget, limits, depth)
