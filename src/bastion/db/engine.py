"""Engines for SQLite (the embedded default) and PostgreSQL.

SQLite allows one writer at a time. A deferred transaction that read first and then tries to
write fails at once (SQLITE_BUSY_SNAPSHOT, which no busy timeout retries) when another writer
committed in between; so requests that may write get their own engine whose transactions start
with `BEGIN IMMEDIATE` and queue on the busy timeout instead. Readers never block in WAL mode.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Engine, create_engine, event

from bastion.config import Settings

_SQLITE_BUSY_TIMEOUT_S = 30.0


@dataclasses.dataclass(frozen=True)
class Engines:
    """A reader for safe requests and a writer for the rest (the same engine off SQLite)."""

    reader: Engine
    writer: Engine

    def dispose(self) -> None:
        """Close every pooled connection of both engines."""
        self.reader.dispose()
        if self.writer is not self.reader:
            self.writer.dispose()


def make_engines(settings: Settings) -> Engines:
    """Build the engines for `settings.effective_database_url`."""
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        return Engines(
            reader=_sqlite_engine(url, begin="BEGIN"),
            writer=_sqlite_engine(url, begin="BEGIN IMMEDIATE"),
        )
    engine = create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
    )
    return Engines(reader=engine, writer=engine)


def _sqlite_engine(url: str, *, begin: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: object) -> None:
        # Let SQLAlchemy's "begin" event (below) issue BEGIN, not the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine
