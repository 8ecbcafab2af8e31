"""The operator's switches and the names nobody may register."""

from __future__ import annotations

import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bastion.db.base import Base
from bastion.db.types import UTCDateTime, utcnow


class AdminFlag(Base):
    """A site-wide switch (read-only mode, no registrations, ...); absent means off."""

    __tablename__ = "admin_flags"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # What users are told while the switch is on.
    message: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ProhibitedProjectName(Base):
    """A name an administrator has taken out of use, and any name that folds to the same."""

    __tablename__ = "prohibited_project_names"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # normalized (PEP 503)
    ultranormalized_name: Mapped[str] = mapped_column(String(200), index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    created: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    prohibited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
