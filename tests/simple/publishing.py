"""Changing an index from tests: publishing through the upload API, and the moderation changes
that have no UI or service yet (yanking, project status), made as their services will make them.

A change to a project must journal itself and move the project's `last_serial`: the simple pages'
cache keys and ETags are derived from that serial (see bastion/simple/cache.py), so a change that
skipped the journal would stay invisible behind a cached page and a 304. `yank` and `set_status`
follow that rule, as UploadService does.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bastion.packaging.models import JournalEntry, Project, Release
from bastion.packaging.names import normalize_name
from tests.factories.dists import Dist, upload


def publish(app, auth: dict[str, str], *dists: Dist) -> None:
    """Upload each of `dists` through POST /legacy/, insisting that each is accepted."""
    for dist in dists:
        upload(app, dist, auth, status=200)


def find_project(session: Session, name: str) -> Project:
    """The project called `name` (any spelling)."""
    return session.scalars(
        select(Project).where(Project.normalized_name == normalize_name(name))
    ).one()


def yank(session: Session, name: str, version: str, reason: str | None = None) -> None:
    """Yank a release (PEP 592), journal it and move the project's serial; commits."""
    project = find_project(session, name)
    release = session.scalars(
        select(Release).where(Release.project_id == project.id, Release.version == version)
    ).one()
    release.yanked = True
    release.yanked_reason = reason
    _journal(session, project, version, "yank release")


def set_status(session: Session, name: str, status: str, reason: str | None = None) -> None:
    """Set a project's PEP 792 status, journal it and move the project's serial; commits."""
    project = find_project(session, name)
    project.status = status
    project.status_reason = reason
    _journal(session, project, None, f"set status {status}")


def _journal(session: Session, project: Project, version: str | None, action: str) -> None:
    entry = JournalEntry(project_name=project.name, version=version, action=action)
    session.add(entry)
    session.flush()
    project.last_serial = entry.id
    session.commit()
