"""`bastion init`, `bastion db current` and `bastion db upgrade`, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bastion.config import Settings
from bastion.db import schema
from bastion.db.base import Base
from bastion.db.engine import make_engines
from bastion.models import import_all_models
from tests.cli.runner import invoke


def _revision(url: str) -> tuple[str | None, str]:
    engines = make_engines(Settings(database_url=url))
    try:
        return schema.current_revision(engines.writer), schema.head_revision(engines.writer)
    finally:
        engines.dispose()


def test_init_creates_the_data_directory_and_a_sqlite_database_in_it(tmp_path):
    data_dir = tmp_path / "data"
    result = invoke("--data-dir", str(data_dir), "init")
    assert result.exit_code == 0, result.output
    assert "Created the database schema." in result.output
    assert (data_dir / "files").is_dir()
    current, head = _revision(f"sqlite:///{data_dir / 'bastion.sqlite3'}")
    assert current == head


def test_init_creates_the_schema_in_the_database_url_given(tmp_path, bastion, empty_database_url):
    result = bastion("init")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "files").is_dir()
    current, head = _revision(empty_database_url)
    assert current == head


def test_the_database_url_can_come_from_the_environment(tmp_path, empty_database_url):
    env = {"BASTION_DATABASE_URL": empty_database_url, "BASTION_DATA_DIR": str(tmp_path / "d")}
    result = invoke("init", env=env)
    assert result.exit_code == 0, result.output
    assert _revision(empty_database_url)[0] is not None


def test_init_is_safe_to_run_again(bastion):
    assert bastion("init").exit_code == 0
    again = bastion("init")
    assert again.exit_code == 0, again.output
    assert "Created the database schema." not in again.output


def test_db_current_shows_no_revision_then_head_after_db_upgrade(bastion, empty_database_url):
    head = _revision(empty_database_url)[1]
    before = bastion("db", "current")
    assert before.exit_code == 0, before.output
    assert before.output.split() == ["database:", "none", "code:", head]

    upgraded = bastion("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert f"Database at revision {head}." in upgraded.output

    after = bastion("db", "current")
    assert after.output.split() == ["database:", head, "code:", head]


def test_db_upgrade_twice_changes_nothing(bastion, empty_database_url):
    assert bastion("db", "upgrade").exit_code == 0
    assert bastion("db", "upgrade").exit_code == 0
    current, head = _revision(empty_database_url)
    assert current == head


@pytest.mark.parametrize("setting", ["max_upload_bytes = 'many'", "no_such_setting = 1"])
def test_a_bad_config_file_is_a_usage_error(tmp_path, setting):
    config = tmp_path / "bastion.toml"
    config.write_text(f"[bastion]\n{setting}\n")
    result = invoke("--config", str(config), "db", "current")
    assert result.exit_code == 2
    assert setting.split()[0] in result.output


def test_a_config_file_sets_the_data_directory(tmp_path):
    data_dir = tmp_path / "from-config"
    config = tmp_path / "bastion.toml"
    config.write_text(f"[bastion]\ndata_dir = '{data_dir}'\n")
    result = invoke("--config", str(config), "init")
    assert result.exit_code == 0, result.output
    assert (data_dir / "bastion.sqlite3").is_file()


def test_the_migrations_build_exactly_the_schema_the_models_declare(bastion, empty_database_url):
    assert bastion("db", "upgrade").exit_code == 0
    import_all_models()
    engines = make_engines(Settings(database_url=empty_database_url))
    try:
        with engines.writer.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engines.dispose()
    assert differences == []


def test_every_migration_can_be_undone_and_redone(bastion, empty_database_url):
    engines = make_engines(Settings(database_url=empty_database_url))
    try:
        schema.upgrade(engines.writer)
        command.downgrade(schema.alembic_config(engines.writer), "base")
        assert schema.current_revision(engines.writer) is None
        schema.upgrade(engines.writer)
        assert schema.current_revision(engines.writer) == schema.head_revision(engines.writer)
    finally:
        engines.dispose()
