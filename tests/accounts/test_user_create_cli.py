"""`bastion user create` against a stand-in for Have I Been Pwned on 127.0.0.1."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bastion.accounts.models import User
from tests.accounts.conftest import BREACHED_PASSWORD, CLEAN_PASSWORD, sha1_hex
from tests.cli.runner import invoke


@pytest.fixture
def create_user(tmp_path, database_url):
    """Run `bastion user create carol` with `password` and these BASTION_* settings."""

    def create(password: str, **settings: str):
        env = {"BASTION_PASSWORD": password} | {
            f"BASTION_{name.upper()}": value for name, value in settings.items()
        }
        return invoke(
            "--data-dir",
            str(tmp_path / "data"),
            "--database-url",
            database_url,
            "user",
            "create",
            "carol",
            "--email",
            "carol@example.org",
            env=env,
        )

    return create


def _usernames(session) -> list[str]:
    session.rollback()  # see what the CLI committed
    return list(session.scalars(select(User.username)))


def test_a_breached_password_is_refused(create_user, range_server, session):
    result = create_user(
        BREACHED_PASSWORD, breached_password_check="api", hibp_api_url=range_server.url
    )
    assert result.exit_code == 1, result.output
    assert "Error: This password has appeared in a data breach" in result.output
    assert BREACHED_PASSWORD not in result.output
    assert _usernames(session) == []
    [seen] = range_server.requests
    assert seen.path == f"/range/{sha1_hex(BREACHED_PASSWORD)[:5]}"


def test_a_clean_password_is_accepted(create_user, range_server, session):
    result = create_user(
        CLEAN_PASSWORD, breached_password_check="api", hibp_api_url=range_server.url
    )
    assert result.exit_code == 0, result.output
    assert "Created user 'carol'." in result.output
    assert "Warning" not in result.output
    assert _usernames(session) == ["carol"]


def test_a_guessable_password_is_refused_with_advice(create_user, session):
    result = create_user("password1")
    assert result.exit_code == 1
    assert "Error: The password is too easy to guess. This is a very common password." in (
        result.output
    )
    assert _usernames(session) == []


def test_without_the_service_the_account_is_created_with_a_warning(
    create_user, unreachable_url, session
):
    result = create_user(
        BREACHED_PASSWORD, breached_password_check="api", hibp_api_url=unreachable_url
    )
    assert result.exit_code == 0, result.output
    assert "Warning: Accepted a new password without the breached-password check" in result.output
    assert unreachable_url in result.output
    assert _usernames(session) == ["carol"]


def test_failing_closed_without_the_service_nothing_is_created(
    create_user, unreachable_url, session
):
    result = create_user(
        CLEAN_PASSWORD,
        breached_password_check="api",
        hibp_api_url=unreachable_url,
        breached_password_fail_open="false",
    )
    assert result.exit_code == 1
    assert "Warning: Refused a new password, as the breached-password check failed" in result.output
    assert "Error: The password could not be checked against known data breaches" in (result.output)
    assert _usernames(session) == []


def test_offline_mode_refuses_from_a_range_directory(create_user, tmp_path, session):
    digest = sha1_hex(BREACHED_PASSWORD)
    ranges = tmp_path / "ranges"
    ranges.mkdir()
    (ranges / f"{digest[:5]}.txt").write_bytes(f"{digest[5:]}:52579\r\n".encode())
    result = create_user(
        BREACHED_PASSWORD, breached_password_check="offline", breached_passwords_path=str(ranges)
    )
    assert result.exit_code == 1
    assert "appeared in a data breach" in result.output
    assert _usernames(session) == []


def test_misconfigured_settings_are_a_usage_error(create_user, session):
    result = create_user(CLEAN_PASSWORD, breached_password_check="offline")
    assert result.exit_code == 2
    assert "breached_passwords_path is empty" in result.output
    assert _usernames(session) == []
