"""`bastion user create`: the password from BASTION_PASSWORD, never from the command line."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from bastion.accounts.errors import InvalidCredentialsError
from bastion.accounts.services import UserService
from bastion.config import Settings
from bastion.db.engine import make_engines

PASSWORD = "a long enough password"


@pytest.fixture
def accounts(empty_database_url):
    """Run `check(session)` on the CLI's database, after the CLI has run."""

    def check(body):
        engines = make_engines(Settings(database_url=empty_database_url))
        try:
            with Session(engines.writer) as session:
                return body(UserService(session))
        finally:
            engines.dispose()

    return check


def _create(bastion, *args: str, password: str | None = PASSWORD):
    env = {} if password is None else {"BASTION_PASSWORD": password}
    return bastion("user", "create", *args, env=env)


def test_a_created_user_can_authenticate_with_the_password(bastion, accounts):
    result = _create(bastion, "carol", "--email", "carol@example.org")
    assert result.exit_code == 0, result.output
    assert "Created user 'carol'." in result.output
    user = accounts(lambda users: users.authenticate("carol", PASSWORD))
    assert (user.username, user.email, user.is_admin) == ("carol", "carol@example.org", False)


def test_the_wrong_password_does_not_authenticate_a_created_user(bastion, accounts):
    assert _create(bastion, "carol", "--email", "carol@example.org").exit_code == 0
    with pytest.raises(InvalidCredentialsError):
        accounts(lambda users: users.authenticate("carol", PASSWORD + "!"))


def test_admin_makes_an_administrator(bastion, accounts):
    result = _create(bastion, "root", "--email", "root@example.org", "--admin")
    assert result.exit_code == 0, result.output
    assert "(admin)" in result.output
    assert accounts(lambda users: users.find_by_username("root").is_admin) is True


@pytest.mark.parametrize("second", ["carol", "Carol", "CAROL"])
def test_a_taken_username_is_refused_without_regard_to_case(bastion, accounts, second):
    assert _create(bastion, "carol", "--email", "carol@example.org").exit_code == 0
    result = _create(bastion, second, "--email", "other@example.org")
    assert result.exit_code == 1
    assert f"Error: The username {second!r} is already taken." in result.output
    assert accounts(lambda users: users.find_by_username("carol").email) == "carol@example.org"


def test_a_short_password_is_refused(bastion, accounts):
    result = _create(bastion, "carol", "--email", "c@example.org", password="short")
    assert result.exit_code == 1
    assert "at least 8 characters" in result.output
    assert accounts(lambda users: users.find_by_username("carol")) is None


def test_an_invalid_username_is_refused(bastion):
    result = _create(bastion, "carol!", "--email", "c@example.org")
    assert result.exit_code == 1
    assert "Invalid username 'carol!'" in result.output


def test_without_a_password_variable_or_a_terminal_it_refuses(bastion, accounts):
    result = _create(bastion, "carol", "--email", "c@example.org", password=None)
    assert result.exit_code == 1
    assert "Set BASTION_PASSWORD" in result.output
    assert PASSWORD not in result.output


def test_the_email_is_required(bastion):
    result = _create(bastion, "carol")
    assert result.exit_code == 2
    assert "--email" in result.output


def test_there_is_no_password_option(bastion):
    result = _create(bastion, "carol", "--email", "c@example.org", "--password", PASSWORD)
    assert result.exit_code == 2
    assert "No such option '--password'" in result.output
