"""Who is making a request: the Pyramid security policy.

Uploads authenticate with HTTP Basic, as twine and `uv publish` send it: a username and
password, or `__token__` and an API token. The policy turns either into an `Identity`; what a
token may touch travels with it, and the upload service enforces it.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from pyramid.authentication import extract_http_basic_credentials

from bastion.accounts.errors import InvalidCredentialsError
from bastion.accounts.models import User
from bastion.accounts.ratelimits import RateLimits
from bastion.accounts.services import UserService, normalize_username
from bastion.db.sessions import SessionFactories
from bastion.tokens.errors import TokenError
from bastion.tokens.services import TOKEN_USERNAME, TokenService

if TYPE_CHECKING:
    from pyramid.request import Request
    from sqlalchemy.orm import Session


@dataclasses.dataclass(frozen=True)
class Identity:
    """An authenticated caller and how they proved it.

    Ids, not ORM rows: the check runs in its own short read-only session, so a request's
    write transaction (on SQLite, the database's one write lock) starts later.
    """

    user_id: int
    username: str
    is_admin: bool
    method: str  # "password" or "token"
    token_id: str | None = None
    token_name: str | None = None
    # The projects (by id) a token is scoped to; None for a password or an account-wide token.
    project_ids: frozenset[int] | None = None

    def may_touch(self, project_id: int | None) -> bool:
        """Whether the credentials reach this project (None: a project not created yet)."""
        if self.project_ids is None:
            return True
        return project_id is not None and project_id in self.project_ids


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
        limits: RateLimits = request.registry["rate_limits"]
        address = request.client_addr or "unknown"
        # Failed attempts are counted per address and, for passwords, per account: guessing
        # stops at the limit whatever the password, before any hash is computed.
        account = None
        if credentials.username != TOKEN_USERNAME:
            account = normalize_username(credentials.username)
        limits.login_per_ip.check(address)
        if account is not None:
            limits.login_per_user.check(account)
        try:
            return self._verify(request, credentials.username, credentials.password)
        except (InvalidCredentialsError, TokenError):
            limits.login_per_ip.hit(address)
            if account is not None:
                limits.login_per_user.hit(account)
            raise

    def _verify(self, request: Request, username: str, password: str) -> Identity:
        factories: SessionFactories = request.registry["session_factories"]
        with factories.reader() as session:
            if username == TOKEN_USERNAME:
                return _token_identity(session, password)
            user = UserService(session).authenticate(username, password)
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


def _token_identity(session: Session, token: str) -> Identity:
    """The identity an API token proves.

    Raises:
        InvalidTokenError: the token is refused (the reason says why).
        InvalidCredentialsError: its account has been disabled.
    """
    verified = TokenService(session).verify(token)
    user = session.get(User, verified.user_id)
    if user is None or not user.is_active:
        raise InvalidCredentialsError
    return Identity(
        user_id=user.id,
        username=user.username,
        is_admin=user.is_admin,
        method="token",
        token_id=verified.token_id,
        token_name=verified.name,
        project_ids=verified.project_ids,
    )


__all__ = ["BasicAuthSecurityPolicy", "Identity", "InvalidCredentialsError"]
