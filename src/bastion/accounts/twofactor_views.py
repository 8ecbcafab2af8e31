"""Second factors on the web.

Set up TOTP (the QR code is drawn here), see recovery codes once, answer the sign-in
challenge, and remove a factor (TOTP, a security key) after a fresh check: a current code, a
recovery code, or an answer from a security key (securitykey_views.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from bastion.accounts.errors import InvalidSecondFactorError, SecurityKeyRefusedError
from bastion.accounts.links import AccountLinks, LinkPurpose
from bastion.accounts.models import User
from bastion.accounts.security import throttled_login
from bastion.accounts.securitykey_views import checked_key, security_keys
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
    from pyramid.response import Response

    from bastion.accounts.secretbox import SecretBox
    from bastion.config import Settings

_TEMPLATES = "bastion:web/templates/accounts/"


def _two_factor(request: Request) -> TwoFactor:
    box: SecretBox = request.registry["secret_box"]
    return TwoFactor(request.db, box)


def _overview_redirect(request: Request, done: str) -> Response:
    return HTTPSeeOther(request.route_path("twofactor.overview", _query={"done": done}))


@view_config(route_name="twofactor.overview", renderer=_TEMPLATES + "twofactor.html")
def overview(request: Request) -> dict[str, Any]:
    """What protects the account, and what to do next."""
    user = current_user(request)
    factors = _two_factor(request)
    return {
        "user": user,
        "totp": user.totp_secret is not None,
        "codes_left": factors.recovery_codes_left(user),
        "keys": security_keys(request).keys_of(user),
        "message": request.params.get("done"),
        "error": None,
    }


@view_config(route_name="twofactor.totp_begin", request_method="POST")
def totp_begin(request: Request) -> Response:
    """Start setting up TOTP: a new pending secret."""
    _two_factor(request).begin_totp(current_user(request))
    return HTTPSeeOther(request.route_path("twofactor.totp"))


@view_config(route_name="twofactor.totp", renderer=_TEMPLATES + "totp_setup.html")
def totp_setup(request: Request) -> dict[str, Any] | Response:
    """Show the QR code of the pending secret; confirm it with a code from the app."""
    user = current_user(request)
    factors = _two_factor(request)
    secret = factors.pending_secret(user)
    if secret is None:
        return HTTPSeeOther(request.route_path("twofactor.overview"))
    settings: Settings = request.registry["settings"]
    uri = factors.provisioning_uri(user, secret, settings.site_name)
    page = {"secret": secret, "qr": factors.qr_code(uri), "error": None}
    if request.method != "POST":
        return page
    had_factor = factors.is_enabled(user)
    if not factors.confirm_totp(user, request.POST.get("code", "")):
        return {**page, "error": "That code is not right: check the app's clock and try again."}
    record_event(request, tags.USER_2FA_ADDED, user, factor="totp")
    if had_factor:
        return _overview_redirect(request, "TOTP is on.")
    # The first factor: recovery codes come with it, shown this once.
    return _show_recovery_codes(request, user)


def _show_recovery_codes(request: Request, user: User) -> Response:
    codes = _two_factor(request).new_recovery_codes(user)
    record_event(request, tags.USER_RECOVERY_CODES_CREATED, user)
    rendered: Response = render_to_response(
        _TEMPLATES + "recovery_codes.html", {"codes": codes}, request=request
    )
    rendered.cache_control = "no-store"
    return rendered


@view_config(route_name="twofactor.recovery_codes", request_method="POST")
def recovery_codes(request: Request) -> Response:
    """New recovery codes (the old ones stop working), after a fresh second-factor check."""
    user = current_user(request)
    if _fresh_check(request, user) is None:
        return _overview_redirect(request, InvalidSecondFactorError().message)
    return _show_recovery_codes(request, user)


@view_config(route_name="twofactor.totp_remove", request_method="POST")
def totp_remove(request: Request) -> Response:
    """Turn TOTP off, after a fresh second-factor check."""
    user = current_user(request)
    if _fresh_check(request, user) is None:
        return _overview_redirect(request, InvalidSecondFactorError().message)
    _two_factor(request).remove_totp(user)
    record_event(request, tags.USER_2FA_REMOVED, user, factor="totp")
    return _overview_redirect(request, "TOTP is off.")


@view_config(route_name="twofactor.key_remove", request_method="POST")
def key_remove(request: Request) -> Response:
    """Forget one security key, after a fresh second-factor check."""
    user = current_user(request)
    if _fresh_check(request, user) is None:
        return _overview_redirect(request, InvalidSecondFactorError().message)
    try:
        key_id = int(request.matchdict["key_id"])
    except ValueError:
        key_id = 0
    key = security_keys(request).remove(user, key_id)
    if key is None:
        return _overview_redirect(request, "There is no such security key.")
    record_event(request, tags.USER_2FA_REMOVED, user, factor="webauthn", key=key.name)
    return _overview_redirect(request, f"Security key “{key.name}” removed.")


def _fresh_check(request: Request, user: User) -> str | None:
    """The factor that confirmed this change: a posted code, or a key's `assertion` (JSON)."""
    assertion = request.POST.get("assertion", "")
    if assertion:
        try:
            checked_key(request, user, assertion)
        except SecurityKeyRefusedError:
            return None
        return "security key"
    factor = _two_factor(request).verify(user, request.POST.get("code", ""))
    if factor == "recovery code":
        record_event(request, tags.USER_RECOVERY_CODE_USED, user)
    return factor


@view_config(route_name="twofactor.challenge", renderer=_TEMPLATES + "challenge.html")
def challenge(request: Request) -> dict[str, Any] | Response:
    """The second step of signing in: a TOTP or recovery code (or a key: securitykey_views)."""
    next_path = safe_next(request.params.get("next"))
    secret = request.cookies.get(CHALLENGE_COOKIE, "")
    links = AccountLinks(request.db)
    pending = links.find(secret, LinkPurpose.SIGN_IN) if secret else None
    if pending is None:
        return HTTPSeeOther(request.route_path("accounts.login"))
    if request.method != "POST":
        user = request.db.get_one(User, pending.user_id)
        has_key = bool(security_keys(request).keys_of(user))
        return {"error": None, "next": next_path, "has_key": has_key}
    user = request.db.get_one(User, pending.user_id)
    try:
        with throttled_login(request, user.username):
            factor = _checked_code(request, user)
    except InvalidSecondFactorError as exc:
        record_event(request, tags.USER_2FA_FAILURE, user)
        has_key = bool(security_keys(request).keys_of(user))
        return {"error": exc.message, "next": next_path, "has_key": has_key}
    response = HTTPSeeOther(next_path)
    if not finish_challenge(request, user, response, second_factor=factor):
        return HTTPSeeOther(request.route_path("accounts.login"))
    if factor == "recovery code":
        record_event(request, tags.USER_RECOVERY_CODE_USED, user)
    return response


def _checked_code(request: Request, user: User) -> str:
    """The factor the posted code satisfied.

    Raises:
        InvalidSecondFactorError: it satisfied none (counted as a failed sign-in).
    """
    factor = _two_factor(request).verify(user, request.POST.get("code", ""))
    if factor is None:
        raise InvalidSecondFactorError
    return factor


def includeme(config: Any) -> None:
    """Register the second-factor routes."""
    routes = {
        "twofactor.overview": "/account/two-factor/",
        "twofactor.totp_begin": "/account/two-factor/totp/begin",
        "twofactor.totp": "/account/two-factor/totp",
        "twofactor.totp_remove": "/account/two-factor/totp/remove",
        "twofactor.recovery_codes": "/account/two-factor/recovery-codes",
        "twofactor.key_remove": "/account/two-factor/keys/{key_id}/remove",
        "twofactor.challenge": "/account/login/two-factor",
    }
    for name, pattern in routes.items():
        config.add_route(name, pattern)
