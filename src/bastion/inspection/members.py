"""What the readers of each container yield: one checked member at a time."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterator

from bastion.inspection.errors import RefusedArchiveError


class MemberKind(enum.Enum):
    """The member kinds a distribution may hold; readers refuse every other kind."""

    FILE = "file"
    DIRECTORY = "directory"
    SYMLINK = "symlink"
    HARDLINK = "hard link"


@dataclasses.dataclass(frozen=True)
class Member:
    """A member whose name and kind have been checked; its content is read on demand.

    For a streamed container (tar), `chunks` must be consumed before the next member is
    taken, or not at all. Every chunk has already been charged to the inspection's budget.
    """

    name: str
    kind: MemberKind
    declared_size: int
    link_target: str | None
    chunks: Callable[[], Iterator[bytes]]

    @property
    def is_file(self) -> bool:
        """Whether the member is a regular file."""
        return self.kind is MemberKind.FILE


def no_content() -> Iterator[bytes]:
    """The content of a member that has none (directories, links)."""
    return iter(())


def read_bounded(member: Member, limit: int, what: str) -> bytes:
    """The whole content of a small member, refused past `limit` bytes.

    Raises:
        RefusedArchiveError: the member is larger than `limit`.
    """
    parts: list[bytes] = []
    size = 0
    for chunk in member.chunks():
        size += len(chunk)
        if size > limit:
            raise RefusedArchiveError(f"{what} is larger than {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)
