"""Advisories: a known vulnerability, the releases it affects and the versions that fix it."""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bastion.db.base import Base
from bastion.db.types import UTCDateTime, utcnow
from bastion.packaging.models import Release


class AdvisorySource:
    """Where an advisory came from."""

    OWNER = "owner"
    OSV = "osv"


class Advisory(Base):
    """One advisory (an OSV record, or an owner's notice) about one project.

    The fields are those PyPI's JSON API serves under `vulnerabilities`.
    """

    __tablename__ = "advisories"
    __table_args__ = (UniqueConstraint("project_id", "advisory_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    # The record's own id: PYSEC-2023-1, GHSA-xxxx-xxxx-xxxx, or an owner's.
    advisory_id: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(20))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    fixed_in: Mapped[list[str]] = mapped_column(JSON, default=list)
    # OSV's `modified`: a newer import of the same record replaces this one, an older does not.
    modified: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)
    withdrawn: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)
    created: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The record as imported, for operators who need more than the fields above.
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    releases: Mapped[list[Release]] = relationship(secondary="advisory_releases")


class AdvisoryRelease(Base):
    """That an advisory affects a release."""

    __tablename__ = "advisory_releases"

    advisory_id: Mapped[int] = mapped_column(
        ForeignKey("advisories.id", ondelete="CASCADE"), primary_key=True
    )
    release_id: Mapped[int] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True, index=True
    )
