"""Accounts: creating them, and checking credentials, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bastion.accounts.errors import (
    BreachedPasswordError,
    GuessablePasswordError,
    InvalidCredentialsError,
    InvalidUsernameError,
    UsernameTakenError,
    WeakPasswordError,
)
from bastion.accounts.models import User
from bastion.accounts.policy import PasswordPolicy
from bastion.accounts.services import UserService
from bastion.accounts.strength import MIN_PASSWORD_LENGTH
from tests.accounts.conftest import BREACHED_PASSWORD, CLEAN_PASSWORD
from tests.conftest import PASSWORD


@pytest.fixture
def users(session):
    return UserService(session)


def _create(users, username: str = "Alice", password: str = PASSWORD, **kwargs):
    user = users.create_user(username, email=f"{username}@example.org", password=password, **kwargs)
    users.session.commit()
    return user


def test_a_created_user_authenticates_with_its_password(users):
    created = _create(users, "Alice")
    assert users.authenticate("Alice", PASSWORD).id == created.id


def test_the_password_is_stored_as_an_argon2id_hash(users, session):
    _create(users)
    stored = session.scalars(select(User.password_hash)).one()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_the_username_keeps_its_case_but_matches_without_it(users):
    created = _create(users, "Alice")
    assert (created.username, created.normalized_username) == ("Alice", "alice")
    assert users.find_by_username("ALICE").id == created.id
    assert users.authenticate("alice", PASSWORD).id == created.id


@pytest.mark.parametrize("second", ["Alice", "alice", "ALICE"])
def test_a_username_taken_in_any_case_is_refused(users, second):
    _create(users, "Alice")
    with pytest.raises(UsernameTakenError, match=f"The username {second!r} is already taken"):
        users.create_user(second, email="other@example.org", password=PASSWORD)


def test_admin_and_active_flags(users):
    assert _create(users, "root", is_admin=True).is_admin is True
    plain = _create(users, "carol")
    assert (plain.is_admin, plain.is_active) == (False, True)


@pytest.mark.parametrize("username", ["a", "a.b_c-d", "A1", "x" * 50])
def test_valid_usernames_are_accepted(users, username):
    assert _create(users, username).username == username


@pytest.mark.parametrize(
    "username", ["", "-alice", "alice-", "al ice", "alice!", "älice", "alice\n", "x" * 51]
)
def test_invalid_usernames_are_refused(users, username):
    with pytest.raises(InvalidUsernameError):
        users.create_user(username, email="a@example.org", password=PASSWORD)


def test_a_short_password_is_refused(users):
    with pytest.raises(WeakPasswordError, match=f"at least {MIN_PASSWORD_LENGTH} characters"):
        users.create_user("alice", email="a@example.org", password="k#9Qz!v")
    assert users.find_by_username("alice") is None
    assert _create(users, "alice", password="k#9Qz!vw")


def test_a_guessable_password_is_refused(users):
    with pytest.raises(GuessablePasswordError, match="too easy to guess"):
        users.create_user("alice", email="a@example.org", password="x" * MIN_PASSWORD_LENGTH)
    assert users.find_by_username("alice") is None


def test_a_password_made_of_the_username_is_refused(users):
    with pytest.raises(GuessablePasswordError):
        users.create_user("quillfeather", email="q@example.org", password="quillfeather77")
    with pytest.raises(GuessablePasswordError):  # the email's local part counts too
        users.create_user("carol", email="quillfeather@example.org", password="quillfeather77")
    assert _create(users, "carol", password="quillfeather77")


def _users_checked_by(session, settings, range_server):
    api = settings.replace(breached_password_check="api", hibp_api_url=range_server.url)
    return UserService(session, password_policy=PasswordPolicy.from_settings(api))


def test_a_breached_password_is_refused_and_nothing_is_stored(session, settings, range_server):
    users = _users_checked_by(session, settings, range_server)
    with pytest.raises(BreachedPasswordError):
        users.create_user("alice", email="a@example.org", password=BREACHED_PASSWORD)
    session.commit()
    assert session.scalars(select(User)).all() == []
    assert len(range_server.requests) == 1


def test_a_clean_password_passes_the_breach_check(session, settings, range_server):
    users = _users_checked_by(session, settings, range_server)
    created = _create(users, "alice", password=CLEAN_PASSWORD)
    assert users.authenticate("alice", CLEAN_PASSWORD).id == created.id


def test_a_taken_username_is_refused_before_asking_hibp(session, settings, range_server):
    users = _users_checked_by(session, settings, range_server)
    _create(users, "alice", password=CLEAN_PASSWORD)
    with pytest.raises(UsernameTakenError):
        users.create_user("Alice", email="b@example.org", password=BREACHED_PASSWORD)
    assert len(range_server.requests) == 1


def test_without_a_policy_there_is_no_breach_check(users):
    # What the suite's own fixtures rely on: UserService(session) asks no outside service.
    assert _create(users, "alice", password=BREACHED_PASSWORD)


@pytest.mark.parametrize(
    ("username", "password"),
    [("Alice", PASSWORD + "x"), ("Alice", ""), ("mallory", PASSWORD), ("", "")],
)
def test_bad_credentials_all_raise_the_same_error(users, username, password):
    _create(users, "Alice")
    with pytest.raises(InvalidCredentialsError) as refused:
        users.authenticate(username, password)
    assert refused.value.status_code == 403
    assert str(refused.value) == str(InvalidCredentialsError())


def test_a_deactivated_account_cannot_authenticate(users):
    user = _create(users, "Alice")
    user.is_active = False
    users.session.commit()
    with pytest.raises(InvalidCredentialsError):
        users.authenticate("Alice", PASSWORD)
