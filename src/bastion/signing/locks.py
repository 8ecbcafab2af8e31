"""One publisher at a time, across threads, processes and (on PostgreSQL) hosts.

The lock is held from before the pending changes are read until after `timestamp.json` is
written: the timestamp is the only file ever replaced in place, and two publishers writing it
out of order would show clients a rollback. On PostgreSQL it is a session advisory lock (freed
by the server if the holder dies); on SQLite, which lives on one machine, a file lock (freed by
the kernel if the holder dies).
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator

from sqlalchemy import text

from bastion.config import Settings
from bastion.db.engine import Engines

# pg_advisory_lock's key: any constant no other code of this database uses ("TUF" in ASCII).
_ADVISORY_KEY = 0x545546


@contextlib.contextmanager
def publisher_lock(settings: Settings, engines: Engines) -> Iterator[None]:
    """Hold the publisher lock for the block."""
    if settings.is_sqlite:
        path = settings.data_dir / "tuf-publisher.lock"
        with path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    with engines.writer.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
            connection.commit()
