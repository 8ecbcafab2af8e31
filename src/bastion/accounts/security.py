"""Who is making a request: the Pyramid security policy.

Uploads authenticate with HTTP Basic, as twine and `uv publish` send it. The policy turns the
credentials into an `Identity`; API tokens (`__token__` as username) will be one more branch
in `identity()`, and nothing downstream changes.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from pyramid.authentication import extract_http_basic_credentials

from bastion.accounts.errors import InvalidCredentialsError
from bastion.accounts.services import UserService
from bastion.db.sessions import SessionFactories

if TYPE_CHECKING:
    from pyramid.request import Request


@dataclasses.dataclass(frozen=True)
class Identity:
    """An authenticated caller and how they proved it.

    Ids, not ORM rows: the check runs in its own short read-only session, so a request's
    write transaction (on SQLite, the database's one write lock) starts later.
    """

    user_id: int
    username: str
    is_admin: bool
    method: str  # "password" today; "token" once API tokens exist


class BasicAuthSecurityPolicy:
    """Authenticates HTTP Basic credentials against the account database.

    Invalid credentials raise `InvalidCredentialsError` (403) rather than reading as
    anonymous, so a typo in a password is reported as such, not as "log in first".
    """

    def identity(self, request: Request) -> Identity | None:
        """The caller, or None when the request carries no credentials."""
        credentials = extract_http_basic_credentials(request)
        if credentials is None:
            return None
        factories: SessionFactories = request.registry["session_factories"]
        with factories.reader() as session:
            user = UserService(session).authenticate(credentials.username, credentials.password)
            return Identity(
                user_id=user.id, username=user.username, is_admin=user.is_admin, method="password"
            )

    def authenticated_userid(self, request: Request) -> int | None:
        """The caller's user id, or None."""
        identity = request.identity
        return None if identity is None else identity.user_id

    def permits(self, request: Request, context: object, permission: str) -> bool:  # noqa: ARG002
        """Permissions are decided by the domain services, which know the project's roles."""
        return True

    def remember(self, request: Request, userid: object, **kw: object) -> list[tuple[str, str]]:  # noqa: ARG002
        """Basic auth is stateless: nothing to remember."""
        return []

    def forget(self, request: Request, **kw: object) -> list[tuple[str, str]]:  # noqa: ARG002
        """Basic auth is stateless: nothing to forget."""
        return []


__all__ = ["BasicAuthSecurityPolicy", "Identity", "InvalidCredentialsError"]
