"""A project's trusted publisher, and the provenance each attested file was accepted with.

Trusted Publishing (OIDC) is not built yet: an administrator binds a project to the identity
(repository and workflow on GitHub or GitLab) whose Sigstore-signed attestations it accepts.
"""

from __future__ import annotations

import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bastion.db.base import Base
from bastion.db.types import UTCDateTime, utcnow


class TrustedPublisher(Base):
    """The one publisher identity whose attestations a project accepts."""

    __tablename__ = "trusted_publishers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), unique=True
    )
    # pypi_attestations' publisher kinds: "GitHub" or "GitLab".
    kind: Mapped[str] = mapped_column(String(20))
    # OWNER/REPO on GitHub, NAMESPACE/PROJECT (subgroups allowed) on GitLab.
    repository: Mapped[str] = mapped_column(String(255))
    # The workflow's file name on GitHub (release.yml); the CI file's path on GitLab.
    workflow: Mapped[str] = mapped_column(String(255))
    # Recorded in the provenance, not verified: Sigstore certificates do not carry it.
    environment: Mapped[str | None] = mapped_column(String(255))
    created: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)


class FileProvenance(Base):
    """The PEP 740 provenance object of one file, exactly as the Integrity API serves it."""

    __tablename__ = "file_provenance"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), unique=True)
    # The serialized JSON, kept as text so every response carries the same bytes.
    provenance: Mapped[str] = mapped_column(Text)
    provenance_sha256: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
