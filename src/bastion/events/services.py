"""Recording security events and reading them back."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from bastion.events.models import SecurityEvent

_MAX_USER_AGENT = 400


@dataclasses.dataclass(frozen=True)
class Origin:
    """Where a request came from. `ip` is None for the command line."""

    ip: str | None = None
    user_agent: str | None = None


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who did it: a signed-in user, or None for an operator at the command line."""

    user_id: int | None
    username: str | None


COMMAND_LINE = Actor(user_id=None, username=None)


class EventRecorder:
    """Adds events to the current transaction: they commit or roll back with what they record."""

    def __init__(self, session: Session, secret: bytes, origin: Origin) -> None:
        self.session = session
        self._secret = secret
        self.origin = origin

    def record(
        self,
        tag: str,
        actor: Actor,
        *,
        user: tuple[int, str] | None = None,
        project: tuple[int, str] | None = None,
        details: dict[str, Any] | None = None,
    ) -> SecurityEvent:
        """Record `tag` about `user` and/or `project` (id, name) in this transaction."""
        ip = self.origin.ip
        event = SecurityEvent(
            tag=tag,
            actor_id=actor.user_id,
            actor_name=actor.username,
            user_id=user[0] if user else None,
            user_name=user[1] if user else None,
            project_id=project[0] if project else None,
            project_name=project[1] if project else None,
            ip_hash=self.hash_ip(ip) if ip else None,
            ip_address=ip,
            user_agent=(self.origin.user_agent or "")[:_MAX_USER_AGENT] or None,
            details=details or {},
        )
        self.session.add(event)
        return event

    def hash_ip(self, ip: str) -> str:
        """The keyed hash stored for `ip` (the same address always hashes the same)."""
        return hmac.new(self._secret, ip.encode(), hashlib.sha256).hexdigest()


def query_events(
    *,
    user_id: int | None = None,
    project_id: int | None = None,
    project_name: str | None = None,
    limit: int = 100,
) -> Select[SecurityEvent]:
    """The newest events about `user_id` (or by them) and/or a project, newest first.

    A project that no longer exists is found by the name its events recorded.
    """
    query = select(SecurityEvent)
    if project_name is not None:
        query = query.where(SecurityEvent.project_name == project_name)
    if user_id is not None:
        query = query.where(
            or_(SecurityEvent.user_id == user_id, SecurityEvent.actor_id == user_id)
        )
    if project_id is not None:
        query = query.where(SecurityEvent.project_id == project_id)
    return query.order_by(SecurityEvent.id.desc()).limit(limit)


def events_for(session: Session, **filters: Any) -> Sequence[SecurityEvent]:
    """Run `query_events(**filters)` in `session`."""
    return session.execute(query_events(**filters)).scalars().all()
