"""API tokens on the web: list, create (shown once, with the configuration to paste), revoke."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from bastion.accounts.views import current_user, record_event
from bastion.db.types import utcnow
from bastion.events import tags
from bastion.packaging.models import Project, Role
from bastion.tokens.caveats import Restrictions
from bastion.tokens.models import ApiToken
from bastion.tokens.services import TokenService
from bastion.web.urls import BaseUrlRequiredError, public_url

if TYPE_CHECKING:
    from pyramid.request import Request
    from pyramid.response import Response

    from bastion.accounts.models import User
    from bastion.config import Settings

_TEMPLATE = "bastion:web/templates/accounts/tokens.html"
_EXPIRY_CHOICES = (7, 30, 90, 365)
_MAX_NAME = 100


def _settings(request: Request) -> Settings:
    settings: Settings = request.registry["settings"]
    return settings


def _projects_of(request: Request, user: User) -> list[Project]:
    """The projects the user may upload to: the only ones a token can be scoped to."""
    return list(
        request.db.scalars(
            select(Project).join(Role).where(Role.user_id == user.id).order_by(Project.name)
        )
    )


def _page(request: Request, user: User, **extra: Any) -> dict[str, Any]:
    settings = _settings(request)
    projects = _projects_of(request, user)
    names = {project.id: project.name for project in projects}
    rows = TokenService(request.db).tokens_of(user.id)
    return {
        "tokens": [
            (row, None if row.project_ids is None else [names.get(i, "?") for i in row.project_ids])
            for row in rows
        ],
        "projects": projects,
        "expiry_choices": _EXPIRY_CHOICES,
        "default_expiry": settings.token_default_expiry_days,
        "allow_no_expiry": settings.token_allow_no_expiry,
        "needs_second_factor": settings.require_2fa and not request.identity.has_second_factor,
        "error": None,
        "created": None,
        "upload_url": _upload_url(request),
        **extra,
    }


def _upload_url(request: Request) -> str:
    try:
        return public_url(request, "upload")
    except BaseUrlRequiredError:
        return str(request.route_path("upload"))


@view_config(route_name="tokens.list", renderer=_TEMPLATE)
def tokens(request: Request) -> dict[str, Any]:
    """The user's tokens, and the form to create one."""
    return _page(request, current_user(request))


@view_config(route_name="tokens.list", request_method="POST", renderer=_TEMPLATE)
def create_token(request: Request) -> dict[str, Any]:
    """Create a token from the form; it is shown on this page once."""
    user = current_user(request)
    page = _page(request, user)
    if page["needs_second_factor"]:
        return {**page, "error": "Add a second factor before creating tokens."}
    name = request.POST.get("name", "").strip()[:_MAX_NAME]
    if not name:
        return {**page, "error": "Give the token a name: what or who will use it."}
    allowed = {project.id: project for project in page["projects"]}
    scope = None
    if request.POST.get("scope") == "projects":
        chosen = {int(i) for i in request.POST.getall("project") if i.isdigit()}
        if not chosen or not chosen <= set(allowed):
            return {**page, "error": "Choose at least one of your projects."}
        scope = frozenset(chosen)
    try:
        expires = _expiry(request.POST.get("expires", ""), page)
    except ValueError:
        return {**page, "error": "Choose an expiry from the list."}
    limits = request.registry["rate_limits"]
    limits.token_creation.check(str(user.id))
    limits.token_creation.hit(str(user.id))
    now = utcnow()
    restrictions = Restrictions(user.id, scope, now, expires)
    row, secret = TokenService(request.db).create(user.id, name, restrictions)
    record_event(
        request,
        tags.USER_TOKEN_CREATED,
        user,
        token_id=row.id,
        name=name,
        projects=None if scope is None else sorted(allowed[i].name for i in scope),
        expires=expires.isoformat() if expires else None,
    )
    request.response.cache_control = "no-store"
    return {**_page(request, user), "created": {"name": name, "secret": secret}}


def _expiry(raw: str, page: dict[str, Any]) -> datetime.datetime | None:
    """The expiry chosen, None for never.

    Raises:
        ValueError: a choice the form did not offer.
    """
    if raw == "never" and page["allow_no_expiry"]:
        return None
    if not raw.isdigit() or int(raw) not in (*_EXPIRY_CHOICES, page["default_expiry"]):
        raise ValueError(raw)
    return utcnow() + datetime.timedelta(days=int(raw))


@view_config(route_name="tokens.revoke", request_method="POST")
def revoke_token(request: Request) -> Response:
    """Revoke one of the user's tokens."""
    user = current_user(request)
    row = request.db.get(ApiToken, request.matchdict["token_id"])
    if row is None or row.user_id != user.id:
        raise HTTPNotFound("No such token.")
    TokenService(request.db).revoke(row.id)
    record_event(request, tags.USER_TOKEN_REVOKED, user, token_id=row.id, name=row.name)
    return HTTPSeeOther(request.route_path("tokens.list"))


def includeme(config: Any) -> None:
    """Register the token routes."""
    config.add_route("tokens.list", "/account/tokens/")
    config.add_route("tokens.revoke", "/account/tokens/{token_id}/revoke")
