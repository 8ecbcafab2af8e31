"""Serving distribution files at content-addressed paths, as PyPI does:
`/packages/<aa>/<bb>/<rest of the BLAKE2b-256 hex digest>/<filename>`, with the right
Content-Type and Content-Length, byte ranges (uv reads wheels by range), and 404 for any path
that names no stored file.
"""

from __future__ import annotations

import hashlib

import pytest

from tests.factories.dists import build_sdist, build_wheel
from tests.simple.pages import JSON, fetch_project
from tests.simple.publishing import publish

WHEEL = build_wheel("sample", "1.0")
SDIST = build_sdist("sample", "1.0")
CONTENT_TYPES = {WHEEL.filename: "application/zip", SDIST.filename: "application/gzip"}


@pytest.fixture
def paths(app, make_user) -> dict[str, str]:
    """filename -> URL path of each published file, as the simple API links it."""
    publish(app, make_user(), WHEEL, SDIST)
    page = fetch_project(app, "sample", JSON)
    return {name: link.path for name, link in page.files.items()}


def test_download_at_the_blake2b_256_path_has_the_bytes_type_and_length(app, paths):
    for dist in (WHEEL, SDIST):
        digest = hashlib.blake2b(dist.content, digest_size=32).hexdigest()
        path = paths[dist.filename]
        assert path == f"/packages/{digest[:2]}/{digest[2:4]}/{digest[4:]}/{dist.filename}"

        response = app.get(path)

        assert response.body == dist.content
        assert response.content_type == CONTENT_TYPES[dist.filename]
        assert response.content_length == len(dist.content)
        # A gzip sdist is served as stored: a Content-Encoding would make clients unpack it.
        assert "Content-Encoding" not in response.headers
        assert response.headers["Accept-Ranges"] == "bytes"
        assert response.etag == dist.sha256
        assert "immutable" in response.headers["Cache-Control"]
        head = app.head(path)
        assert head.content_length == len(dist.content)
        assert head.body == b""


def test_range_requests_get_partial_content(app, paths):
    path, size = paths[WHEEL.filename], len(WHEEL.content)

    first = app.get(path, headers={"Range": "bytes=0-99"}, status=206)
    middle = app.get(path, headers={"Range": "bytes=100-299"}, status=206)
    # uv reads a wheel's central directory from its end first.
    tail = app.get(path, headers={"Range": "bytes=-64"}, status=206)

    assert first.body == WHEEL.content[:100]
    assert first.headers["Content-Range"] == f"bytes 0-99/{size}"
    assert first.content_length == 100
    assert middle.body == WHEEL.content[100:300]
    assert middle.headers["Content-Range"] == f"bytes 100-299/{size}"
    assert tail.body == WHEEL.content[-64:]
    assert tail.headers["Content-Range"] == f"bytes {size - 64}-{size - 1}/{size}"

    unsatisfiable = app.get(path, headers={"Range": f"bytes={size}-"}, status=416)
    assert unsatisfiable.headers["Content-Range"] == f"bytes */{size}"


def test_matching_if_none_match_gets_not_modified(app, paths):
    path = paths[SDIST.filename]
    etag = app.get(path).etag

    assert app.get(path, headers={"If-None-Match": f'"{etag}"'}, status=304).body == b""


def test_paths_naming_no_stored_file_are_not_found(app, paths):
    wheel_path = paths[WHEEL.filename]
    directory = wheel_path.rsplit("/", 1)[0]
    bad_paths = [
        # The right directory with another file's name, and the reverse.
        f"{directory}/{SDIST.filename}",
        paths[SDIST.filename].rsplit("/", 1)[0] + "/" + WHEEL.filename,
        "/packages/00/00/" + "0" * 60 + "/" + WHEEL.filename,
        directory,
        "/packages/",
        wheel_path + "x",
        # Paths outside the content-addressed tree, or escaping it.
        "/packages/../bastion.sqlite3",
        "/packages/%2e%2e/%2e%2e/bastion.sqlite3",
        "/packages/" + WHEEL.filename,
        # PEP 658 files exist for wheels only.
        paths[SDIST.filename] + ".metadata",
    ]
    for path in bad_paths:
        response = app.get(path, status=404)
        assert response.status_int == 404, path
