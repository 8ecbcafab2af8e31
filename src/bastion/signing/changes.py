"""Queueing a project for re-signing, in the transaction that changed it.

An upload, yank or delete adds one small row here and commits it with the change itself; the
publisher (publisher.py) drains the rows in batches. So the change costs the request one insert,
and a change can never be committed without also being queued for signing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import transaction
from sqlalchemy.orm import Session

from bastion.config import Settings
from bastion.signing.models import TufPendingChange

if TYPE_CHECKING:
    from pyramid.request import Request


class PendingChanges:
    """Records projects whose signed targets must be published again."""

    def __init__(self, session: Session, wake: Callable[[], None] | None = None) -> None:
        self.session = session
        # Called once the transaction has committed, so an in-process publisher starts at
        # once instead of at its next tick.
        self.wake = wake

    def project_changed(self, normalized_name: str) -> None:
        """Queue `normalized_name` for publishing once this transaction commits."""
        self.session.add(TufPendingChange(project=normalized_name))
        if self.wake is not None:
            wake = self.wake

            def after_commit(success: bool) -> None:  # noqa: FBT001 - transaction's signature
                if success:
                    wake()

            transaction.get().addAfterCommitHook(after_commit)


def pending_changes(request: Request) -> PendingChanges | None:
    """The request's change queue, or None when signing is off."""
    settings: Settings = request.registry["settings"]
    if not settings.tuf_enabled:
        return None
    return PendingChanges(request.db, wake=request.registry.get("tuf_wake"))
