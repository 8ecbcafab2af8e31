"""`bastion serve` refuses a database whose schema is not the code's, naming the fix.

Only the refusal is tested here (the server never starts); tests/e2e serves for real.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bastion.config import Settings
from bastion.db import schema
from bastion.db.engine import make_engines

BASTION = Path(sys.executable).with_name("bastion")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(*global_options: str, serve_options: tuple[str, ...] = ()):
    """Run `bastion serve` as a real process; a refusal exits at once, so the timeout is a bug."""
    return subprocess.run(
        [
            str(BASTION),
            *global_options,
            "serve",
            *("--host", "127.0.0.1", "--port", str(_free_port())),
            *serve_options,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )


def _migrated_then(url: str, sql: str) -> None:
    engines = make_engines(Settings(database_url=url))
    try:
        schema.upgrade(engines.writer)
        with engines.writer.begin() as connection:
            connection.execute(text(sql))
    finally:
        engines.dispose()


@pytest.mark.parametrize(
    ("sql", "shown_revision"),
    [
        ("UPDATE alembic_version SET version_num = '0000_older'", "0000_older"),
        ("DROP TABLE alembic_version", "none"),
    ],
    ids=["other-revision", "tables-without-revision"],
)
def test_serve_refuses_an_out_of_date_schema_and_names_db_upgrade(
    tmp_path, empty_database_url, sql, shown_revision
):
    _migrated_then(empty_database_url, sql)
    result = _serve("--data-dir", str(tmp_path / "data"), "--database-url", empty_database_url)
    assert result.returncode == 1
    assert f"The database schema is at revision {shown_revision} but" in result.stderr
    assert "Run `bastion db upgrade` first." in result.stderr
    assert "Serving" not in result.stderr


def test_serve_takes_the_data_directory_after_the_command_too(tmp_path):
    # The issue spells it `bastion serve --data-dir DIR`; the database is the SQLite file in it.
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    _migrated_then(f"sqlite:///{data_dir / 'bastion.sqlite3'}", "DROP TABLE alembic_version")
    result = _serve(serve_options=("--data-dir", str(data_dir)))
    assert result.returncode == 1
    assert "Run `bastion db upgrade` first." in result.stderr


def test_init_refuses_an_out_of_date_schema_too(tmp_path, bastion, empty_database_url):
    _migrated_then(empty_database_url, "UPDATE alembic_version SET version_num = '0000_older'")
    result = bastion("init")
    assert result.exit_code == 1
    assert "Run `bastion db upgrade` first." in result.output
