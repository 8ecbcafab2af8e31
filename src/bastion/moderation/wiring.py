"""Building a `ProjectChanges` for a web request or for the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bastion.cli_support import command_line_events
from bastion.email.senders import mailer_from_settings
from bastion.events.requests import event_recorder
from bastion.events.services import Actor
from bastion.moderation.changes import ProjectChanges
from bastion.moderation.notify import CollaboratorNotifier
from bastion.moderation.permissions import OPERATOR, Caller
from bastion.signing.changes import PendingChanges, pending_changes

if TYPE_CHECKING:
    from pyramid.request import Request

    from bastion.config import Settings


def collaborator_notifier(settings: Settings) -> CollaboratorNotifier:
    """Mail to collaborators through the configured mailer."""
    return CollaboratorNotifier(
        lambda: mailer_from_settings(settings),
        sender=settings.mail_from,
        site_name=settings.site_name,
    )


def request_caller(request: Request) -> Caller | None:
    """The signed-in caller of a web request, or None."""
    identity = request.identity
    if identity is None:
        return None
    return Caller(Actor(identity.user_id, identity.username), is_admin=identity.is_admin)


def request_changes(request: Request, caller: Caller) -> ProjectChanges:
    """Changes made by `caller` in the request's transaction."""
    settings: Settings = request.registry["settings"]
    return ProjectChanges(
        request.db,
        caller,
        events=event_recorder(request),
        signing=pending_changes(request),
        notifier=collaborator_notifier(settings),
    )


def command_line_changes(
    session: Session, settings: Settings, caller: Caller = OPERATOR
) -> ProjectChanges:
    """Changes made at the command line; a serving publisher signs them on its next tick."""
    return ProjectChanges(
        session,
        caller,
        events=command_line_events(session, settings),
        signing=PendingChanges(session) if settings.tuf_enabled else None,
        notifier=collaborator_notifier(settings),
    )
