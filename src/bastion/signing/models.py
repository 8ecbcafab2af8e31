"""What the publisher keeps in the database: role versions, signed targets, pending changes.

The metadata files themselves live in storage; these rows are what a publisher needs to write
the next version of any of them without reading the files back, and what lets several
processes take turns publishing.
"""

from __future__ import annotations

import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bastion.db.base import Base
from bastion.db.types import UTCDateTime, utcnow


class TufRole(Base):
    """The current version and expiry of one metadata file (`root`, ..., `bin-0a3`)."""

    __tablename__ = "tuf_roles"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    expires: Mapped[datetime.datetime] = mapped_column(UTCDateTime, index=True)


class TufTarget(Base):
    """A target file as its bin lists it."""

    __tablename__ = "tuf_targets"

    path: Mapped[str] = mapped_column(String(500), primary_key=True)
    # The normalized project the target belongs to (what a change names).
    project: Mapped[str] = mapped_column(String(200), index=True)
    bin: Mapped[int] = mapped_column(Integer, index=True)
    length: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))


class TufPendingChange(Base):
    """A project whose targets changed since the last publish (committed with the change)."""

    __tablename__ = "tuf_pending_changes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    project: Mapped[str] = mapped_column(String(200))
    created: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
