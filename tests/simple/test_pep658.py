"""PEP 658 / 714: each wheel's METADATA file is served at `<file-url>.metadata`, and its sha256
is advertised as `data-core-metadata` and `data-dist-info-metadata` (HTML) or `core-metadata` and
`dist-info-metadata` (JSON). The file served is byte for byte the wheel's METADATA.

Sdists advertise none: their PKG-INFO may leave dependencies dynamic (PEP 643), and PyPI serves
metadata files for wheels only, so an installer must not take it for a wheel's metadata.
"""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from tests.factories.dists import build_sdist, build_wheel
from tests.simple.pages import JSON, MEDIA_TYPES, fetch_project
from tests.simple.publishing import publish

WHEEL = build_wheel(
    "sample",
    "1.0",
    requires_dist=("packaging>=24", 'tomli; python_version < "3.11"'),
    description="Long description\n\nwith non-ASCII: caf\u00e9 \u2603\n",
)
SDIST = build_sdist("sample", "1.0")


@pytest.fixture
def sample(app, make_user):
    publish(app, make_user(), WHEEL, SDIST)


def _wheel_metadata(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("sample-1.0.dist-info/METADATA")


@pytest.mark.usefixtures("sample")
def test_wheel_advertises_the_hash_of_its_served_metadata(app):
    for media_type in MEDIA_TYPES:
        link = fetch_project(app, "sample", media_type).files[WHEEL.filename]
        served = app.get(link.path + ".metadata")

        expected = {"sha256": hashlib.sha256(served.body).hexdigest()}
        assert link.core_metadata == expected, media_type
        assert link.dist_info_metadata == expected, media_type
        assert served.body == _wheel_metadata(WHEEL.content)


@pytest.mark.usefixtures("sample")
def test_sdist_advertises_no_metadata_file(app):
    for media_type in MEDIA_TYPES:
        page = fetch_project(app, "sample", media_type)
        link = page.files[SDIST.filename]

        assert link.core_metadata is None, media_type
        assert link.dist_info_metadata is None, media_type
        app.get(link.path + ".metadata", status=404)
        if media_type == JSON:
            entry = next(e for e in page.response.json["files"] if e["filename"] == SDIST.filename)
            assert entry["core-metadata"] is False
            assert entry["dist-info-metadata"] is False
        else:
            assert page.response.text.count("data-core-metadata=") == 1
            assert page.response.text.count("data-dist-info-metadata=") == 1


@pytest.mark.usefixtures("sample")
def test_metadata_file_headers(app):
    link = fetch_project(app, "sample", JSON).files[WHEEL.filename]

    served = app.get(link.path + ".metadata")

    assert served.content_type == "text/plain"
    assert served.charset == "utf-8"
    assert served.content_length == len(WHEEL.metadata)
    assert served.text == WHEEL.metadata.decode()
    assert "Content-Encoding" not in served.headers
