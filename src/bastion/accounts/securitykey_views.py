"""Security keys and passkeys (WebAuthn) on the web: JSON endpoints for webauthn.js.

The browser asks for options, passes them to navigator.credentials.create() or .get(), and
posts the answer back as JSON, with the CSRF token in the X-CSRF-Token header. Adding a key
needs a session; answering the sign-in challenge needs the password step first (its cookie),
and starts the session. Removing a key is a form in twofactor_views.py, after a fresh check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pyramid.response import Response
from pyramid.view import view_config

from bastion.accounts.errors import ClonedSecurityKeyError, SecurityKeyRefusedError
from bastion.accounts.links import AccountLinks, LinkPurpose
from bastion.accounts.models import AccountToken, User, WebAuthnCredential
from bastion.accounts.security import throttled_login
from bastion.accounts.securitykeys import RelyingParty, SecurityKeys
from bastion.accounts.twofactor import TwoFactor
from bastion.accounts.views import (
    CHALLENGE_COOKIE,
    current_user,
    finish_challenge,
    record_event,
    safe_next,
)
from bastion.events import tags

if TYPE_CHECKING:
    from pyramid.request import Request

    from bastion.accounts.secretbox import SecretBox
    from bastion.config import Settings


def relying_party(request: Request) -> RelyingParty:
    """The RP from the settings; else `base_url`; else this request's origin and host name."""
    settings: Settings = request.registry["settings"]
    # The public address when known: behind a proxy the request only says what it was sent.
    public = urlsplit(settings.base_url)
    base_origin = f"{public.scheme}://{public.netloc}" if settings.base_url else ""
    origin = (settings.webauthn_origin or base_origin or request.host_url).rstrip("/")
    rp_id = settings.webauthn_rp_id or urlsplit(origin).hostname or request.domain
    return RelyingParty(id=rp_id, origin=origin, name=settings.site_name)


def security_keys(request: Request) -> SecurityKeys:
    """The security-key service for this request."""
    return SecurityKeys(request.db, relying_party(request))


def checked_key(request: Request, user: User, credential: Any) -> WebAuthnCredential:
    """The user's key that signed `credential` (a use, or a suspected clone, is audited).

    Raises:
        SecurityKeyRefusedError: it does not verify (ClonedSecurityKeyError: a clone).
    """
    try:
        key = security_keys(request).authenticate(user, credential)
    except ClonedSecurityKeyError as exc:
        record_event(
            request,
            tags.USER_WEBAUTHN_CLONED,
            user,
            key=exc.name,
            sign_count=exc.seen,
            last_sign_count=exc.stored,
        )
        raise
    record_event(request, tags.USER_WEBAUTHN_USED, user, key=key.name)
    return key


def _json(payload: object, status: int = 200) -> Response:
    response = Response(json_body=payload, status=status)
    response.cache_control = "no-store"
    return response


def _options(body: str) -> Response:
    response = Response(body=body.encode(), content_type="application/json", charset="utf-8")
    response.cache_control = "no-store"
    return response


def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = request.json_body
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@view_config(route_name="securitykeys.register_options", request_method="POST")
def register_options(request: Request) -> Response:
    """Options for navigator.credentials.create(), with a new challenge."""
    return _options(security_keys(request).registration_options(current_user(request)))


@view_config(route_name="securitykeys.add", request_method="POST")
def add_key(request: Request) -> Response:
    """Keep the key the browser just created; the first factor brings recovery codes."""
    user = current_user(request)
    body = _json_body(request)
    box: SecretBox = request.registry["secret_box"]
    factors = TwoFactor(request.db, box)
    had_factor = factors.is_enabled(user)
    try:
        key = security_keys(request).register(
            user, str(body.get("name", "")), body.get("credential")
        )
    except SecurityKeyRefusedError as exc:
        return _json({"error": f"The security key was not added: {exc.reason}."}, 400)
    record_event(request, tags.USER_2FA_ADDED, user, factor="webauthn", key=key.name)
    done = f"Security key “{key.name}” added."
    overview = request.route_path("twofactor.overview", _query={"done": done})
    if had_factor:
        return _json({"redirect": overview})
    codes = factors.new_recovery_codes(user)
    record_event(request, tags.USER_RECOVERY_CODES_CREATED, user)
    return _json({"redirect": overview, "recovery_codes": codes})


@view_config(route_name="securitykeys.check_options", request_method="POST")
def check_options(request: Request) -> Response:
    """Options for navigator.credentials.get(), to confirm a change while signed in."""
    return _options(security_keys(request).authentication_options(current_user(request)))


def _pending_sign_in(request: Request) -> tuple[str, AccountToken] | None:
    secret = request.cookies.get(CHALLENGE_COOKIE, "")
    pending = AccountLinks(request.db).find(secret, LinkPurpose.SIGN_IN) if secret else None
    return (secret, pending) if pending is not None else None


_PASSWORD_FIRST = "Sign in with your password first."  # noqa: S105 - a message, not a secret


@view_config(route_name="securitykeys.challenge_options", request_method="POST")
def challenge_options(request: Request) -> Response:
    """Options for navigator.credentials.get() in the sign-in challenge."""
    pending = _pending_sign_in(request)
    if pending is None:
        return _json({"error": _PASSWORD_FIRST}, 403)
    user = request.db.get_one(User, pending[1].user_id)
    return _options(security_keys(request).authentication_options(user))


@view_config(route_name="securitykeys.challenge", request_method="POST")
def challenge(request: Request) -> Response:
    """The second step of signing in, answered by a security key: the session starts."""
    pending = _pending_sign_in(request)
    if pending is None:
        return _json({"error": _PASSWORD_FIRST}, 403)
    _, link = pending
    user = request.db.get_one(User, link.user_id)
    body = _json_body(request)
    try:
        with throttled_login(request, user.username):
            key = checked_key(request, user, body.get("credential"))
    except SecurityKeyRefusedError as exc:
        record_event(request, tags.USER_2FA_FAILURE, user, factor="webauthn", reason=exc.reason)
        return _json({"error": exc.message}, 403)
    response = _json({"redirect": safe_next(str(body.get("next", "")))})
    if not finish_challenge(request, user, response, second_factor="webauthn", key=key.name):
        return _json({"error": _PASSWORD_FIRST}, 403)
    return response


def includeme(config: Any) -> None:
    """Register the security-key routes."""
    routes = {
        "securitykeys.register_options": "/account/two-factor/keys/options",
        "securitykeys.add": "/account/two-factor/keys",
        "securitykeys.check_options": "/account/two-factor/keys/check-options",
        "securitykeys.challenge_options": "/account/login/two-factor/key-options",
        "securitykeys.challenge": "/account/login/two-factor/key",
    }
    for name, pattern in routes.items():
        config.add_route(name, pattern)
