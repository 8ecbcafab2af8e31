"""What every lifecycle change to a project does besides the change itself.

A yank, a delete, a status change: each journals itself and moves the project's serial (the
simple pages' caches and ETags key on it, so a change that skipped this stayed invisible),
queues the project for the TUF publisher, adds an audit event and mails the collaborators,
all in the transaction of the change, so none of it happens without the change or lacks it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from bastion.db.types import utcnow
from bastion.moderation.permissions import Caller
from bastion.packaging.models import JournalEntry, Project

if TYPE_CHECKING:
    from bastion.events.services import EventRecorder
    from bastion.moderation.notify import CollaboratorNotifier
    from bastion.signing.changes import PendingChanges


class ProjectChanges:
    """Records changes to projects, made by one caller in one session."""

    def __init__(
        self,
        session: Session,
        caller: Caller,
        *,
        events: EventRecorder | None,
        signing: PendingChanges | None = None,
        notifier: CollaboratorNotifier | None = None,
        clock: Callable[[], datetime.datetime] = utcnow,
    ) -> None:
        self.session = session
        self.caller = caller
        self.events = events
        # None when signing is off.
        self.signing = signing
        # None where nobody is to be mailed (tests of other things, benchmark fills).
        self.notifier = notifier
        # Injected by tests that move time (the deletion window).
        self.clock = clock

    def record(
        self,
        project: Project,
        *,
        tag: str,
        action: str,
        version: str | None = None,
        details: dict[str, Any] | None = None,
        notice: str | None = None,
    ) -> None:
        """Journal `action`, queue signing, record `tag`, and mail `notice` if given."""
        entry = JournalEntry(
            project_name=project.name,
            version=version,
            action=action,
            submitted=self.clock(),
            submitted_by_id=self.caller.actor.user_id,
        )
        self.session.add(entry)
        self.session.flush()
        project.last_serial = entry.id
        if self.signing is not None:
            self.signing.project_changed(project.normalized_name)
        if self.events is not None:
            event_details = dict(details or {})
            if version is not None:
                event_details.setdefault("version", version)
            self.events.record(
                tag, self.caller.actor, project=(project.id, project.name), details=event_details
            )
        if self.notifier is not None and notice is not None:
            by = self.caller.actor.username or "an administrator at the command line"
            self.notifier.project_changed(self.session, project, notice, by)
