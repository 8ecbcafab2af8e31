"""Rendering simple API pages (PEP 503 HTML, PEP 691 JSON) from projects and files.

Pages are rendered to bytes once per project serial and cached (see cache.py), so this code is
written for clarity, not speed. File URLs are relative to the page (`../../packages/...`), which
PEP 503 and PEP 691 allow, so a page does not depend on the host name it was requested under.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

from bastion.packaging.models import File, Project, Release

# PEP 629 repository version: 1.4 is PEP 792 (project status); 1.1 added PEP 700's fields.
API_VERSION = "1.4"
_FILE_URL_PREFIX = "../../"


def _file_url(dist_file: File) -> str:
    return _FILE_URL_PREFIX + dist_file.path


def _upload_time(dist_file: File) -> str:
    # PEP 700: ISO 8601 in UTC with a trailing Z.
    return dist_file.upload_time.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _yanked(release: Release) -> str | bool:
    if not release.yanked:
        return False
    return release.yanked_reason or True


def project_json(
    project: Project, files: Sequence[tuple[Release, File]], versions: Sequence[str]
) -> bytes:
    """The PEP 691 JSON page of one project (with PEP 700, 714 and 792 fields)."""
    status: dict[str, Any] = {"status": project.status}
    if project.status_reason:
        status["reason"] = project.status_reason
    page = {
        "meta": {"api-version": API_VERSION, "_last-serial": project.last_serial},
        "name": project.normalized_name,
        "project-status": status,
        "versions": list(versions),
        "files": [_file_json(release, dist_file) for release, dist_file in files],
    }
    return json.dumps(page, separators=(",", ":")).encode()


def _file_json(release: Release, dist_file: File) -> dict[str, Any]:
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
    return entry


def project_html(project: Project, files: Sequence[tuple[Release, File]]) -> bytes:
    """The PEP 503 HTML page of one project (with PEP 592, 629, 658, 714, 792 attributes)."""
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
    lines += [f"    {_file_anchor(release, dist_file)}<br>" for release, dist_file in files]
    lines += ["  </body>", "</html>", ""]
    return "\n".join(lines).encode()


def _file_anchor(release: Release, dist_file: File) -> str:
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
