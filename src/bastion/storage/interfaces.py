"""The storage protocol."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Protocol


class Storage(Protocol):
    """A store of immutable blobs under relative keys."""

    def put_file(self, key: str, source: Path) -> None:
        """Store the content of `source` under `key`, all or nothing."""

    def put_bytes(self, key: str, data: bytes, *, durable: bool = True) -> None:
        """Store `data` under `key`, all or nothing.

        Durable when this returns; with `durable=False`, only after the next `sync()` (for
        many blobs that nothing names until the caller commits: one sync instead of one each).
        """

    def open(self, key: str) -> BinaryIO:
        """Open the blob at `key` for reading. Raises FileNotFoundError when absent."""

    def local_path(self, key: str) -> Path | None:
        """The blob's path on this machine, when it has one (lets the server use sendfile)."""

    def exists(self, key: str) -> bool:
        """Whether a blob is stored at `key`."""

    def delete(self, key: str) -> None:
        """Remove the blob at `key`; absent keys are ignored."""

    def sync(self) -> None:
        """Make every blob stored so far durable, those put with `durable=False` included."""
