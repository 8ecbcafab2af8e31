"""Blobs in a local directory."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import BinaryIO


class LocalStorage:
    """Stores each blob as a file below `root`.

    Each is written to a temporary file and renamed into place, so a reader never sees half a
    file and a crash leaves none behind.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        # Keys come from our own code, but a key that escapes the root would be a write
        # anywhere on the machine: refuse it outright.
        parts = PurePosixPath(key).parts
        if not parts or key.startswith("/") or any(p in {"", ".", ".."} for p in parts):
            raise ValueError(f"unsafe storage key {key!r}")
        return self.root.joinpath(*parts)

    def put_file(self, key: str, source: Path) -> None:
        """Copy `source` to `key` atomically."""
        with source.open("rb") as src:
            self._write(key, lambda dst: shutil.copyfileobj(src, dst, 1024 * 1024))

    def put_bytes(self, key: str, data: bytes, *, durable: bool = True) -> None:
        """Write `data` to `key` atomically; fsynced unless `durable=False` (see `sync`)."""
        self._write(key, lambda dst: dst.write(data), durable=durable)

    def _write(self, key: str, fill: Callable[[BinaryIO], object], *, durable: bool = True) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as dst:
                fill(dst)
                dst.flush()
                if durable:
                    os.fsync(dst.fileno())
            Path(tmp_name).replace(target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        """Open `key` for reading."""
        return self._path(key).open("rb")

    def local_path(self, key: str) -> Path | None:
        """The file behind `key`."""
        return self._path(key)

    def exists(self, key: str) -> bool:
        """Whether `key` is stored."""
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove `key` if present."""
        self._path(key).unlink(missing_ok=True)

    def sync(self) -> None:
        """Flush every file written so far, and the renames that put them in place, to disk.

        `os.sync()` (the whole machine: Python has no per-filesystem `syncfs`): one flush for
        any number of files written with `durable=False`, where fsyncing each costs a journal
        commit apiece.
        """
        os.sync()
