"""PEP 700 (JSON only; it changes nothing in HTML): api-version is at least 1.1, the project page
lists every `versions` string, and each file has its `size` and `upload-time` (ISO 8601, UTC, Z).
"""

from __future__ import annotations

import datetime
import re

from packaging.version import Version

from tests.factories.dists import build_sdist, build_wheel
from tests.simple.pages import JSON, fetch_project
from tests.simple.publishing import publish

UPLOAD_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$")


def test_json_page_has_versions_sizes_and_upload_times(app, make_user):
    dists = [
        build_wheel("sample", "1.0"),
        build_sdist("sample", "1.0"),
        build_wheel("sample", "1.10"),
        build_wheel("sample", "2.0rc1"),
    ]
    started = datetime.datetime.now(datetime.UTC)
    publish(app, make_user(), *dists)
    finished = datetime.datetime.now(datetime.UTC)

    page = fetch_project(app, "sample", JSON)

    assert Version(page.api_version) >= Version("1.1")
    assert sorted(page.versions or [], key=Version) == ["1.0", "1.10", "2.0rc1"]
    assert len(page.versions or []) == 3
    for dist in dists:
        link = page.files[dist.filename]
        assert link.size == len(dist.content)
        assert link.upload_time is not None
        assert UPLOAD_TIME.match(link.upload_time), link.upload_time
        uploaded = datetime.datetime.fromisoformat(link.upload_time)
        assert started - datetime.timedelta(seconds=1) <= uploaded <= finished


def test_project_with_only_an_sdist_lists_its_version_and_size(app, make_user):
    sdist = build_sdist("sample", "3.0")
    publish(app, make_user(), sdist)

    body = fetch_project(app, "sample", JSON).response.json

    assert body["versions"] == ["3.0"]
    assert [(f["filename"], f["size"]) for f in body["files"]] == [
        (sdist.filename, len(sdist.content))
    ]
