"""What a new password must pass before it is hashed: length, strength, and no known breach.

Length and strength are judged in process (`strength.py`). The breach check asks a
`BreachChecker` (`breaches.py`); when that cannot answer (service unreachable, local copy
missing), `fail_open` decides: accept the password and warn the operator (the default, as PyPI
does), or refuse it with a 503 that asks to try again later. docs/security.md says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bastion.accounts.breaches import BreachLookupError, NullBreachChecker, breach_checker_for
from bastion.accounts.errors import BreachCheckUnavailableError, BreachedPasswordError
from bastion.accounts.interfaces import BreachChecker
from bastion.accounts.strength import check_password_strength
from bastion.config import Settings

logger = logging.getLogger(__name__)


class PasswordPolicy:
    """The checks every new password passes; one policy serves the CLI and the web."""

    def __init__(
        self,
        *,
        breaches: BreachChecker,
        fail_open: bool = True,
        warn: Callable[[str], None] | None = None,
    ) -> None:
        """Check breaches with `breaches`, and tell `warn` when that fails.

        `warn` gets one line for the operator; the default logs it as a warning.
        """
        self.breaches = breaches
        self.fail_open = fail_open
        self.warn = warn or logger.warning

    @classmethod
    def without_breach_check(cls) -> PasswordPolicy:
        """Length and strength only: for callers that were given no settings (and tests)."""
        return cls(breaches=NullBreachChecker())

    @classmethod
    def from_settings(
        cls, settings: Settings, *, warn: Callable[[str], None] | None = None
    ) -> PasswordPolicy:
        """The policy the settings describe (`breached_password_*`, `hibp_*`).

        Raises:
            ValueError: the breach-check settings are inconsistent (see `breach_checker_for`).
        """
        return cls(
            breaches=breach_checker_for(settings),
            fail_open=settings.breached_password_fail_open,
            warn=warn,
        )

    def check_new_password(self, password: str, *, user_inputs: Sequence[str] = ()) -> None:
        """Refuse `password` if it is short, guessable or breached.

        Raises:
            PasswordTooShortError: shorter than the minimum length.
            GuessablePasswordError: zxcvbn scores it too easy to guess.
            BreachedPasswordError: it appears in Pwned Passwords.
            BreachCheckUnavailableError: the breach list could not be consulted and the policy
                fails closed.
        """
        check_password_strength(password, user_inputs=user_inputs)
        try:
            is_breached = self.breaches.is_breached(password)
        except BreachLookupError as exc:
            if not self.fail_open:
                self.warn(
                    f"Refused a new password, as the breached-password check failed: {exc} "
                    "(breached_password_fail_open is false)."
                )
                raise BreachCheckUnavailableError from exc
            self.warn(
                f"Accepted a new password without the breached-password check: {exc} "
                "(breached_password_fail_open is true; see docs/security.md)."
            )
            return
        if is_breached:
            raise BreachedPasswordError

    def is_known_breached(self, password: str) -> bool:
        """Whether an existing password is in the breach list (checked at web sign-in).

        An unreachable list answers False, with a warning: a sign-in never fails for that.
        """
        try:
            return self.breaches.is_breached(password)
        except BreachLookupError as exc:
            self.warn(f"Could not check a signing-in password against breaches: {exc}.")
            return False
