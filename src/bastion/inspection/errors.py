"""Why an inspection refused a file.

RefusedArchiveError is raised inside the inspector and crosses the sandbox as its one-line
reason; the upload pipeline turns it into a 400 for the client. Any other exception escaping
the inspector is a bug in Bastion, not a property of the file.
"""

from __future__ import annotations


class RefusedArchiveError(Exception):
    """The file is not a safe, well-formed distribution; `reason` says why, in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BudgetExceededError(RefusedArchiveError):
    """The file decompresses to more members or bytes than the limits allow."""


class NestingTooDeepError(RefusedArchiveError):
    """Archives inside archives go deeper than the limits allow (the 42.zip construction)."""
