"""Creating accounts and checking credentials."""

from __future__ import annotations

import functools
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.accounts.errors import (
    InvalidCredentialsError,
    InvalidUsernameError,
    UsernameTakenError,
)
from bastion.accounts.models import User
from bastion.accounts.passwords import Passwords
from bastion.accounts.policy import PasswordPolicy

_USERNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]{0,48}[A-Za-z0-9])?$")


@functools.cache
def _dummy_hash() -> str:
    """The hash verified against when the username is unknown.

    A miss then costs as much as a hit, so response time does not tell which usernames exist.
    Made on first use, not at import: an argon2 hash costs a fifth of a second, and every
    `bastion` command imports this module.
    """
    return Passwords().hash("not a real password, only here for constant timing")


def normalize_username(username: str) -> str:
    """The form usernames are compared in."""
    return username.lower()


class UserService:
    """Accounts over one database session.

    `password_policy` judges new passwords. Without one, they get the length and strength checks
    but no breach check: whatever creates real accounts passes
    `PasswordPolicy.from_settings(settings)`, as `bastion user create` does.
    """

    def __init__(
        self,
        session: Session,
        *,
        passwords: Passwords | None = None,
        password_policy: PasswordPolicy | None = None,
    ) -> None:
        self.session = session
        self.passwords = passwords or Passwords()
        self.password_policy = password_policy or PasswordPolicy.without_breach_check()

    def find_by_username(self, username: str) -> User | None:
        """The account called `username` (case-insensitively), or None."""
        query = select(User).where(User.normalized_username == normalize_username(username))
        return self.session.scalars(query).one_or_none()

    def create_user(
        self, username: str, *, email: str, password: str, is_admin: bool = False
    ) -> User:
        """Create and flush a new account.

        Raises:
            InvalidUsernameError: the username has characters or a length Bastion refuses.
            UsernameTakenError: another account has the same username, ignoring case.
            WeakPasswordError: the password is too short, or zxcvbn scores it too guessable
                (the username and email count as known to an attacker).
            BreachedPasswordError: the password appears in Pwned Passwords.
            BreachCheckUnavailableError: the breach list could not be consulted and the
                policy fails closed.
        """
        if not _USERNAME.fullmatch(username):
            raise InvalidUsernameError(username)
        if self.find_by_username(username) is not None:
            raise UsernameTakenError(username)
        # Last, as it may ask Have I Been Pwned: no request for an account refused anyway.
        self.password_policy.check_new_password(
            password, user_inputs=[username, email, email.partition("@")[0]]
        )
        user = User(
            username=username,
            normalized_username=normalize_username(username),
            email=email,
            password_hash=self.passwords.hash(password),
            is_admin=is_admin,
        )
        self.session.add(user)
        self.session.flush()
        return user

    def authenticate(self, username: str, password: str) -> User:
        """Return the active account that `password` unlocks.

        Raises:
            InvalidCredentialsError: unknown or inactive user, or wrong password.
        """
        user = self.find_by_username(username)
        if user is None or not user.is_active:
            self.passwords.verify(_dummy_hash(), password)
            raise InvalidCredentialsError
        if not self.passwords.verify(user.password_hash, password):
            raise InvalidCredentialsError
        return user

    def set_password(self, user: User, password: str) -> None:
        """Give `user` a new password, judged like any new password.

        Raises:
            WeakPasswordError, BreachedPasswordError, BreachCheckUnavailableError: as for
                `create_user`.
        """
        self.password_policy.check_new_password(
            password, user_inputs=[user.username, user.email, user.email.partition("@")[0]]
        )
        user.password_hash = self.passwords.hash(password)
