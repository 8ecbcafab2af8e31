"""Telling a project's collaborators what changed: one mail to each, after the commit."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.accounts.models import User
from bastion.email.after_commit import send_after_commit
from bastion.email.interfaces import Mailer
from bastion.email.messages import compose
from bastion.packaging.models import Project, Role


class CollaboratorNotifier:
    """Mails every owner and maintainer of a project about a change to it."""

    def __init__(self, mailer: Callable[[], Mailer], *, sender: str, site_name: str) -> None:
        self._mailer = mailer
        self._sender = sender
        self._site_name = site_name

    def project_changed(self, session: Session, project: Project, what: str, by: str) -> None:
        """Mail the collaborators that `what` happened to `project`, done by `by`."""
        addresses = session.scalars(
            select(User.email)
            .join(Role, Role.user_id == User.id)
            .where(Role.project_id == project.id, User.is_active.is_(True))
        ).all()
        subject = f"{self._site_name}: {project.name}: {what}"
        body = (
            f"{what} ({project.name}), by {by}.\n\n"
            "You receive this because you are an owner or maintainer of the project. If you did "
            "not expect this change, sign in and review the project's security history, and "
            "tell the index's administrators.\n"
        )
        messages = [
            compose(to, subject, body, sender=self._sender) for to in sorted(set(addresses))
        ]
        send_after_commit(session, self._mailer, messages)
