"""Reading simple API pages the way installers do, so one test can cover every representation.

`fetch_project` and `fetch_index` ask for a page in one of the three media types the simple API
serves (PEP 503 `text/html`, PEP 691 `application/vnd.pypi.simple.v1+html` and `+json`), check
the response is that type, and parse it into one shape: HTML attributes (`data-yanked`,
`data-core-metadata`, the `#sha256=` fragment...) and JSON keys land in the same fields, with the
meaning PEP 691 gives both. Tests then assert behaviour once per standard, on every type; the raw
response stays available for assertions about one serialization's exact spelling.
"""

from __future__ import annotations

import dataclasses
import json
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

LEGACY_HTML = "text/html"
HTML = "application/vnd.pypi.simple.v1+html"
JSON = "application/vnd.pypi.simple.v1+json"
# Every media type the simple API serves; tests parametrize over this list.
MEDIA_TYPES = [LEGACY_HTML, HTML, JSON]
APP_URL = "http://localhost"


@dataclasses.dataclass(frozen=True)
class FileLink:
    """One file on a project page, whichever representation it came from."""

    filename: str
    # The URL resolved against the page, as a path on the app (no fragment).
    path: str
    hashes: dict[str, str]
    requires_python: str | None
    # PEP 658/714: {"sha256": ...} when a metadata file is served, else None.
    core_metadata: dict[str, str] | None
    dist_info_metadata: dict[str, str] | None
    # PEP 592: False, True (yanked without a reason), or the reason.
    yanked: bool | str
    # PEP 700 (JSON only; None on HTML pages).
    size: int | None = None
    upload_time: str | None = None
    # PEP 740: the provenance URL resolved against the page, as a path on the app, or None.
    provenance: str | None = None


@dataclasses.dataclass(frozen=True)
class ProjectPage:
    """A parsed `/simple/<project>/` page."""

    api_version: str
    name: str
    status: str | None
    status_reason: str | None
    files: dict[str, FileLink]
    versions: list[str] | None
    response: Any


@dataclasses.dataclass(frozen=True)
class IndexPage:
    """A parsed `/simple/` page: project display names with the paths they link to."""

    api_version: str
    # name -> path of its project page (None on JSON pages, which carry names only).
    projects: dict[str, str | None]
    response: Any


class _SimpleHTMLParser(HTMLParser):
    """Collects <meta name=... content=...> and anchors with their attributes and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self.title = ""
        self._anchor: dict[str, str | None] | None = None
        self._text: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "meta" and attributes.get("name"):
            self.meta[str(attributes["name"])] = attributes.get("content") or ""
        elif tag == "a":
            self._anchor, self._text = attributes, []
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._anchor is not None:
            self.anchors.append((self._anchor, "".join(self._text)))
            self._anchor = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._anchor is not None:
            self._text.append(data)
        if self._in_title:
            self.title += data


def parse_html(text: str) -> _SimpleHTMLParser:
    """Parse a simple API HTML page."""
    parser = _SimpleHTMLParser()
    parser.feed(text)
    parser.close()
    return parser


def get_page(app, url: str, media_type: str | None, *, status: int = 200, **kwargs: Any):
    """GET `url` asking for `media_type` (no Accept header when None)."""
    headers = dict(kwargs.pop("headers", {}))
    if media_type is not None:
        headers["Accept"] = media_type
    return app.get(url, headers=headers, status=status, **kwargs)


def fetch_project(app, name: str, media_type: str, **kwargs: Any) -> ProjectPage:
    """GET `/simple/<name>/` as `media_type`, check the Content-Type, and parse it."""
    url = f"/simple/{name}/"
    response = get_page(app, url, media_type, **kwargs)
    assert response.content_type == media_type
    if media_type == JSON:
        return _project_from_json(url, response)
    return _project_from_html(url, response)


def fetch_index(app, media_type: str, **kwargs: Any) -> IndexPage:
    """GET `/simple/` as `media_type`, check the Content-Type, and parse it."""
    response = get_page(app, "/simple/", media_type, **kwargs)
    assert response.content_type == media_type
    if media_type == JSON:
        body = json.loads(response.body)
        projects = {entry["name"]: None for entry in body["projects"]}
        return IndexPage(body["meta"]["api-version"], projects, response)
    parsed = parse_html(response.text)
    projects = {text: _resolve("/simple/", str(attrs["href"])) for attrs, text in parsed.anchors}
    return IndexPage(parsed.meta["pypi:repository-version"], projects, response)


def _resolve(page_path: str, href: str) -> str:
    return urlsplit(urljoin(APP_URL + page_path, href)).path


def _hash_value(value: str | None) -> dict[str, str] | None:
    """`sha256=<hex>` (an HTML attribute or URL fragment) as PEP 691's {"sha256": "<hex>"}."""
    if value is None:
        return None
    algorithm, _, digest = value.partition("=")
    return {algorithm: digest}


def _project_from_html(url: str, response) -> ProjectPage:
    parsed = parse_html(response.text)
    files = {}
    for attrs, text in parsed.anchors:
        href = str(attrs["href"])
        files[text] = FileLink(
            filename=text,
            path=_resolve(url, href),
            hashes=_hash_value(urlsplit(href).fragment) or {},
            requires_python=attrs.get("data-requires-python"),
            core_metadata=_hash_value(attrs.get("data-core-metadata")),
            dist_info_metadata=_hash_value(attrs.get("data-dist-info-metadata")),
            # data-yanked present but empty (or valueless) means yanked without a reason.
            yanked=(attrs["data-yanked"] or True) if "data-yanked" in attrs else False,
            provenance=_resolve(url, str(attrs["data-provenance"]))
            if attrs.get("data-provenance")
            else None,
        )
    name = parsed.title.removeprefix("Links for ").strip()
    return ProjectPage(
        api_version=parsed.meta["pypi:repository-version"],
        name=name,
        status=parsed.meta.get("pypi:project-status"),
        status_reason=parsed.meta.get("pypi:project-status-reason"),
        files=files,
        versions=None,
        response=response,
    )


def _project_from_json(url: str, response) -> ProjectPage:
    body = json.loads(response.body)
    files = {}
    for entry in body["files"]:
        files[entry["filename"]] = FileLink(
            filename=entry["filename"],
            path=_resolve(url, entry["url"]),
            hashes=entry["hashes"],
            requires_python=entry.get("requires-python"),
            core_metadata=entry.get("core-metadata") or None,
            dist_info_metadata=entry.get("dist-info-metadata") or None,
            yanked=entry.get("yanked", False),
            size=entry.get("size"),
            upload_time=entry.get("upload-time"),
            provenance=_resolve(url, entry["provenance"]) if entry.get("provenance") else None,
        )
    status = body.get("project-status") or {}
    return ProjectPage(
        api_version=body["meta"]["api-version"],
        name=body["name"],
        status=status.get("status"),
        status_reason=status.get("reason"),
        files=files,
        versions=body.get("versions"),
        response=response,
    )
