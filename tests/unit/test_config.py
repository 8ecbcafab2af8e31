"""Settings from BASTION_* variables and a TOML file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.config import MiB, Settings


def test_defaults_are_sqlite_in_bastion_data_and_a_100_mib_limit():
    settings = Settings.from_env({})
    assert settings.data_dir == Path("bastion-data")
    assert settings.max_upload_bytes == 100 * MiB
    assert settings.storage_dir == Path("bastion-data/files")
    assert settings.is_sqlite
    assert settings.effective_database_url == (
        f"sqlite:///{(Path('bastion-data') / 'bastion.sqlite3').resolve()}"
    )


def test_environment_variables_are_converted_to_the_settings_types():
    settings = Settings.from_env(
        {
            "BASTION_DATA_DIR": "/srv/bastion",
            "BASTION_MAX_UPLOAD_BYTES": "1234",
            "BASTION_DATABASE_URL": "postgresql+psycopg://bastion@127.0.0.1/bastion",
            "BASTION_SITE_NAME": "Internal index",
        }
    )
    assert settings.data_dir == Path("/srv/bastion")
    assert settings.max_upload_bytes == 1234
    assert settings.site_name == "Internal index"
    assert not settings.is_sqlite
    assert settings.effective_database_url.startswith("postgresql+psycopg://")


def test_variables_that_are_not_settings_are_ignored():
    settings = Settings.from_env(
        {"BASTION_PASSWORD": "secret", "BASTION_TEST_DATABASE_URL": "x", "DATA_DIR": "/nope"}
    )
    assert settings == Settings()


def test_a_toml_file_is_read_and_the_environment_overrides_it(tmp_path):
    config = tmp_path / "bastion.toml"
    config.write_text(
        "[bastion]\n"
        "data_dir = '/from/toml'\n"
        "max_upload_bytes = 2048\n"
        "page_cache_entries = 10\n"
        "[other]\nignored = true\n"
    )
    settings = Settings.from_env({"BASTION_MAX_UPLOAD_BYTES": "4096"}, config_file=config)
    assert settings.data_dir == Path("/from/toml")
    assert settings.page_cache_entries == 10
    assert settings.max_upload_bytes == 4096


def test_bastion_config_names_the_toml_file(tmp_path):
    config = tmp_path / "bastion.toml"
    config.write_text("[bastion]\nsite_name = 'From file'\n")
    assert Settings.from_env({"BASTION_CONFIG": str(config)}).site_name == "From file"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("no_such_setting = 1", "unknown setting 'no_such_setting'"),
        ("max_upload_bytes = 'lots'", "setting 'max_upload_bytes'"),
    ],
)
def test_a_bad_toml_setting_is_a_value_error_naming_it(tmp_path, toml, message):
    config = tmp_path / "bastion.toml"
    config.write_text(f"[bastion]\n{toml}\n")
    with pytest.raises(ValueError, match=message):
        Settings.from_env({}, config_file=config)


def test_a_bad_environment_value_is_a_value_error_naming_it():
    with pytest.raises(ValueError, match="setting 'db_pool_size'"):
        Settings.from_env({"BASTION_DB_POOL_SIZE": "five"})


def test_settings_are_immutable_and_replace_returns_a_copy():
    settings = Settings()
    changed = settings.replace(max_upload_bytes=1)
    assert (settings.max_upload_bytes, changed.max_upload_bytes) == (100 * MiB, 1)
    with pytest.raises(AttributeError):
        settings.max_upload_bytes = 5  # type: ignore[misc]
