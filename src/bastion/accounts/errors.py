"""Why an account operation was refused.

AccountError
  InvalidCredentialsError   missing, unknown user or wrong password: one line for all
  UsernameTakenError        another account has this username (compared case-insensitively)
  InvalidUsernameError      not a username Bastion accepts
  WeakPasswordError         the password is too short
"""

from __future__ import annotations

from bastion.errors import BastionError


class AccountError(BastionError):
    """Base of account errors."""


class InvalidCredentialsError(AccountError):
    """Unknown user, inactive user or wrong password. One message, so none is told apart."""

    status_code = 403

    def __init__(self) -> None:
        super().__init__(
            "Invalid or non-existent authentication information. Check your username and password."
        )


class UsernameTakenError(AccountError):
    """The username (case-insensitively) belongs to another account."""

    def __init__(self, username: str) -> None:
        super().__init__(f"The username {username!r} is already taken.")


class InvalidUsernameError(AccountError):
    """A username outside the accepted alphabet or length."""

    def __init__(self, username: str) -> None:
        super().__init__(
            f"Invalid username {username!r}: use 1 to 50 letters, digits, '.', '_' or '-', "
            "starting and ending with a letter or digit."
        )


class WeakPasswordError(AccountError):
    """A password shorter than the minimum."""

    def __init__(self, minimum: int) -> None:
        super().__init__(f"The password must have at least {minimum} characters.")
