"""Why an API token was refused. Every refusal is a 403 whose line says which check failed.

TokenError
  InvalidTokenError     not a token of this index, unknown, tampered with, revoked, expired
  TokenScopeError       a valid token used on a project outside its scope
  TokenExpiryError      an expiry the index does not allow (at creation)
"""

from __future__ import annotations

from bastion.errors import BastionError


class TokenError(BastionError):
    """Base of token errors."""

    status_code = 403


class InvalidTokenError(TokenError):
    """The token cannot be used at all."""

    def __init__(self, why: str) -> None:
        super().__init__(f"Invalid API token: {why}.")


class TokenScopeError(TokenError):
    """The token is valid, but not for this project."""

    def __init__(self, token_name: str, project_name: str | None) -> None:
        if project_name is None:
            super().__init__(
                f"The API token {token_name!r} is scoped to projects: it cannot create a new "
                "project. Use a token for your whole account."
            )
        else:
            super().__init__(
                f"The API token {token_name!r} is not scoped to the project {project_name!r}."
            )


class TokenExpiryError(TokenError):
    """A token that never expires, where the index does not allow one."""

    status_code = 400

    def __init__(self) -> None:
        super().__init__(
            "This index does not allow tokens that never expire: give a number of days."
        )
