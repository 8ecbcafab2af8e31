"""PyPI's JSON API: `/pypi/<project>/json` and `/pypi/<project>/<version>/json`.

Field names and shapes are PyPI's, so tools written against pypi.org work unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion, Version
from pyramid.httpexceptions import HTTPMovedPermanently, HTTPNotFound
from pyramid.view import view_config

from bastion.packaging.models import File, Project, Release
from bastion.packaging.names import normalize_name
from bastion.packaging.services import ProjectService, latest_release

if TYPE_CHECKING:
    from pyramid.request import Request


def _file_entry(request: Request, release: Release, dist_file: File) -> dict[str, Any]:
    return {
        "comment_text": "",
        "digests": {
            "blake2b_256": dist_file.blake2_256_digest,
            "md5": dist_file.md5_digest,
            "sha256": dist_file.sha256_digest,
        },
        "downloads": -1,
        "filename": dist_file.filename,
        "has_sig": False,
        "md5_digest": dist_file.md5_digest,
        "packagetype": dist_file.packagetype,
        "python_version": dist_file.python_version,
        "requires_python": dist_file.requires_python,
        "size": dist_file.size,
        "upload_time": dist_file.upload_time.strftime("%Y-%m-%dT%H:%M:%S"),
        "upload_time_iso_8601": dist_file.upload_time.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "url": request.application_url + "/" + dist_file.path,
        "yanked": release.yanked,
        "yanked_reason": release.yanked_reason,
    }


def _info(request: Request, project: Project, release: Release) -> dict[str, Any]:
    info: dict[str, Any] = {
        "author": None, "author_email": None, "bugtrack_url": None, "classifiers": [],
        "description": None, "description_content_type": None, "docs_url": None,
        "download_url": None, "downloads": {"last_day": -1, "last_month": -1, "last_week": -1},
        "dynamic": None, "home_page": None, "keywords": None, "license": None,
        "license_expression": None, "license_files": None, "maintainer": None,
        "maintainer_email": None, "platform": None, "project_urls": None, "provides_extra": None,
        "requires_dist": None, "requires_python": None, "summary": None,
    }  # fmt: skip
    info.update({k: v for k, v in release.core_metadata.items() if k != "metadata_version"})
    base = request.application_url
    info.update(
        {
            "name": project.name,
            "version": release.version,
            "package_url": f"{base}/project/{project.normalized_name}/",
            "project_url": f"{base}/project/{project.normalized_name}/",
            "release_url": f"{base}/project/{project.normalized_name}/{release.version}/",
            "yanked": release.yanked,
            "yanked_reason": release.yanked_reason,
        }
    )
    return info


def _find(request: Request) -> tuple[ProjectService, Project]:
    raw_name = request.matchdict["name"]
    normalized = normalize_name(raw_name)
    projects = ProjectService(request.db)
    project = projects.find(normalized)
    if project is None:
        raise HTTPNotFound(f"No project named {raw_name!r} on this index.")
    if raw_name != normalized:
        match = dict(request.matchdict, name=normalized)
        raise HTTPMovedPermanently(location=request.current_route_path(_query=None, **match))
    return projects, project


def _json_response(request: Request, project: Project, payload: dict[str, Any]) -> dict[str, Any]:
    request.response.headers["X-PyPI-Last-Serial"] = str(project.last_serial)
    request.response.headers["Cache-Control"] = "max-age=60, public"
    return payload


@view_config(route_name="json.project", renderer="json", request_method=("GET", "HEAD"))
def json_project(request: Request) -> dict[str, Any]:
    """The project with its latest release's metadata and every release's files."""
    projects, project = _find(request)
    releases = projects.releases(project)
    latest = latest_release(releases)
    if latest is None:
        raise HTTPNotFound(f"Project {project.name!r} has no releases.")
    payload = {
        "info": _info(request, project, latest),
        "last_serial": project.last_serial,
        "releases": {r.version: [_file_entry(request, r, f) for f in r.files] for r in releases},
        "urls": [_file_entry(request, latest, f) for f in latest.files],
        "vulnerabilities": [],
    }
    return _json_response(request, project, payload)


@view_config(route_name="json.release", renderer="json", request_method=("GET", "HEAD"))
def json_release(request: Request) -> dict[str, Any]:
    """One release's metadata and files."""
    projects, project = _find(request)
    wanted = request.matchdict["version"]
    release = next(
        (r for r in projects.releases(project) if _same_version(r.version, wanted)), None
    )
    if release is None:
        raise HTTPNotFound(f"Project {project.name!r} has no release {wanted!r}.")
    payload = {
        "info": _info(request, project, release),
        "last_serial": project.last_serial,
        "urls": [_file_entry(request, release, f) for f in release.files],
        "vulnerabilities": [],
    }
    return _json_response(request, project, payload)


def _same_version(stored: str, wanted: str) -> bool:
    try:
        return canonicalize_version(Version(stored)) == canonicalize_version(Version(wanted))
    except InvalidVersion:
        return False


def includeme(config: object) -> None:
    """Register the JSON API routes."""
    config.add_route("json.project", "/pypi/{name}/json")  # type: ignore[attr-defined]
    config.add_route("json.release", "/pypi/{name}/{version}/json")  # type: ignore[attr-defined]
