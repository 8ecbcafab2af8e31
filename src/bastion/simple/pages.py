"""Rendering simple API pages (PEP 503 HTML, PEP 691 JSON) from projects and files.

Pages are rendered to bytes once per project serial and cached (see cache.py), so this code is
written for clarity, not speed. File URLs are relative to the page (`../../packages/...`), which
PEP 503 and PEP 691 allow, so a page does not depend on the host name it was requested under.
PEP 740 asks for a fully qualified `provenance` URL; ours is relative too, for the same reason
(see docs/attestations.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any
from urllib.parse import quote

from bastion.packaging.models import File, Project, ProjectStatus, Release
from bastion.packaging.services import ProjectService

# PEP 629 repository version: 1.4 is PEP 792 (project status); 1.1 added PEP 700's fields.
API_VERSION = "1.4"
_FILE_URL_PREFIX = "../../"


def _file_url(dist_file: File) -> str:
    return _FILE_URL_PREFIX + dist_file.path


def _provenance_url(project: Project, release: Release, dist_file: File) -> str | None:
    """The file's PEP 740 provenance in the Integrity API, relative to the page; None without."""
    if not dist_file.has_provenance:
        return None
    parts = (project.normalized_name, release.version, dist_file.filename)
    return _FILE_URL_PREFIX + "integrity/" + "/".join(quote(p) for p in parts) + "/provenance"


def _upload_time(dist_file: File) -> str:
    # PEP 700: ISO 8601 in UTC with a trailing Z.
    return dist_file.upload_time.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _yanked(release: Release) -> str | bool:
    if not release.yanked:
        return False
    return release.yanked_reason or True


def is_installable(project: Project) -> bool:
    """Whether the index offers the project's files (a quarantined project's, never)."""
    return project.status != ProjectStatus.QUARANTINED.value


def render_project(projects: ProjectService, project: Project, *, as_json: bool) -> bytes:
    """A project's page as served (and as signed, see bastion.signing.publisher).

    The bytes depend only on the database at the project's serial, never on the request, so
    the page a client fetches and the one TUF vouches for are the same bytes.
    """
    return render_project_pages(projects, project, formats=(as_json,))[as_json]


def render_project_pages(
    projects: ProjectService,
    project: Project,
    *,
    formats: Sequence[bool] = (True, False),
    releases: Sequence[Release] | None = None,
) -> dict[bool, bytes]:
    """The project's pages in each of `formats` (True: JSON), from one load of its releases.

    `releases`, when given, are the project's as `ProjectService.releases` returns them
    (`ProjectService.releases_of` loads them for many projects at once).
    """
    if releases is None:
        releases = projects.releases(project)
    if not is_installable(project):
        # PEP 792: an index offers none of a quarantined project's files.
        releases = []
    files = [(release, dist_file) for release in releases for dist_file in release.files]
    versions = [release.version for release in releases]
    return {
        as_json: project_json(project, files, versions) if as_json else project_html(project, files)
        for as_json in formats
    }


def project_json(
    project: Project, files: Sequence[tuple[Release, File]], versions: Sequence[str]
) -> bytes:
    """The PEP 691 JSON page of one project (with PEP 700, 714, 740 and 792 fields)."""
    status: dict[str, Any] = {"status": project.status}
    if project.status_reason:
        status["reason"] = project.status_reason
    page = {
        "meta": {"api-version": API_VERSION, "_last-serial": project.last_serial},
        "name": project.normalized_name,
        "project-status": status,
        "versions": list(versions),
        "files": [_file_json(project, release, dist_file) for release, dist_file in files],
    }
    return json.dumps(page, separators=(",", ":")).encode()


def _file_json(project: Project, release: Release, dist_file: File) -> dict[str, Any]:
    core_metadata: dict[str, str] | bool = (
        {"sha256": dist_file.metadata_sha256} if dist_file.metadata_sha256 else False
    )
    entry: dict[str, Any] = {
        "filename": dist_file.filename,
        "url": _file_url(dist_file),
        "hashes": {"sha256": dist_file.sha256_digest},
        "requires-python": dist_file.requires_python,
        "core-metadata": core_metadata,
        # PEP 714: the old key, for installers that predate it.
        "dist-info-metadata": core_metadata,
        "yanked": _yanked(release),
        "size": dist_file.size,
        "upload-time": _upload_time(dist_file),
    }
    if entry["requires-python"] is None:
        del entry["requires-python"]
    # PEP 740: optional; left out (rather than null) for a file without, as in the HTML.
    provenance = _provenance_url(project, release, dist_file)
    if provenance is not None:
        entry["provenance"] = provenance
    return entry


def project_html(project: Project, files: Sequence[tuple[Release, File]]) -> bytes:
    """The PEP 503 HTML page of one project (with PEP 592, 629, 658, 714, 740, 792 attributes)."""
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "  <head>",
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">',
        f'    <meta name="pypi:project-status" content="{escape(project.status)}">',
    ]
    if project.status_reason:
        reason = escape(project.status_reason)
        lines.append(f'    <meta name="pypi:project-status-reason" content="{reason}">')
    lines += [
        f"    <title>Links for {escape(project.normalized_name)}</title>",
        "  </head>",
        "  <body>",
        f"    <h1>Links for {escape(project.normalized_name)}</h1>",
    ]
    lines += [
        f"    {_file_anchor(project, release, dist_file)}<br>" for release, dist_file in files
    ]
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines).encode()


def _file_anchor(project: Project, release: Release, dist_file: File) -> str:
    attributes = [f'href="{escape(_file_url(dist_file))}#sha256={dist_file.sha256_digest}"']
    if dist_file.requires_python:
        attributes.append(f'data-requires-python="{escape(dist_file.requires_python)}"')
    if dist_file.metadata_sha256:
        value = f"sha256={dist_file.metadata_sha256}"
        attributes.append(f'data-core-metadata="{value}"')
        attributes.append(f'data-dist-info-metadata="{value}"')
    yanked = _yanked(release)
    if yanked is not False:
        attributes.append(f'data-yanked="{escape(yanked) if isinstance(yanked, str) else ""}"')
    provenance = _provenance_url(project, release, dist_file)
    if provenance is not None:
        attributes.append(f'data-provenance="{escape(provenance)}"')
    return f"<a {' '.join(attributes)}>{escape(dist_file.filename)}</a>"


def index_json(projects: Sequence[tuple[str, str]], last_serial: int) -> bytes:
    """The PEP 691 JSON list of every project."""
    page = {
        "meta": {"api-version": API_VERSION, "_last-serial": last_serial},
        "projects": [{"name": name} for name, _normalized in projects],
    }
    return json.dumps(page, separators=(",", ":")).encode()


def index_html(projects: Sequence[tuple[str, str]]) -> bytes:
    """The PEP 503 HTML list of every project."""
    head = (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        "    <title>Simple index</title>\n  </head>\n  <body>\n"
    )
    links = "".join(
        f'    <a href="{escape(normalized)}/">{escape(name)}</a><br>\n'
        for name, normalized in projects
    )
    return (head + links + "  </body>\n</html>\n").encode()


__all__ = ["API_VERSION", "index_html", "index_json", "project_html", "project_json"]
