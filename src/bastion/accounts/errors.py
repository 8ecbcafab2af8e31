"""Why an account operation was refused.

AccountError
  InvalidCredentialsError   missing, unknown user or wrong password: one line for all
  UsernameTakenError        another account has this username (compared case-insensitively)
  InvalidUsernameError      not a username Bastion accepts
  WeakPasswordError         a new password is too weak:
    PasswordTooShortError     shorter than the minimum
    GuessablePasswordError    zxcvbn scores it too easy to guess
  BreachedPasswordError     a new password appears in a known breach (Have I Been Pwned)
  BreachCheckUnavailableError  the breach list could not be consulted and the policy fails closed
  InvalidCredentialsError
    InvalidSecondFactorError  a wrong, used or expired TOTP or recovery code
    SecurityKeyRefusedError   a WebAuthn answer that does not verify (origin, RP ID, signature...)
      ClonedSecurityKeyError  a key whose signature counter did not go up: a copy is in use
"""

from __future__ import annotations

from collections.abc import Sequence

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
    """A new password too weak to accept; the subclasses say why."""


class PasswordTooShortError(WeakPasswordError):
    """A password shorter than the minimum."""

    def __init__(self, minimum: int) -> None:
        super().__init__(f"The password must have at least {minimum} characters.")
        self.minimum = minimum


class GuessablePasswordError(WeakPasswordError):
    """A password zxcvbn scores below the minimum; the line carries zxcvbn's feedback.

    The feedback is zxcvbn's fixed English text (never a part of the password), so the line
    repeats nothing the user typed.
    """

    def __init__(self, score: int, *, warning: str, suggestions: Sequence[str]) -> None:
        advice = " ".join(part for part in (warning, *suggestions) if part)
        super().__init__(
            f"The password is too easy to guess. {advice or 'Choose a longer, less common one.'}"
        )
        self.score = score
        self.warning = warning
        self.suggestions = tuple(suggestions)


class BreachedPasswordError(AccountError):
    """A password found in Have I Been Pwned's Pwned Passwords. Never names the password."""

    def __init__(self) -> None:
        super().__init__(
            "This password has appeared in a data breach (Have I Been Pwned), so attackers try "
            "it first. Choose a different password."
        )


class BreachCheckUnavailableError(AccountError):
    """The breach list could not be consulted, and the policy refuses unchecked passwords.

    The cause (URL, path, network error) goes to the operator's log, not to the client.
    """

    status_code = 503

    def __init__(self) -> None:
        super().__init__(
            "The password could not be checked against known data breaches right now. "
            "Try again later."
        )


class InvalidSecondFactorError(InvalidCredentialsError):
    """A TOTP or recovery code that is wrong, used already, or out of its time window.

    An InvalidCredentialsError, so that failed-login rate limits count it.
    """

    def __init__(self) -> None:
        AccountError.__init__(
            self,
            "That code is not right, or was used already: enter the current code from your "
            "app, or an unused recovery code.",
        )


class SecurityKeyRefusedError(InvalidCredentialsError):
    """A security key's answer that does not verify, for the `reason` kept in the audit trail.

    An InvalidCredentialsError, so that failed-login rate limits count it. The reason (wrong
    origin, another site's key, a bad signature) is logged, not shown.
    """

    def __init__(self, reason: str) -> None:
        AccountError.__init__(
            self,
            "The security key's answer was refused: use a key registered for this account, "
            "on this site.",
        )
        self.reason = reason


class ClonedSecurityKeyError(SecurityKeyRefusedError):
    """A key whose signature counter did not go up since its last use: a clone may exist."""

    def __init__(self, name: str, seen: int, stored: int) -> None:
        super().__init__(f"sign count {seen} not above {stored}: the key may be cloned")
        self.name, self.seen, self.stored = name, seen, stored


class SecondFactorRequiredError(AccountError):
    """The index requires a second factor, and the account has none yet."""

    status_code = 403

    def __init__(self, setup_url: str) -> None:
        super().__init__(
            "This index requires two-factor authentication before an account may upload: "
            f"set it up at {setup_url} (sign in, then add TOTP or a security key)."
        )
