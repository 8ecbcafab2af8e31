"""Bringing the targets table in line with the database, a batch of projects at a time.

A project's targets are its distribution files and its two simple pages, rendered by the code
that serves them (bastion.simple.pages) and stored under their hashes. A batch costs the same
few statements however many projects it holds: the projects, their releases, their files and
their current targets are read in one query each, and the differences written in one statement
per kind (insert, update, delete).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import TypeVar, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from bastion.packaging.models import Project, Release
from bastion.packaging.services import ProjectService
from bastion.signing.layout import (
    PAGE_FILENAMES,
    bin_for_target,
    hashed_target_key,
    package_target,
    page_target,
)
from bastion.signing.models import TufTarget
from bastion.simple import pages
from bastion.storage import Storage

# Values per IN list: far below what SQLite (32,766) and PostgreSQL (65,535) accept.
_CHUNK = 2000

# The statements of every publish, built once: building one costs more than running it here.
_TARGETS = cast("Table", TufTarget.__table__)
# A deleted project has no targets (its files and pages are served by nobody).
_SELECT_PROJECTS = select(Project).where(
    Project.normalized_name.in_(bindparam("names", expanding=True)), Project.deleted_at.is_(None)
)
_SELECT_CURRENT = select(
    _TARGETS.c.path, _TARGETS.c.bin, _TARGETS.c.length, _TARGETS.c.sha256
).where(_TARGETS.c.project.in_(bindparam("names", expanding=True)))
_SELECT_LISTED = select(
    _TARGETS.c.bin, _TARGETS.c.path, _TARGETS.c.length, _TARGETS.c.sha256
).where(_TARGETS.c.bin.in_(bindparam("bins", expanding=True)))
_INSERT = insert(_TARGETS)
_UPDATE = (
    update(_TARGETS)
    .where(_TARGETS.c.path == bindparam("target"))
    .values(length=bindparam("length"), sha256=bindparam("sha256"))
)
_DELETE = delete(_TARGETS).where(_TARGETS.c.path.in_(bindparam("paths", expanding=True)))

_T = TypeVar("_T")


def reconcile(
    session: Session, storage: Storage, projects: Collection[str], bit_length: int
) -> set[int]:
    """Bring the targets of `projects` (normalized names) in line; return the bins touched."""
    if not projects:
        return set()
    wanted = _wanted_targets(session, storage, projects)
    touched: set[int] = set()
    changed: list[dict[str, object]] = []
    gone: list[str] = []
    for names in chunks(sorted(projects)):
        for path, index, length, sha256 in session.execute(_SELECT_CURRENT, {"names": names}):
            entry = wanted.pop(path, None)
            if entry is None:
                gone.append(path)
                touched.add(index)
            elif entry[1:] != (length, sha256):
                changed.append({"target": path, "length": entry[1], "sha256": entry[2]})
                touched.add(index)
    added: list[dict[str, object]] = []
    for path, (project, length, sha256) in wanted.items():
        index = bin_for_target(path, bit_length)
        added.append(
            {"path": path, "project": project, "bin": index, "length": length, "sha256": sha256}
        )
        touched.add(index)
    if added:
        session.execute(_INSERT, added)
    if changed:
        session.execute(_UPDATE, changed)
    for paths in chunks(gone):
        session.execute(_DELETE, {"paths": paths})
    return touched


def listed(session: Session, bins: Iterable[int]) -> dict[int, list[tuple[str, int, str]]]:
    """The targets each of `bins` lists: (path, length, sha256) by bin index."""
    targets: dict[int, list[tuple[str, int, str]]] = {index: [] for index in bins}
    for indexes in chunks(sorted(targets)):
        for index, path, length, sha256 in session.execute(_SELECT_LISTED, {"bins": indexes}):
            targets[index].append((path, length, sha256))
    return targets


def _wanted_targets(
    session: Session, storage: Storage, names: Collection[str]
) -> dict[str, tuple[str, int, str]]:
    """What the bins should list for the projects now: (project, length, sha256) by path.

    Stores each page under its hash first (unless stored already), not yet durable: nothing
    names it until the caller commits the targets, after `storage.sync()`.
    """
    service = ProjectService(session)
    projects: list[Project] = []
    releases: dict[int, list[Release]] = {}
    for chunk in chunks(sorted(names)):
        loaded = session.scalars(_SELECT_PROJECTS, {"names": chunk}).all()
        projects += loaded
        releases |= service.releases_of(loaded)
    wanted: dict[str, tuple[str, int, str]] = {}
    for project in projects:
        normalized = project.normalized_name
        # Files that are not offered for download (a quarantined project's) are no targets.
        offered = releases[project.id] if pages.is_installable(project) else []
        for release in offered:
            for dist in release.files:
                target = (normalized, dist.size, dist.sha256_digest)
                wanted[package_target(normalized, dist.filename)] = target
        rendered = pages.render_project_pages(service, project, releases=releases[project.id])
        for page_filename, as_json in PAGE_FILENAMES.items():
            page = rendered[as_json]
            sha256 = hashlib.sha256(page).hexdigest()
            path = page_target(normalized, page_filename)
            key = hashed_target_key(path, sha256)
            if not storage.exists(key):
                storage.put_bytes(key, page, durable=False)
            wanted[path] = (normalized, len(page), sha256)
    return wanted


def chunks(values: Sequence[_T]) -> Iterator[list[_T]]:
    """`values` in lists short enough for one IN clause each."""
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])
