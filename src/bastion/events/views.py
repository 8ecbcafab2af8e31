"""The audit trail on the web: a user's own history, a project's for its owners, all for admins.

Raw IP addresses are not shown here (the keyed hash tells repeated addresses apart); operators
read them with `bastion events`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPForbidden, HTTPNotFound
from pyramid.view import view_config
from sqlalchemy import select

from bastion.accounts.views import current_user
from bastion.events.services import events_for
from bastion.packaging.models import Role, RoleName
from bastion.packaging.names import normalize_name
from bastion.packaging.services import ProjectService

if TYPE_CHECKING:
    from pyramid.request import Request

_TEMPLATE = "bastion:web/templates/accounts/events.html"
_SHOWN = 200


@view_config(route_name="events.mine", renderer=_TEMPLATE)
def my_events(request: Request) -> dict[str, Any]:
    """What happened to and by the signed-in user, newest first."""
    user = current_user(request)
    return {
        "heading": "Your security history",
        "events": events_for(request.db, user_id=user.id, limit=_SHOWN),
    }


@view_config(route_name="events.project", renderer=_TEMPLATE)
def project_events(request: Request) -> dict[str, Any]:
    """A project's history, for its owners and for admins."""
    user = current_user(request)
    project = ProjectService(request.db).find(normalize_name(request.matchdict["name"]))
    if project is None:
        raise HTTPNotFound("No such project.")
    is_owner = request.db.scalar(
        select(Role.id).where(
            Role.project_id == project.id,
            Role.user_id == user.id,
            Role.role_name == RoleName.OWNER.value,
        )
    )
    if not (is_owner or user.is_admin):
        raise HTTPForbidden("Only the project's owners see its security history.")
    return {
        "heading": f"Security history of {project.name}",
        "events": events_for(request.db, project_id=project.id, limit=_SHOWN),
    }


@view_config(route_name="events.all", renderer=_TEMPLATE)
def all_events(request: Request) -> dict[str, Any]:
    """Every event, for admins."""
    user = current_user(request)
    if not user.is_admin:
        raise HTTPForbidden("Only admins see the whole audit trail.")
    return {"heading": "Audit trail", "events": events_for(request.db, limit=_SHOWN)}


def includeme(config: Any) -> None:
    """Register the history pages."""
    config.add_route("events.mine", "/account/events/")
    config.add_route("events.project", "/manage/project/{name}/history/")
    config.add_route("events.all", "/admin/events/")
