"""One row per security event. Rows are never updated or deleted (triggers enforce it)."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bastion.db.base import Base
from bastion.db.types import UTCDateTime, utcnow


class SecurityEvent(Base):
    """Something security-relevant that happened, and who did it from where.

    Actor, user and project are plain columns, not foreign keys: an event outlives the account
    and the project it is about, so their names are copied in as they were at the time.
    """

    __tablename__ = "security_events"
    __table_args__ = (
        Index("ix_security_events_user_id_time", "user_id", "time"),
        Index("ix_security_events_project_id_time", "project_id", "time"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # source:subject:action, e.g. "project:file:uploaded" (see tags.py).
    tag: Mapped[str] = mapped_column(String(100), index=True)
    time: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(50))
    user_id: Mapped[int | None] = mapped_column(Integer)
    user_name: Mapped[str | None] = mapped_column(String(50))
    project_id: Mapped[int | None] = mapped_column(Integer)
    project_name: Mapped[str | None] = mapped_column(String(200))
    # HMAC-SHA256 of the address with the server secret: comparable forever, readable never.
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    # The address itself, kept for `event_ip_retention_days` and then set to NULL.
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
