"""Projects, their releases and files, who may publish them, and the change journal."""

from __future__ import annotations

import datetime
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bastion.accounts.models import User
from bastion.db.base import Base
from bastion.db.types import UTCDateTime, utcnow
from bastion.packaging.names import ultranormalize_name

if TYPE_CHECKING:
    from sqlalchemy.engine.default import DefaultExecutionContext


class RoleName(enum.StrEnum):
    """What a collaborator may do with a project."""

    OWNER = "Owner"
    MAINTAINER = "Maintainer"


class ProjectStatus(enum.StrEnum):
    """PEP 792 project status markers."""

    ACTIVE = "active"
    ARCHIVED = "archived"
    QUARANTINED = "quarantined"
    DEPRECATED = "deprecated"


def _ultranormalized_default(context: DefaultExecutionContext) -> str:
    return ultranormalize_name(context.get_current_parameters()["name"])


class Project(Base):
    """A distribution name on this index; `normalized_name` (PEP 503) is the identity."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    normalized_name: Mapped[str] = mapped_column(String(200), unique=True)
    created: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The journal id of the last change: what X-PyPI-Last-Serial and the page caches key on.
    last_serial: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(20), default=ProjectStatus.ACTIVE.value)
    status_reason: Mapped[str | None] = mapped_column(Text)
    # The name with confusable characters folded (bastion.moderation.names): a new project
    # whose folded name equals another's is refused, so "requests" cannot get a "request5".
    ultranormalized_name: Mapped[str] = mapped_column(
        String(200), index=True, default=_ultranormalized_default
    )
    # Where /project/<name>/docs/ redirects, and the JSON API's docs_url.
    docs_url: Mapped[str | None] = mapped_column(Text)
    # Soft delete (bastion.moderation.deletion): hidden everywhere from this moment, restorable
    # by its owners until the retention window ends, then purged.
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    releases: Mapped[list[Release]] = relationship(
        back_populates="project", cascade="all, delete-orphan"
    )
    roles: Mapped[list[Role]] = relationship(back_populates="project", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Project {self.name!r}>"


class Role(Base):
    """A user's role on a project."""

    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("user_id", "project_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    role_name: Mapped[str] = mapped_column(String(20))

    user: Mapped[User] = relationship()
    project: Mapped[Project] = relationship(back_populates="roles")


class Release(Base):
    """One version of a project, with the core metadata its first file declared."""

    __tablename__ = "releases"
    __table_args__ = (UniqueConstraint("project_id", "canonical_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[str] = mapped_column(String(100))
    # packaging.utils.canonicalize_version(): "1.0" and "1.0.0" are one release.
    canonical_version: Mapped[str] = mapped_column(String(100))
    created: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    description_content_type: Mapped[str | None] = mapped_column(String(200))
    requires_python: Mapped[str | None] = mapped_column(String(200))
    # Every core-metadata field, in PyPI JSON API naming, for the JSON API and the UI.
    core_metadata: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    yanked: Mapped[bool] = mapped_column(Boolean, default=False)
    yanked_reason: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    project: Mapped[Project] = relationship(back_populates="releases")
    files: Mapped[list[File]] = relationship(
        back_populates="release", cascade="all, delete-orphan", order_by="File.filename"
    )


class PackageType(enum.StrEnum):
    """The distribution kinds Bastion accepts."""

    SDIST = "sdist"
    WHEEL = "bdist_wheel"


class File(Base):
    """A distribution file, stored at a path derived from its BLAKE2b-256 digest."""

    __tablename__ = "files"
    __table_args__ = (
        # One sdist per release, as on PyPI: "foo-1.0.tar.gz" and "foo-1.0.0.tar.gz" (or a
        # legacy "Foo-Bar-1.0.tar.gz" beside "foo_bar-1.0.tar.gz") would otherwise be two
        # different sources of one release, and installers would pick one at random.
        Index(
            "uq_files_one_sdist_per_release",
            "release_id",
            unique=True,
            sqlite_where=text("packagetype = 'sdist'"),
            postgresql_where=text("packagetype = 'sdist'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    release_id: Mapped[int] = mapped_column(
        ForeignKey("releases.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255), unique=True)
    packagetype: Mapped[str] = mapped_column(String(20))
    python_version: Mapped[str] = mapped_column(String(50))
    requires_python: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    md5_digest: Mapped[str] = mapped_column(String(32))
    sha256_digest: Mapped[str] = mapped_column(String(64), unique=True)
    blake2_256_digest: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(400), unique=True)
    # PEP 658: the METADATA file extracted from a wheel, served at <url>.metadata.
    metadata_sha256: Mapped[str | None] = mapped_column(String(64))
    # PEP 740: whether attestations were verified and stored (bastion.attestations) with the
    # file; here, so that a simple page renders from the file rows alone.
    has_provenance: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    upload_time: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploader_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # PEP 592 allows yanking single files; a file is yanked if it or its release is.
    yanked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    yanked_reason: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    release: Mapped[Release] = relationship(back_populates="files")


class FilenameRegistry(Base):
    """Every filename ever accepted. A filename, once used, is never accepted again."""

    __tablename__ = "filename_registry"

    filename: Mapped[str] = mapped_column(String(255), primary_key=True)


class JournalEntry(Base):
    """An append-only record of changes; its id is the index's serial number."""

    __tablename__ = "journal"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    project_name: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(Text)
    submitted: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
