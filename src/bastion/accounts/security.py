"""Who is making a request: the Pyramid security policy.

Two kinds of credentials, never mixed:

- HTTP Basic, as twine and `uv publish` send it: a username and password, or `__token__` and
  an API token. Only the upload API accepts these.
- A session cookie, set when a person signs in on the web. The upload API ignores it: its
  requests carry no CSRF token, so a cookie there would let any site upload as its visitor.

Failed attempts are rate-limited per address and per account before anything is verified.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pyramid.authentication import extract_http_basic_credentials
from sqlalchemy import select
from sqlalchemy.orm import object_session

from bastion.accounts.errors import InvalidCredentialsError
from bastion.accounts.models import RecoveryCode, User, WebAuthnCredential
from bastion.accounts.ratelimits import RateLimits
from bastion.accounts.services import UserService, normalize_username
from bastion.accounts.websessions import WebSessionService
from bastion.db.sessions import SessionFactories
from bastion.tokens.errors import TokenError
from bastion.tokens.services import TOKEN_USERNAME, TokenService

if TYPE_CHECKING:
    from pyramid.request import Request
    from sqlalchemy.orm import Session

    from bastion.config import Settings

SESSION_COOKIE = "bastion_session"
_CACHE_KEY = "bastion.identity"


@dataclasses.dataclass(frozen=True)
class Identity:
    """An authenticated caller and how they proved it.

    Ids, not ORM rows: the check runs in its own short read-only session, so a request's
    write transaction (on SQLite, the database's one write lock) starts later.
    """

    user_id: int
    username: str
    is_admin: bool
    method: str  # "password", "token" or "session"
    token_id: str | None = None
    token_name: str | None = None
    # The projects (by id) a token is scoped to; None for a password or an account-wide token.
    project_ids: frozenset[int] | None = None
    # Whether the account has a second factor (TOTP or recovery codes): the 2FA policy's input.
    has_second_factor: bool = False

    @property
    def is_api_credential(self) -> bool:
        """Whether this came with the request itself (HTTP Basic), not from a browser cookie."""
        return self.method in {"password", "token"}

    def may_touch(self, project_id: int | None) -> bool:
        """Whether the credentials reach this project (None: a project not created yet)."""
        if self.project_ids is None:
            return True
        return project_id is not None and project_id in self.project_ids


@contextlib.contextmanager
def throttled_login(request: Request, account: str | None) -> Iterator[None]:
    """Refuse at once past the failed-login limits; count a failure raised in the block.

    Raises:
        RateLimitExceededError: too many failures lately from this address or for `account`.
    """
    limits: RateLimits = request.registry["rate_limits"]
    address = request.client_addr or "unknown"
    key = normalize_username(account) if account is not None else None
    limits.login_per_ip.check(address)
    if key is not None:
        limits.login_per_user.check(key)
    try:
        yield
    except (InvalidCredentialsError, TokenError):
        limits.login_per_ip.hit(address)
        if key is not None:
            limits.login_per_user.hit(key)
        raise


class BastionSecurityPolicy:
    """HTTP Basic for the upload API, a session cookie for the web.

    Invalid Basic credentials raise `InvalidCredentialsError` (403) rather than reading as
    anonymous, so a typo in a password is reported as such, not as "log in first". An unknown
    or expired cookie reads as anonymous.
    """

    def identity(self, request: Request) -> Identity | None:
        """The caller, or None when the request carries no valid credentials."""
        # Pyramid asks the policy on every access to request.identity: work it out once.
        if _CACHE_KEY not in request.environ:
            request.environ[_CACHE_KEY] = self._identify(request)
        identity: Identity | None = request.environ[_CACHE_KEY]
        return identity

    def _identify(self, request: Request) -> Identity | None:
        credentials = extract_http_basic_credentials(request)
        if credentials is not None:
            account = None if credentials.username == TOKEN_USERNAME else credentials.username
            with throttled_login(request, account):
                return self._verify_basic(request, credentials.username, credentials.password)
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            return self._verify_session(request, cookie)
        return None

    def _verify_basic(self, request: Request, username: str, password: str) -> Identity:
        factories: SessionFactories = request.registry["session_factories"]
        with factories.reader() as session:
            if username == TOKEN_USERNAME:
                return _token_identity(session, password)
            user = UserService(session).authenticate(username, password)
            return _identity_of(user, "password")

    def _verify_session(self, request: Request, cookie: str) -> Identity | None:
        factories: SessionFactories = request.registry["session_factories"]
        with factories.reader() as session:
            row = WebSessionService(session).find(cookie)
            if row is None:
                return None
            user = session.get(User, row.user_id)
            if user is None or not user.is_active:
                return None
            return _identity_of(user, "session")

    def authenticated_userid(self, request: Request) -> int | None:
        """The caller's user id, or None."""
        identity = self.identity(request)
        return None if identity is None else identity.user_id

    def permits(self, request: Request, context: object, permission: str) -> bool:  # noqa: ARG002
        """Permissions are decided by the domain services, which know the project's roles."""
        return True

    def remember(self, request: Request, userid: object, **kw: object) -> list[tuple[str, str]]:  # noqa: ARG002
        """The Set-Cookie header for a new session; `userid` is the cookie's value."""
        settings: Settings = request.registry["settings"]
        max_age = settings.session_lifetime_hours * 3600
        return [("Set-Cookie", _cookie(str(userid), max_age, secure=settings.https))]

    def forget(self, request: Request, **kw: object) -> list[tuple[str, str]]:  # noqa: ARG002
        """The Set-Cookie header that drops the session cookie."""
        settings: Settings = request.registry["settings"]
        return [("Set-Cookie", _cookie("", 0, secure=settings.https))]


def _cookie(value: str, max_age: int, *, secure: bool) -> str:
    # HttpOnly: no script reads it. SameSite=Lax: other sites' forms do not carry it.
    flags = f"Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax"
    return f"{SESSION_COOKIE}={value}; {flags}" + ("; Secure" if secure else "")


def _identity_of(user: User, method: str) -> Identity:
    return Identity(
        user_id=user.id,
        username=user.username,
        is_admin=user.is_admin,
        method=method,
        has_second_factor=_has_second_factor(user),
    )


def _has_second_factor(user: User) -> bool:
    if user.totp_secret is not None:
        return True
    session = object_session(user)
    if session is None:
        return False
    if session.scalar(
        select(WebAuthnCredential.id).where(WebAuthnCredential.user_id == user.id).limit(1)
    ):
        return True
    return bool(
        session.scalar(
            select(RecoveryCode.id)
            .where(RecoveryCode.user_id == user.id, RecoveryCode.used.is_(None))
            .limit(1)
        )
    )


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
        has_second_factor=_has_second_factor(user),
    )


__all__ = ["BastionSecurityPolicy", "Identity", "InvalidCredentialsError", "throttled_login"]
