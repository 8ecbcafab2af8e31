"""Accounts on the web: register, verify the email, sign in and out, reset and change passwords.

Every form is CSRF-protected (Pyramid's default for unsafe methods, with the token in a cookie
so that signed-out forms are covered too). Signing in always starts a new server-side session
with a new cookie (no fixation); signing out, a password change and a password reset end
sessions. Messages never say whether an account exists where that would leak it.
"""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pyramid.csrf import new_csrf_token
from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import view_config

from bastion.accounts.errors import AccountError, InvalidCredentialsError
from bastion.accounts.links import AccountLinks, LinkPurpose
from bastion.accounts.models import User
from bastion.accounts.policy import PasswordPolicy
from bastion.accounts.security import SESSION_COOKIE, throttled_login
from bastion.accounts.services import UserService
from bastion.accounts.twofactor import TwoFactor
from bastion.accounts.websessions import WebSessionService, session_id
from bastion.email.messages import compose
from bastion.email.senders import MailDeliveryError, mailer_from_settings
from bastion.errors import BastionError
from bastion.events import tags
from bastion.events.requests import event_recorder
from bastion.events.services import Actor
from bastion.web.urls import public_url

if TYPE_CHECKING:
    from pyramid.request import Request
    from pyramid.response import Response

    from bastion.accounts.secretbox import SecretBox
    from bastion.config import Settings

logger = logging.getLogger(__name__)

_VERIFY_LIFETIME = datetime.timedelta(days=2)
_RESET_LIFETIME = datetime.timedelta(hours=1)
_TEMPLATES = "bastion:web/templates/accounts/"
CHALLENGE_COOKIE = "bastion_2fa"
_CHALLENGE_LIFETIME = datetime.timedelta(minutes=5)
_CHECK_MAIL = "We mailed you a link to verify your address."
_MAIL_FAILED = "We could not send the verification mail: ask for another one below in a while."


def _settings(request: Request) -> Settings:
    settings: Settings = request.registry["settings"]
    return settings


def _password_policy(request: Request) -> PasswordPolicy:
    return PasswordPolicy.from_settings(_settings(request), warn=logger.warning)


def current_user(request: Request) -> User:
    """The signed-in user, or a redirect to the sign-in page."""
    identity = request.identity
    if identity is None or identity.method != "session":
        raise HTTPSeeOther(request.route_path("accounts.login", _query={"next": request.path}))
    user: User = request.db.get_one(User, identity.user_id)
    return user


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if not target:
        return "/account/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/account/"
    return target


def start_session(request: Request, user: User) -> list[tuple[str, str]]:
    """A new session and CSRF token for `user`: the Set-Cookie headers for the response."""
    lifetime = datetime.timedelta(hours=_settings(request).session_lifetime_hours)
    recorder = event_recorder(request)
    ip = request.client_addr
    _, cookie = WebSessionService(request.db).start(
        user,
        lifetime,
        user_agent=request.user_agent,
        ip_hash=recorder.hash_ip(ip) if ip else None,
    )
    new_csrf_token(request)  # a token seen before signing in is not trusted after
    headers: list[tuple[str, str]] = remember(request, cookie)
    return headers


def record_event(request: Request, tag: str, user: User, **details: object) -> None:
    """Add `tag` to `user`'s audit trail, as done by themselves from this request."""
    event_recorder(request).record(
        tag, Actor(user.id, user.username), user=(user.id, user.username), details=details
    )


def _send_link(request: Request, user: User, purpose: LinkPurpose, to: str) -> bool:
    """Mail `user` a one-time link; False when the mail could not be handed over."""
    links = AccountLinks(request.db)
    if purpose is LinkPurpose.VERIFY_EMAIL:
        secret = links.issue(user, purpose, _VERIFY_LIFETIME, email=to)
        url = public_url(request, "accounts.verify_email", secret=secret)
        subject = "Verify your email address"
        body = (
            f"Hello {user.username},\n\nTo verify {to} for your account, open:\n\n{url}\n\n"
            "The link works once, for two days. If you did not ask for this, ignore it.\n"
        )
    else:
        secret = links.issue(user, purpose, _RESET_LIFETIME)
        url = public_url(request, "accounts.reset_password", secret=secret)
        subject = "Reset your password"
        body = (
            f"Hello {user.username},\n\nTo choose a new password, open:\n\n{url}\n\n"
            "The link works once, for one hour. If you did not ask for this, ignore it: your "
            "password stays as it is.\n"
        )
    return _mail(request, to, subject, body)


def _mail(request: Request, to: str, subject: str, body: str) -> bool:
    settings = _settings(request)
    message = compose(to, f"{settings.site_name}: {subject}", body, sender=settings.mail_from)
    try:
        mailer_from_settings(settings).send(message)
    except MailDeliveryError as exc:
        # The reason names the server, never the body (which holds the link).
        logger.error("Could not send %r to %s: %s", subject, to, exc)  # noqa: TRY400
        return False
    return True


@view_config(route_name="accounts.register", renderer=_TEMPLATES + "register.html")
def register(request: Request) -> dict[str, Any] | Response:
    """The registration form, and creating the account (signed in, email to verify)."""
    if request.method != "POST":
        return {"error": None, "form": {}}
    form = {key: request.POST.get(key, "").strip() for key in ("username", "email")}
    password = request.POST.get("password", "")
    if password != request.POST.get("password_confirm", ""):
        return {"error": "The two passwords differ.", "form": form}
    if "@" not in form["email"]:
        return {"error": "Give an email address: it is where a reset link goes.", "form": form}
    limits = request.registry["rate_limits"]
    limits.registration.check(request.client_addr or "unknown")
    service = UserService(request.db, password_policy=_password_policy(request))
    try:
        user = service.create_user(form["username"], email=form["email"], password=password)
    except AccountError as exc:
        return {"error": exc.message, "form": form}
    limits.registration.hit(request.client_addr or "unknown")
    record_event(request, tags.USER_ACCOUNT_CREATED, user)
    sent = _send_link(request, user, LinkPurpose.VERIFY_EMAIL, user.email)
    headers = start_session(request, user)
    done = "Welcome! " + (_CHECK_MAIL if sent else _MAIL_FAILED)
    return HTTPSeeOther(
        request.route_path("accounts.overview", _query={"done": done}), headers=headers
    )


@view_config(route_name="accounts.verify_email", renderer=_TEMPLATES + "verify_email.html")
def verify_email(request: Request) -> dict[str, Any]:
    """Follow a verification link: a button, then the address it was sent to is verified.

    The link itself changes nothing (a GET, which mail scanners prefetch); the button posts.
    """
    if request.method != "POST":
        return {"done": False, "error": None}
    link = AccountLinks(request.db).redeem(request.matchdict["secret"], LinkPurpose.VERIFY_EMAIL)
    user = request.db.get(User, link.user_id) if link is not None else None
    if link is None or user is None or user.email != link.email:
        return {"done": False, "error": "This link is unknown, used or expired."}
    user.email_verified = True
    record_event(request, tags.USER_EMAIL_VERIFIED, user, email=user.email)
    return {"done": True, "error": None, "email": user.email}


@view_config(route_name="accounts.login", renderer=_TEMPLATES + "login.html")
def login(request: Request) -> dict[str, Any] | Response:
    """The sign-in form, and signing in: a new session, a new cookie."""
    next_path = safe_next(request.params.get("next"))
    if request.method != "POST":
        return {"error": None, "username": "", "next": next_path}
    username = request.POST.get("username", "").strip()
    password = request.POST.get("password", "")
    service = UserService(request.db)
    try:
        with throttled_login(request, username):
            user = service.authenticate(username, password)
    except InvalidCredentialsError as exc:
        known = service.find_by_username(username)
        if known is not None:
            record_event(request, tags.USER_LOGIN_FAILURE, known)
        return {"error": exc.message, "username": username, "next": next_path}
    if service.passwords.needs_rehash(user.password_hash):
        user.password_hash = service.passwords.hash(password)
    if _password_policy(request).is_known_breached(password):
        # Signing in with it would keep a known-compromised password in use: no session, and
        # a reset link to the account's address instead.
        record_event(request, tags.USER_PASSWORD_BREACHED, user)
        sent = _send_link(request, user, LinkPurpose.RESET_PASSWORD, user.email)
        error = "This password appears in a known data breach, so it can no longer be used. " + (
            "We mailed you a link to choose a new one."
            if sent
            else "Use 'Forgot your password?' in a while to choose a new one."
        )
        return {"error": error, "username": username, "next": next_path}
    box: SecretBox = request.registry["secret_box"]
    if TwoFactor(request.db, box).is_enabled(user):
        return _begin_challenge(request, user, next_path)
    record_event(request, tags.USER_LOGIN_SUCCESS, user)
    return HTTPSeeOther(next_path, headers=start_session(request, user))


def finish_challenge(request: Request, user: User, response: Response, **details: object) -> bool:
    """Spend the sign-in challenge and sign `user` in on `response`; False if already spent.

    Shared by every second factor: the session cookie is added, the challenge cookie dropped,
    and the sign-in recorded with `details` (which factor was used).
    """
    secret = request.cookies.get(CHALLENGE_COOKIE, "")
    if AccountLinks(request.db).redeem(secret, LinkPurpose.SIGN_IN) is None:  # a racing request
        return False
    record_event(request, tags.USER_LOGIN_SUCCESS, user, **details)
    response.headerlist.extend(start_session(request, user))
    response.delete_cookie(CHALLENGE_COOKIE, path="/account/")
    return True


def _begin_challenge(request: Request, user: User, next_path: str) -> Response:
    """After the password: remember who is signing in (5 minutes) and ask for the code.

    No session yet: the password alone signs nobody in. The cookie names a one-time link row.
    """
    secret = AccountLinks(request.db).issue(user, LinkPurpose.SIGN_IN, _CHALLENGE_LIFETIME)
    response = HTTPSeeOther(request.route_path("twofactor.challenge", _query={"next": next_path}))
    response.set_cookie(
        CHALLENGE_COOKIE,
        secret,
        max_age=int(_CHALLENGE_LIFETIME.total_seconds()),
        path="/account/",
        httponly=True,
        secure=_settings(request).https,
        samesite="Lax",
    )
    return response


@view_config(route_name="accounts.logout", request_method="POST")
def logout(request: Request) -> Response:
    """Sign out: the session ends on the server, not only in the browser."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        WebSessionService(request.db).end(cookie)
    return HTTPSeeOther(request.route_path("web.home"), headers=forget(request))


@view_config(route_name="accounts.overview", renderer=_TEMPLATES + "overview.html")
def overview(request: Request) -> dict[str, Any]:
    """The account page: email, sessions, password."""
    return _overview(request, current_user(request), message=request.params.get("done"))


def _overview(
    request: Request, user: User, *, message: str | None = None, error: str | None = None
) -> dict[str, Any]:
    current = request.cookies.get(SESSION_COOKIE, "")
    return {
        "user": user,
        "sessions": WebSessionService(request.db).sessions_of(user.id),
        "current_session": session_id(current) if current else None,
        "message": message,
        "error": error,
    }


@view_config(route_name="accounts.sessions_end", request_method="POST")
def end_other_sessions(request: Request) -> Response:
    """Sign out everywhere else."""
    user = current_user(request)
    ended = WebSessionService(request.db).end_all(user.id, keep=request.cookies.get(SESSION_COOKIE))
    record_event(request, tags.USER_SESSIONS_ENDED, user, ended=ended)
    done = f"Signed out {ended} other session(s)."
    return HTTPSeeOther(request.route_path("accounts.overview", _query={"done": done}))


@view_config(
    route_name="accounts.password", request_method="POST", renderer=_TEMPLATES + "overview.html"
)
def change_password(request: Request) -> dict[str, Any] | Response:
    """Change the password (the current one is asked again); other sessions end."""
    user = current_user(request)
    service = UserService(request.db, password_policy=_password_policy(request))
    new = request.POST.get("new_password", "")
    error = None
    if not service.passwords.verify(user.password_hash, request.POST.get("password", "")):
        error = InvalidCredentialsError().message
    elif new != request.POST.get("new_password_confirm", ""):
        error = "The two new passwords differ."
    else:
        try:
            service.set_password(user, new)
        except BastionError as exc:
            error = exc.message
    if error is not None:
        return _overview(request, user, error=error)
    WebSessionService(request.db).end_all(user.id, keep=request.cookies.get(SESSION_COOKIE))
    AccountLinks(request.db).revoke_unused(user.id, LinkPurpose.RESET_PASSWORD)
    record_event(request, tags.USER_PASSWORD_CHANGED, user)
    done = "Password changed; every other session was signed out."
    return HTTPSeeOther(request.route_path("accounts.overview", _query={"done": done}))


@view_config(route_name="accounts.verify_resend", request_method="POST")
def resend_verification(request: Request) -> Response:
    """Mail a new verification link to the account's current address."""
    user = current_user(request)
    limits = request.registry["rate_limits"]
    limits.password_reset.check(f"verify:{user.id}")
    limits.password_reset.hit(f"verify:{user.id}")
    sent = _send_link(request, user, LinkPurpose.VERIFY_EMAIL, user.email)
    done = _CHECK_MAIL if sent else _MAIL_FAILED
    return HTTPSeeOther(request.route_path("accounts.overview", _query={"done": done}))


@view_config(
    route_name="accounts.email", request_method="POST", renderer=_TEMPLATES + "overview.html"
)
def change_email(request: Request) -> dict[str, Any] | Response:
    """Change the address (the password is asked again); the old one is told, the new verified."""
    user = current_user(request)
    service = UserService(request.db)
    new_email = request.POST.get("email", "").strip()
    error = None
    if not service.passwords.verify(user.password_hash, request.POST.get("password", "")):
        error = InvalidCredentialsError().message
    elif "@" not in new_email or any(c.isspace() for c in new_email) or len(new_email) > 254:  # noqa: PLR2004
        error = "Give a valid email address."
    if error is not None:
        return _overview(request, user, error=error)
    old_email = user.email
    user.email, user.email_verified = new_email, False
    AccountLinks(request.db).revoke_unused(user.id, LinkPurpose.VERIFY_EMAIL)
    record_event(request, tags.USER_EMAIL_CHANGED, user, old=old_email, new=new_email)
    _mail(
        request,
        old_email,
        "Your email address was changed",
        f"Hello {user.username},\n\nThe email address of your account was changed from "
        f"{old_email} to {new_email}. If you did not do this, reset your password now and "
        "tell the index's operators.\n",
    )
    sent = _send_link(request, user, LinkPurpose.VERIFY_EMAIL, new_email)
    done = "Email changed. " + (_CHECK_MAIL if sent else _MAIL_FAILED)
    return HTTPSeeOther(request.route_path("accounts.overview", _query={"done": done}))


@view_config(route_name="accounts.reset_request", renderer=_TEMPLATES + "reset_request.html")
def reset_request(request: Request) -> dict[str, Any]:
    """Ask for a reset link. The answer is the same whether or not the account exists."""
    if request.method != "POST":
        return {"sent": False}
    limits = request.registry["rate_limits"]
    limits.password_reset.check(request.client_addr or "unknown")
    limits.password_reset.hit(request.client_addr or "unknown")
    name = request.POST.get("username", "").strip()
    user = UserService(request.db).find_by_username(name) if name else None
    if user is not None and user.is_active:
        record_event(request, tags.USER_PASSWORD_RESET_REQUESTED, user)
        _send_link(request, user, LinkPurpose.RESET_PASSWORD, user.email)
    return {"sent": True}


@view_config(route_name="accounts.reset_password", renderer=_TEMPLATES + "reset_form.html")
def reset_password(request: Request) -> dict[str, Any] | Response:
    """Follow a reset link: choose a new password; every session ends."""
    secret = request.matchdict["secret"]
    if request.method != "POST":
        return {"error": None}
    new = request.POST.get("new_password", "")
    if new != request.POST.get("new_password_confirm", ""):
        return {"error": "The two passwords differ."}
    link = AccountLinks(request.db).redeem(secret, LinkPurpose.RESET_PASSWORD)
    user = request.db.get(User, link.user_id) if link is not None else None
    if user is None:
        raise HTTPForbidden("This reset link is unknown, used or expired.")
    service = UserService(request.db, password_policy=_password_policy(request))
    try:
        service.set_password(user, new)
    except BastionError as exc:
        # The link stays usable: undo its redemption with the rest of this transaction.
        request.tm.doom()
        return {"error": exc.message}
    WebSessionService(request.db).end_all(user.id)
    AccountLinks(request.db).revoke_unused(user.id, LinkPurpose.RESET_PASSWORD)
    record_event(request, tags.USER_PASSWORD_RESET, user)
    return HTTPSeeOther(request.route_path("accounts.login"))


def includeme(config: Any) -> None:
    """Register the account routes."""
    routes = {
        "accounts.register": "/account/register",
        "accounts.verify_email": "/account/verify-email/{secret}",
        "accounts.verify_resend": "/account/verify-email",
        "accounts.email": "/account/email",
        "accounts.login": "/account/login",
        "accounts.logout": "/account/logout",
        "accounts.overview": "/account/",
        "accounts.sessions_end": "/account/sessions/end-others",
        "accounts.password": "/account/password",
        "accounts.reset_request": "/account/reset-password",
        "accounts.reset_password": "/account/reset-password/{secret}",
    }
    for name, pattern in routes.items():
        config.add_route(name, pattern)
