"""The root of every error a client can cause.

Each domain's `errors.py` subclasses `BastionError`; the line a client sees is built in the error
class from typed fields, and one exception view (in `app.py`) turns it into an HTTP response whose
status line and body both carry that line, because twine prints only the status line.
"""

from __future__ import annotations


class BastionError(Exception):
    """An error the client caused; `str(error)` is the one line shown to them."""

    status_code: int = 400

    def __init__(self, message: str) -> None:
        # The line travels in an HTTP status line: one line, ISO-8859-1 only.
        super().__init__(" ".join(message.split()))

    @property
    def message(self) -> str:
        """The one line shown to the client."""
        return str(self)

    @property
    def headers(self) -> dict[str, str]:
        """Extra response headers (Retry-After, for instance)."""
        return {}
