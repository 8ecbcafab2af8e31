"""The outside services the accounts domain talks to, as protocols; implementations elsewhere."""

from __future__ import annotations

from typing import Protocol


class BreachChecker(Protocol):
    """Tells whether a password appears in a list of breached passwords.

    Implementations are in `breaches.py`: Have I Been Pwned's range API, local copies of its
    list, and a Null one that accepts everything.
    """

    def is_breached(self, password: str) -> bool:
        """Whether `password` is on the list (with a count above zero).

        Raises:
            BreachLookupError: the list could not be consulted (unreachable, missing, garbled).
        """
        ...
