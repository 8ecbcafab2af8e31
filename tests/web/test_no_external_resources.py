"""No page loads anything from outside the server: every response carries a Content-Security-Policy
that allows only this origin (and no inline script), and no page, including one showing a hostile
or badge-laden description, references a script, stylesheet or image elsewhere.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.factories.dists import build_wheel
from tests.simple.pages import MEDIA_TYPES, get_page
from tests.simple.publishing import publish
from tests.web.pages import Elements

DESCRIPTION = """# Sample

![build status](https://img.shields.io/badge/build-passing-green.svg)
<img src="https://tracker.example/pixel.gif" alt="pixel">
<img src="//cdn.example/protocol-relative.png" alt="relative">
<img src="docs/local.png" alt="local">
<script src="https://cdn.example/evil.js"></script>
<link rel="stylesheet" href="https://cdn.example/evil.css">
"""
HTML_PAGES = [
    "/",
    "/?q=sample",
    "/project/sample/",
    "/project/sample/1.0/",
    "/project/no-such-project/",
]
# Source expressions that admit nothing from another origin.
LOCAL_SOURCES = {"'self'", "'none'", "data:"}


@pytest.fixture
def sample(app, make_user):
    wheel = build_wheel(
        "sample", "1.0", description=DESCRIPTION, description_content_type="text/markdown"
    )
    publish(app, make_user(), wheel)
    return wheel


def _policy(response) -> dict[str, list[str]]:
    directives = {}
    for directive in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = directive.split()
        directives[name] = sources
    return directives


def _all_responses(app, wheel):
    for url in HTML_PAGES:
        yield url, app.get(url, status="*")
    for media_type in MEDIA_TYPES:
        yield media_type, get_page(app, "/simple/sample/", media_type)
    yield "json api", app.get("/pypi/sample/json")
    yield "static", app.get("/static/style.css")
    file_path = next(
        f["url"]
        for f in app.get("/pypi/sample/json").json["urls"]
        if f["filename"] == wheel.filename
    )
    yield "file", app.get(file_path)
    yield "406", get_page(app, "/simple/", "application/xml", status=406)


def test_every_response_has_a_policy_allowing_only_this_origin(app, sample):
    for label, response in _all_responses(app, sample):
        policy = _policy(response)
        assert policy["default-src"] == ["'none'"], label
        for directive, sources in policy.items():
            assert set(sources) <= LOCAL_SOURCES, (label, directive, sources)
        # No inline script or eval: 'self' (or nothing) only.
        assert set(policy.get("script-src", ["'none'"])) <= {"'self'", "'none'"}, label
        assert policy["frame-ancestors"] == ["'none'"], label
        assert response.headers["X-Content-Type-Options"] == "nosniff", label


def _is_external(url: str) -> bool:
    parts = urlsplit(url.strip())
    return bool(parts.netloc) or parts.scheme not in {"", "data"}


def test_no_page_references_outside_scripts_styles_or_images(app, sample):
    for url in HTML_PAGES:
        page = Elements(app.get(url, status="*").text)
        for tag, attrs in page.tags:
            if tag == "script":
                # No inline script either: the policy would block it, so none is written.
                assert attrs.get("src"), url
                assert not _is_external(attrs["src"] or ""), url
            if tag == "link":
                assert not _is_external(attrs.get("href") or ""), (url, attrs)
            if tag in {"img", "source", "video", "audio", "iframe", "embed", "object"}:
                for name in ("src", "srcset", "data", "poster"):
                    assert not _is_external(attrs.get(name) or ""), (url, tag, attrs)
            assert "style" not in attrs, (url, tag)


def test_description_images_keep_their_alt_text(app, sample):
    page = Elements(app.get("/project/sample/").text)

    alts = {img.get("alt") for img in page.find("img")}
    assert {"build status", "pixel", "relative", "local"} <= alts
    assert "docs/local.png" in {img.get("src") for img in page.find("img")}


def test_stylesheet_is_served_and_imports_nothing(app):
    page = Elements(app.get("/").text)
    stylesheets = [link["href"] for link in page.find("link") if link.get("rel") == "stylesheet"]

    assert len(stylesheets) == 1
    css = app.get(str(stylesheets[0]))
    assert css.content_type == "text/css"
    assert "@import" not in css.text
    assert "url(" not in css.text.replace("url(data:", "")
