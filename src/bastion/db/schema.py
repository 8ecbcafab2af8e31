"""Schema migrations: Alembic, driven from the CLI and checked before serving."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from bastion.errors import BastionError


class SchemaOutOfDateError(BastionError):
    """The database is behind (or ahead of) the code; nothing should serve from it."""

    def __init__(self, current: str | None, head: str) -> None:
        super().__init__(
            f"The database schema is at revision {current or 'none'} but this Bastion needs "
            f"{head}. Run `bastion db upgrade` first."
        )


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs the bundled migrations on `engine`."""
    config = Config()
    config.set_main_option("script_location", "bastion.db:migrations")
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str:
    """The newest revision the bundled migrations know."""
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("no migrations found")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for a database Alembic has never touched."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_empty(engine: Engine) -> bool:
    """Whether the database has no tables at all (a new data directory)."""
    return not inspect(engine).get_table_names()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision`."""
    command.upgrade(alembic_config(engine), revision)


def ensure_current(engine: Engine) -> None:
    """Raise unless the database schema matches the code exactly.

    Raises:
        SchemaOutOfDateError: `bastion db upgrade` is needed (or the code is older than the db).
    """
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        raise SchemaOutOfDateError(current, head)
