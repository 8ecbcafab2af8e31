"""Fixtures of the CLI tests: a database nobody has touched yet, of each kind, and a runner."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from click.testing import Result
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.cli.runner import invoke
from tests.conftest import POSTGRES_SKIP_REASON, POSTGRES_URL


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)],
)
def empty_database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The URL of a database with no tables at all, SQLite or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cli.sqlite3'}"
        return
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP_REASON)
    admin_url = make_url(POSTGRES_URL)
    name = f"bastion_cli_{uuid.uuid4().hex[:16]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def bastion(tmp_path, empty_database_url):
    """Run `bastion ARGS` in process, on this test's data directory and database."""

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        options = ("--data-dir", str(tmp_path / "data"), "--database-url", empty_database_url)
        return invoke(*options, *args, env=env)

    return run
