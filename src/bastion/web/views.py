"""The browsable web UI: home page with search, project pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pyramid.httpexceptions import HTTPMovedPermanently, HTTPNotFound
from pyramid.view import view_config

from bastion.packaging.names import normalize_name
from bastion.packaging.services import ProjectService, latest_release
from bastion.web.descriptions import render_description

if TYPE_CHECKING:
    from pyramid.request import Request

_MAX_QUERY_LENGTH = 200


@view_config(route_name="web.home", renderer="bastion:web/templates/home.html")
def home(request: Request) -> dict[str, Any]:
    """The home page; `?q=` searches project names and summaries."""
    query = request.params.get("q", "").strip()[:_MAX_QUERY_LENGTH]
    projects = ProjectService(request.db)
    results = projects.search(query) if query else []
    return {"query": query, "results": results, "project_count": len(projects.index())}


@view_config(route_name="web.project", renderer="bastion:web/templates/project.html")
@view_config(route_name="web.release", renderer="bastion:web/templates/project.html")
def project_page(request: Request) -> dict[str, Any]:
    """A project (its latest release, or the version in the URL) with files and history."""
    raw_name = request.matchdict["name"]
    normalized = normalize_name(raw_name)
    projects = ProjectService(request.db)
    project = projects.find(normalized)
    if project is None:
        raise HTTPNotFound(f"No project named {raw_name!r} on this index.")
    if raw_name != normalized:
        match = dict(request.matchdict, name=normalized)
        raise HTTPMovedPermanently(location=request.current_route_path(**match))
    releases = projects.releases(project)
    wanted = request.matchdict.get("version")
    if wanted is None:
        release = latest_release(releases)
    else:
        release = next((r for r in releases if r.version == wanted), None)
        if release is None:
            raise HTTPNotFound(f"Project {project.name!r} has no release {wanted!r}.")
    description = (
        render_description(release.description, release.description_content_type)
        if release is not None
        else ""
    )
    return {
        "project": project,
        "release": release,
        "releases": list(reversed(releases)),
        "description": description,
    }


@view_config(context=HTTPNotFound, renderer="bastion:web/templates/not_found.html")
def not_found(exc: HTTPNotFound, request: Request) -> dict[str, Any]:
    """404 for every route; a plain-text body for API clients, a page for browsers."""
    request.response.status = 404
    return {"message": exc.detail or "Not found."}


def includeme(config: object) -> None:
    """Register the UI routes and static files."""
    config.add_route("web.home", "/")  # type: ignore[attr-defined]
    config.add_route("web.project", "/project/{name}/")  # type: ignore[attr-defined]
    config.add_route("web.release", "/project/{name}/{version}/")  # type: ignore[attr-defined]
    config.add_static_view("static", "bastion:web/static", cache_max_age=3600)  # type: ignore[attr-defined]
