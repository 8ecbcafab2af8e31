"""Server-side web sessions: created at sign-in, looked up per request, revocable at any time."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bastion.accounts.models import User, WebSession
from bastion.db.types import utcnow

_SECRET_BYTES = 32
_MAX_USER_AGENT = 400


def session_id(cookie: str) -> str:
    """What is stored for a cookie: its SHA-256, so the table cannot be replayed."""
    return hashlib.sha256(cookie.encode()).hexdigest()


class WebSessionService:
    """Sessions of any user, in one database session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def start(
        self,
        user: User,
        lifetime: datetime.timedelta,
        *,
        user_agent: str | None = None,
        ip_hash: str | None = None,
    ) -> tuple[WebSession, str]:
        """A new session for `user`; returns its row and the cookie value (never stored)."""
        cookie = secrets.token_urlsafe(_SECRET_BYTES)
        now = utcnow()
        row = WebSession(
            id=session_id(cookie),
            user_id=user.id,
            created=now,
            expires=now + lifetime,
            user_agent=(user_agent or "")[:_MAX_USER_AGENT] or None,
            ip_hash=ip_hash,
        )
        self.session.add(row)
        self.session.flush()
        return row, cookie

    def find(self, cookie: str) -> WebSession | None:
        """The live session a cookie names, or None (unknown, ended or expired)."""
        row = self.session.get(WebSession, session_id(cookie))
        if row is None or row.expires <= utcnow():
            return None
        return row

    def end(self, cookie: str) -> None:
        """End the session a cookie names (signing out)."""
        self.session.execute(delete(WebSession).where(WebSession.id == session_id(cookie)))

    def end_all(self, user_id: int, *, keep: str | None = None) -> int:
        """End every session of `user_id` but the one `keep` names; how many ended."""
        query = delete(WebSession).where(WebSession.user_id == user_id)
        if keep is not None:
            query = query.where(WebSession.id != session_id(keep))
        result = self.session.execute(query)
        return int(result.rowcount)  # type: ignore[attr-defined]

    def sessions_of(self, user_id: int) -> Sequence[WebSession]:
        """The user's live sessions, newest first."""
        return self.session.scalars(
            select(WebSession)
            .where(WebSession.user_id == user_id, WebSession.expires > utcnow())
            .order_by(WebSession.created.desc())
        ).all()
