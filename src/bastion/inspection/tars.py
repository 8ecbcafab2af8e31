"""Reading a tar stream member by member, refusing every member kind a distribution must not hold.

The tar comes through `streams.DecompressingReader`, so `tarfile` only ever sees a bounded,
forward-only stream ("r|" mode): it cannot seek, and what it skips is still decompressed and
charged to the budget.

A name may appear twice only as an exact repeat (same type, size, mode, link target and content
digest): real sdists have them (pyarrow's repeats LICENSE.txt and NOTICE.txt), and every tar
reader ends up with the same file whichever copy it keeps. Copies that differ are refused, since
then two tools would see two different archives.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tarfile
from collections.abc import Iterator
from typing import BinaryIO, cast

from bastion.inspection.budget import Budget
from bastion.inspection.errors import RefusedArchiveError
from bastion.inspection.members import Member, MemberKind, no_content
from bastion.inspection.names import check_member_name, resolve_link
from bastion.inspection.streams import CHUNK_SIZE

# After the end-of-archive marker, tar writers pad to their record size (10 KiB by default)
# with zeros. Anything else there is data no tar reader will show: refused.
_MAX_END_PADDING = 1024 * 1024


@dataclasses.dataclass
class _Seen:
    """A member already read: what another member of the same name must repeat exactly."""

    header: tuple[bytes, int, int, str]  # type, size, mode, link target
    digest: bytes | None = None  # SHA-256 of the content, once all of it has been read


def iter_tar_members(stream: BinaryIO, budget: Budget, *, max_name_length: int) -> Iterator[Member]:
    """Yield each member of the tar in `stream`, checked.

    Raises:
        RefusedArchiveError: not a tar; a corrupt header; an unsafe name; a duplicate; a
            device, FIFO, sparse or other special member; a link leaving the archive; data
            after the end of the archive.
        BudgetExceededError: too many members or bytes.
    """
    try:
        # Not a context manager: the archive is read across the generator's yields, and a
        # stream-mode TarFile holds nothing that closing would release.
        archive = tarfile.open(  # noqa: SIM115
            fileobj=stream, mode="r|", encoding="utf-8", errors="surrogateescape"
        )
    except (tarfile.TarError, EOFError) as exc:
        raise RefusedArchiveError(f"not a tar archive ({exc})") from None
    seen: dict[str, _Seen] = {}
    files: set[str] = set()
    while (info := _next_header(archive)) is not None:
        budget.add_member()
        name = check_member_name(info.name, max_length=max_name_length)
        this = _Seen((info.type, info.size, info.mode, info.linkname))
        earlier = seen.get(name)
        if earlier is not None and earlier.header != this.header:
            raise _different_duplicate(name)
        seen[name] = this
        kind, target = _kind_of(info, name, files)
        if kind is not MemberKind.FILE:
            yield Member(name, kind, info.size, target, no_content)
            continue
        files.add(name)
        content = _TarContent(archive, info)
        yield Member(name, kind, info.size, None, content.chunks)
        # Whatever the caller left unread is hashed here: the stream has to pass over it
        # anyway, and a repeated name is accepted only when both copies hash the same.
        this.digest = content.finish()
        if earlier is not None and this.digest != earlier.digest:
            raise _different_duplicate(name)
    _check_end_padding(archive)


def _different_duplicate(name: str) -> RefusedArchiveError:
    return RefusedArchiveError(f"the member {name!a} appears twice, with different contents")


def _next_header(archive: tarfile.TarFile) -> tarfile.TarInfo | None:
    try:
        return archive.next()
    except (tarfile.TarError, EOFError, UnicodeError) as exc:
        raise RefusedArchiveError(f"a tar header is corrupt or truncated ({exc})") from None


def _kind_of(info: tarfile.TarInfo, name: str, files: set[str]) -> tuple[MemberKind, str | None]:
    shown = ascii(name)
    if info.issparse():
        raise RefusedArchiveError(f"the member {shown} is a sparse file")
    if info.isreg():
        return MemberKind.FILE, None
    if info.isdir():
        return MemberKind.DIRECTORY, None
    if info.issym():
        if resolve_link(name, info.linkname) is None:
            raise RefusedArchiveError(f"the symlink {shown} points outside the archive")
        return MemberKind.SYMLINK, info.linkname
    if info.islnk():
        # A hard link names another member, which must be an ordinary file seen before it.
        if info.linkname.removesuffix("/") not in files:
            raise RefusedArchiveError(
                f"the hard link {shown} does not point to an earlier file of the archive"
            )
        return MemberKind.HARDLINK, info.linkname
    if info.ischr() or info.isblk():
        raise RefusedArchiveError(f"the member {shown} is a device file")
    if info.isfifo():
        raise RefusedArchiveError(f"the member {shown} is a FIFO")
    raise RefusedArchiveError(f"the member {shown} has an unsupported type {info.type!r}")


class _TarContent:
    """One regular member's content, read forward once and hashed as it goes."""

    def __init__(self, archive: tarfile.TarFile, info: tarfile.TarInfo) -> None:
        self._name = info.name
        self._extracted = archive.extractfile(info)
        self._remaining = info.size
        self._hasher = hashlib.sha256()

    def chunks(self) -> Iterator[bytes]:
        """The content not read yet, chunk by chunk."""
        while self._remaining > 0:
            yield self._read_chunk()

    def finish(self) -> bytes:
        """Read what is left unread; the SHA-256 of the whole content."""
        while self._remaining > 0:
            self._read_chunk()
        return self._hasher.digest()

    def _read_chunk(self) -> bytes:
        if self._extracted is None:  # pragma: no cover - regular members always extract
            raise RefusedArchiveError(f"the member {self._name!a} cannot be read")
        try:
            chunk = self._extracted.read(min(CHUNK_SIZE, self._remaining))
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise RefusedArchiveError(f"the tar stream is truncated ({exc})") from None
        if not chunk:
            raise RefusedArchiveError(f"the member {self._name!a} is truncated")
        self._remaining -= len(chunk)
        self._hasher.update(chunk)
        return chunk


def _check_end_padding(archive: tarfile.TarFile) -> None:
    # archive.fileobj is tarfile's own stream buffer, which may already hold what follows.
    stream = cast("BinaryIO", archive.fileobj)
    padding = 0
    while chunk := _read_after_end(stream):
        padding += len(chunk)
        if padding > _MAX_END_PADDING or chunk.count(0) != len(chunk):
            raise RefusedArchiveError("there is data after the end of the tar archive")


def _read_after_end(stream: BinaryIO) -> bytes:
    try:
        return stream.read(CHUNK_SIZE)
    except (tarfile.TarError, EOFError) as exc:
        raise RefusedArchiveError(f"the tar stream is corrupt after its end ({exc})") from None
