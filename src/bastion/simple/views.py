"""The simple repository API: `/simple/` and `/simple/<project>/` (PEP 503, 629, 691, 700, 792).

Each response carries an ETag derived from the serial it was rendered at, so a client that
already has the page gets a 304 without the page being rendered or even looked up in the cache.

The hot path reads only the serial, with one Core query on the reader engine outside the
request's ORM session (a Session and its transaction join cost several times the query): a
304, or a page already rendered at that serial, needs nothing else. Anything else (a page not
in this process's cache, an unknown or non-normalized name) takes the full ORM path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyramid.httpexceptions import HTTPMovedPermanently, HTTPNotFound
from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import Select, func, select

from bastion.packaging.models import JournalEntry, Project
from bastion.packaging.names import normalize_name
from bastion.packaging.services import ProjectService
from bastion.simple import pages
from bastion.simple.negotiation import SimpleFormat, choose_format

if TYPE_CHECKING:
    from pyramid.request import Request

    from bastion.db.engine import Engines
    from bastion.simple.cache import PageCache

# Installers revalidate with If-None-Match; a short max-age keeps new uploads visible quickly.
_CACHE_CONTROL = "max-age=60, public"


def _read_serial(request: Request, query: Select[int]) -> int | None:
    """One scalar from the reader engine, outside the request's ORM session."""
    engines: Engines = request.registry["engines"]
    with engines.reader.connect() as connection:
        return connection.scalar(query)


def _cached_response(
    request: Request, fmt: SimpleFormat, serial: int, cache_key: tuple[object, ...]
) -> Response | None:
    """A 304 or the page as rendered at `serial`; None when it is not in the cache."""
    response = _headers_for(request, fmt, serial)
    if response.status_int == 304:  # noqa: PLR2004 - HTTP status
        return response
    cache: PageCache = request.registry["page_cache"]
    page = cache.get(cache_key)
    if page is None:
        return None
    response.body = page
    return response


def _page_response(
    request: Request, fmt: SimpleFormat, serial: int, cache_key: tuple[object, ...], render: object
) -> Response:
    response = _headers_for(request, fmt, serial)
    if response.status_int != 304:  # noqa: PLR2004 - HTTP status
        cache: PageCache = request.registry["page_cache"]
        response.body = cache.get_or_render(cache_key, render)  # type: ignore[arg-type]
    return response


def _headers_for(request: Request, fmt: SimpleFormat, serial: int) -> Response:
    """A response with the page's headers, already a 304 when the client's copy is current."""
    etag = f"{serial}-{fmt.name.lower()}"
    response = Response(content_type=fmt.value)
    if not fmt.is_json:
        # Set after construction: WebOb's constructor drops the charset of non-text/* types
        # (application/vnd.pypi.simple.v1+html), and the page itself declares none.
        response.charset = "utf-8"
    response.headers["X-PyPI-Last-Serial"] = str(serial)
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = _CACHE_CONTROL
    response.etag = etag
    if etag in request.if_none_match:
        response.status = 304
        response.content_type = None
    return response


@view_config(route_name="simple.index", request_method=("GET", "HEAD"))
def simple_index(request: Request) -> Response:
    """Every project on the index."""
    fmt = choose_format(request.headers.get("Accept"), request.params.get("format"))
    serial = _read_serial(request, select(func.max(JournalEntry.id))) or 0
    cached = _cached_response(request, fmt, serial, ("index", serial, fmt.is_json))
    if cached is not None:
        return cached
    projects = ProjectService(request.db)
    serial = projects.last_serial()

    def render() -> bytes:
        names = projects.index()
        return pages.index_json(names, serial) if fmt.is_json else pages.index_html(names)

    return _page_response(request, fmt, serial, ("index", serial, fmt.is_json), render)


@view_config(route_name="simple.project", request_method=("GET", "HEAD"))
def simple_project(request: Request) -> Response:
    """The files of one project; non-normalized names redirect to the normalized URL."""
    raw_name = request.matchdict["name"]
    normalized = normalize_name(raw_name)
    if raw_name != normalized or not request.path.endswith("/"):
        location = request.route_path("simple.project", name=normalized)
        if request.query_string:
            location += "?" + request.query_string
        raise HTTPMovedPermanently(location=location)
    fmt = choose_format(request.headers.get("Accept"), request.params.get("format"))
    query = select(Project.last_serial).where(
        Project.normalized_name == normalized, Project.deleted_at.is_(None)
    )
    serial = _read_serial(request, query)
    if serial is not None:
        key = ("project", normalized, serial, fmt.is_json)
        cached = _cached_response(request, fmt, serial, key)
        if cached is not None:
            return cached
    projects = ProjectService(request.db)
    project = projects.find(normalized)
    if project is None:
        raise HTTPNotFound(f"No project named {raw_name!r} on this index.")

    def render() -> bytes:
        return pages.render_project(projects, project, as_json=fmt.is_json)

    key = ("project", normalized, project.last_serial, fmt.is_json)
    return _page_response(request, fmt, project.last_serial, key, render)


def includeme(config: object) -> None:
    """Register the simple API routes."""
    config.add_route("simple.index", "/simple/")  # type: ignore[attr-defined]
    config.add_route("simple.project", "/simple/{name}/")  # type: ignore[attr-defined]
    config.add_route("simple.project_noslash", "/simple/{name}")  # type: ignore[attr-defined]
    config.add_view(  # type: ignore[attr-defined]
        simple_project, route_name="simple.project_noslash", request_method=("GET", "HEAD")
    )
