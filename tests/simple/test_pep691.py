"""PEP 691: the simple API chooses HTML or JSON from the Accept header (q-values, the `latest`
aliases, wildcards), lets `?format=` override it, answers 406 when nothing acceptable is served,
says `Vary: Accept`, labels each response with its media type, and shapes the JSON as specified.
"""

from __future__ import annotations

import pytest

from tests.factories.dists import build_sdist, build_wheel
from tests.simple.pages import HTML, JSON, LEGACY_HTML, MEDIA_TYPES, fetch_project, get_page
from tests.simple.publishing import publish

PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01"
)
URLS = ["/simple/", "/simple/sample/"]

# (Accept header, media type served)
NEGOTIATED = [
    (None, LEGACY_HTML),
    ("", LEGACY_HTML),
    ("text/html", LEGACY_HTML),
    ("*/*", LEGACY_HTML),
    ("text/*", LEGACY_HTML),
    (JSON, JSON),
    ("application/vnd.pypi.simple.latest+json", JSON),
    (HTML, HTML),
    ("application/vnd.pypi.simple.latest+html", HTML),
    (PIP_ACCEPT, JSON),
    ("application/vnd.pypi.simple.v1+json;q=0.2, application/vnd.pypi.simple.v1+html", HTML),
    ("text/html, application/vnd.pypi.simple.v1+json;q=0.9", LEGACY_HTML),
    ("application/vnd.pypi.simple.v1+json;q=0, text/html;q=0.1", LEGACY_HTML),
    ("application/xml, text/html;q=0.5", LEGACY_HTML),
    ("APPLICATION/VND.PYPI.SIMPLE.V1+JSON", JSON),
]
NOT_ACCEPTABLE = [
    "application/xml",
    "application/json",
    "application/vnd.pypi.simple.v2+json",
    "application/vnd.pypi.simple.v1+json;q=0",
    "image/*",
]


@pytest.fixture
def sample(app, make_user):
    publish(app, make_user(), build_wheel("sample", "1.0"))


@pytest.mark.usefixtures("sample")
def test_accept_header_chooses_the_representation(app):
    for url in URLS:
        for accept, served in NEGOTIATED:
            response = get_page(app, url, accept)
            assert response.content_type == served, (url, accept)
            assert response.headers["Vary"] == "Accept"


@pytest.mark.usefixtures("sample")
def test_format_parameter_overrides_accept(app):
    # "+" unencoded (as a browser sends what a person typed) or encoded as %2B.
    cases = [
        ("?format=application/vnd.pypi.simple.v1+json", LEGACY_HTML, JSON),
        ("?format=application/vnd.pypi.simple.v1%2Bjson", LEGACY_HTML, JSON),
        ("?format=application/vnd.pypi.simple.latest%2Bjson", HTML, JSON),
        ("?format=text/html", JSON, LEGACY_HTML),
        ("?format=application/vnd.pypi.simple.v1%2Bhtml", JSON, HTML),
    ]
    for url in URLS:
        for query, accept, served in cases:
            response = get_page(app, url + query, accept)
            assert response.content_type == served, (url, query)


@pytest.mark.usefixtures("sample")
def test_unsupported_media_type_is_not_acceptable(app):
    requests = [(url, accept) for url in URLS for accept in NOT_ACCEPTABLE]
    requests += [(url + "?format=application/xml", JSON) for url in URLS]
    for url, accept in requests:
        response = get_page(app, url, accept, status=406)
        assert response.content_type == "text/plain", (url, accept)
        # One line, in the status line and the body, naming what is served instead.
        assert response.text.count("\n") == 1
        assert response.status.startswith("406 Not Acceptable")
        assert JSON in response.status
        assert JSON in response.text


@pytest.mark.usefixtures("sample")
def test_content_type_and_charset_of_each_representation(app):
    for url in URLS:
        for media_type in MEDIA_TYPES:
            response = get_page(app, url, media_type)
            assert response.content_type == media_type
            assert response.headers["Vary"] == "Accept"
            # HTML is text and says its charset; JSON is UTF-8 by definition (RFC 8259).
            assert response.charset == ("utf-8" if media_type != JSON else None), media_type


def test_json_project_page_has_the_specified_fields(app, make_user):
    wheel, sdist = build_wheel("Sample.Project", "1.0"), build_sdist("Sample.Project", "1.0")
    publish(app, make_user(), wheel, sdist)

    body = fetch_project(app, "sample-project", JSON).response.json

    assert set(body) == {"meta", "name", "files", "versions", "project-status"}
    assert body["name"] == "sample-project"
    assert body["meta"]["api-version"] == "1.4"
    files = {entry["filename"]: entry for entry in body["files"]}
    assert set(files) == {wheel.filename, sdist.filename}
    for dist in (wheel, sdist):
        entry = files[dist.filename]
        assert {"filename", "url", "hashes", "yanked"} <= set(entry)
        assert set(entry) <= {
            "filename", "url", "hashes", "requires-python", "core-metadata",
            "dist-info-metadata", "gpg-sig", "yanked", "size", "upload-time",
        }  # fmt: skip
        assert entry["hashes"] == {"sha256": dist.sha256}
        assert entry["url"].endswith("/" + dist.filename)
        assert entry["yanked"] is False


def test_json_index_lists_project_names(app, make_user):
    publish(app, make_user(), build_wheel("Sample.Project", "1.0"), build_wheel("zeta", "1.0"))

    body = get_page(app, "/simple/", JSON).json

    assert set(body) == {"meta", "projects"}
    assert body["meta"]["api-version"] == "1.4"
    assert body["projects"] == [{"name": "Sample.Project"}, {"name": "zeta"}]
