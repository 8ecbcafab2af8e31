"""Who may change a project: its owners, its maintainers for some things, administrators."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.events.services import COMMAND_LINE, Actor
from bastion.moderation.errors import NotAllowedError
from bastion.packaging.models import Project, Role, RoleName


@dataclasses.dataclass(frozen=True)
class Caller:
    """Who asks for a change, and whether they are an administrator."""

    actor: Actor
    is_admin: bool = False


# An operator at the command line has the server's files: administrator powers, no account.
OPERATOR = Caller(COMMAND_LINE, is_admin=True)

OWNERS = frozenset({RoleName.OWNER.value})
COLLABORATORS = frozenset({RoleName.OWNER.value, RoleName.MAINTAINER.value})


def role_of(session: Session, project: Project, user_id: int | None) -> str | None:
    """The role `user_id` holds on `project`, or None."""
    if user_id is None:
        return None
    return session.scalar(
        select(Role.role_name).where(Role.project_id == project.id, Role.user_id == user_id)
    )


def check_role(
    session: Session, project: Project, caller: Caller, roles: frozenset[str], action: str
) -> None:
    """Raise NotAllowedError unless `caller` is an administrator or holds one of `roles`."""
    if caller.is_admin or role_of(session, project, caller.actor.user_id) in roles:
        return
    needed = "owners" if roles == OWNERS else "owners and maintainers"
    raise NotAllowedError(action, project.name, needed)


def check_admin(caller: Caller, project: Project, action: str) -> None:
    """Raise NotAllowedError unless `caller` is an administrator."""
    if not caller.is_admin:
        raise NotAllowedError(action, project.name, "administrators")
