"""Reading projects, releases and files: the queries the simple API, JSON API and UI share.

Soft-deleted projects, releases and files (bastion.moderation.deletion) are invisible here
unless a query asks for them with `include_deleted`: only their owners' management pages and
the moderation services do.
"""

from __future__ import annotations

from collections.abc import Sequence

from packaging.version import InvalidVersion, Version
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from bastion.packaging.models import File, JournalEntry, Project, Release
from bastion.packaging.names import NormalizedName


class ProjectService:
    """Read-only queries over one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def find(
        self, normalized_name: NormalizedName, *, include_deleted: bool = False
    ) -> Project | None:
        """The project with this PEP 503 name, or None (also when it is deleted, by default)."""
        query = select(Project).where(Project.normalized_name == normalized_name)
        if not include_deleted:
            query = query.where(Project.deleted_at.is_(None))
        return self.session.scalars(query).one_or_none()

    def releases(self, project: Project, *, include_deleted: bool = False) -> list[Release]:
        """The project's releases with their files, oldest version first (PEP 440 order)."""
        return self.releases_of([project], include_deleted=include_deleted)[project.id]

    def releases_of(
        self, projects: Sequence[Project], *, include_deleted: bool = False
    ) -> dict[int, list[Release]]:
        """`releases` of each of `projects`, by project id, loaded in two queries in all."""
        by_project: dict[int, list[Release]] = {project.id: [] for project in projects}
        if by_project:
            query = select(Release).where(Release.project_id.in_(list(by_project)))
            if include_deleted:
                files = selectinload(Release.files)
            else:
                query = query.where(Release.deleted_at.is_(None))
                files = selectinload(Release.files.and_(File.deleted_at.is_(None)))
            # The same session may have loaded the collections the other way before.
            query = query.options(files).execution_options(populate_existing=True)
            for release in self.session.scalars(query):
                by_project[release.project_id].append(release)
        return {
            project_id: sorted(releases, key=_version_key)
            for project_id, releases in by_project.items()
        }

    def files(self, project: Project) -> list[tuple[Release, File]]:
        """Every file of the project with its release, by version then filename."""
        return [(release, f) for release in self.releases(project) for f in release.files]

    def file_by_path(self, path: str) -> File | None:
        """The file stored at `path`, or None."""
        return self.session.scalars(select(File).where(File.path == path)).one_or_none()

    def index(self) -> list[tuple[str, NormalizedName]]:
        """(display name, normalized name) of every project, sorted by normalized name."""
        rows = self.session.execute(
            select(Project.name, Project.normalized_name)
            .where(Project.deleted_at.is_(None))
            .order_by(Project.normalized_name)
        ).all()
        return [(name, NormalizedName(normalized)) for name, normalized in rows]

    def last_serial(self) -> int:
        """The serial of the newest change anywhere on the index (0 when empty)."""
        return self.session.scalar(select(func.max(JournalEntry.id))) or 0

    def search(self, query: str, *, limit: int = 50) -> Sequence[Project]:
        """Projects whose name or latest summary contains `query`, exact name first."""
        pattern = f"%{_escape_like(query.lower())}%"
        summaries = select(Release.project_id).where(
            func.lower(Release.summary).like(pattern, escape="\\")
        )
        matches = self.session.scalars(
            select(Project)
            .where(
                or_(
                    Project.normalized_name.like(pattern, escape="\\"),
                    Project.id.in_(summaries),
                ),
                Project.deleted_at.is_(None),
            )
            .order_by(Project.normalized_name)
            .limit(limit)
        ).all()
        exact = query.lower()
        return sorted(matches, key=lambda p: (p.normalized_name != exact, p.normalized_name))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _version_key(release: Release) -> tuple[int, Version | str]:
    try:
        return (1, Version(release.version))
    except InvalidVersion:  # pragma: no cover - every stored version was validated
        return (0, release.version)


def latest_release(releases: Sequence[Release]) -> Release | None:
    """The newest non-yanked final release, else the newest of any kind (as PyPI shows)."""
    candidates = [r for r in releases if not r.yanked]
    finals = [r for r in candidates if not Version(r.version).is_prerelease]
    for pool in (finals, candidates, list(releases)):
        if pool:
            return pool[-1]
    return None
