"""Accounts: creating them, and checking credentials, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bastion.accounts.errors import (
    InvalidCredentialsError,
    InvalidUsernameError,
    UsernameTakenError,
    WeakPasswordError,
)
from bastion.accounts.models import User
from bastion.accounts.services import MIN_PASSWORD_LENGTH, UserService
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
        users.create_user("alice", email="a@example.org", password="x" * (MIN_PASSWORD_LENGTH - 1))
    assert _create(users, "alice", password="x" * MIN_PASSWORD_LENGTH)


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
