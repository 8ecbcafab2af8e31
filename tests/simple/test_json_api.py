"""PyPI's JSON API, `/pypi/<project>/json` and `/pypi/<project>/<version>/json`: the keys PyPI
returns (as pypi/warehouse's warehouse/legacy/api/json.py builds them), values taken from each
file's own metadata, yank fields, 404s, and redirects of non-normalized names.
"""

from __future__ import annotations

import datetime
import hashlib
from urllib.parse import urlsplit

import pytest

from tests.factories.dists import build_sdist, build_wheel
from tests.simple.publishing import find_project, publish, yank

INFO_KEYS = {
    "author", "author_email", "bugtrack_url", "classifiers", "description",
    "description_content_type", "docs_url", "download_url", "downloads", "dynamic",
    "home_page", "keywords", "license", "license_expression", "license_files", "maintainer",
    "maintainer_email", "name", "package_url", "platform", "project_url", "project_urls",
    "provides_extra", "release_url", "requires_dist", "requires_python", "summary", "version",
    "yanked", "yanked_reason",
}  # fmt: skip
FILE_KEYS = {
    "comment_text", "digests", "downloads", "filename", "has_sig", "md5_digest", "packagetype",
    "python_version", "requires_python", "size", "upload_time", "upload_time_iso_8601", "url",
    "yanked", "yanked_reason",
}  # fmt: skip
PROJECT_KEYS = {"info", "last_serial", "releases", "urls", "vulnerabilities"}
# PyPI dropped `releases` from the per-release document.
RELEASE_KEYS = PROJECT_KEYS - {"releases"}

OLD = [build_wheel("Sample.Project", "1.0"), build_sdist("Sample.Project", "1.0")]
NEW = [
    build_wheel(
        "Sample.Project",
        "2.0",
        summary="The sample, improved",
        requires_python=">=3.9",
        requires_dist=("packaging>=24",),
        description="# Sample\n",
        description_content_type="text/markdown",
    )
]


@pytest.fixture
def sample(app, make_user):
    publish(app, make_user(), *OLD, *NEW)


def _check_file_entry(entry: dict, dist, *, yanked: bool = False, reason: str | None = None):
    assert set(entry) == FILE_KEYS
    assert set(entry["digests"]) == {"md5", "sha256", "blake2b_256"}
    assert entry["digests"] == {
        "md5": dist.md5,
        "sha256": dist.sha256,
        "blake2b_256": dist.blake2_256,
    }
    assert entry["md5_digest"] == dist.md5
    assert entry["filename"] == dist.filename
    assert entry["packagetype"] == dist.filetype
    assert entry["python_version"] == ("py3" if dist.filetype == "bdist_wheel" else "source")
    assert entry["size"] == len(dist.content)
    assert (entry["yanked"], entry["yanked_reason"]) == (yanked, reason)
    assert (entry["has_sig"], entry["downloads"], entry["comment_text"]) == (False, -1, "")
    uploaded = datetime.datetime.fromisoformat(entry["upload_time_iso_8601"])
    assert entry["upload_time_iso_8601"].endswith("Z")
    assert uploaded.utcoffset() == datetime.timedelta(0)
    assert entry["upload_time"] == uploaded.strftime("%Y-%m-%dT%H:%M:%S")
    url = urlsplit(entry["url"])
    assert (url.scheme, url.netloc) == ("http", "localhost")


@pytest.mark.usefixtures("sample")
def test_project_document_has_pypis_keys_and_the_latest_release(app, session):
    response = app.get("/pypi/sample-project/json")

    assert response.content_type == "application/json"
    body = response.json
    assert set(body) == PROJECT_KEYS
    assert set(body["info"]) == INFO_KEYS
    assert body["last_serial"] == find_project(session, "sample-project").last_serial
    assert response.headers["X-PyPI-Last-Serial"] == str(body["last_serial"])
    assert body["vulnerabilities"] == []
    info = body["info"]
    assert (info["name"], info["version"]) == ("Sample.Project", "2.0")
    assert info["summary"] == "The sample, improved"
    assert info["requires_python"] == ">=3.9"
    assert info["requires_dist"] == ["packaging>=24"]
    assert (info["description"], info["description_content_type"]) == (
        "# Sample\n",
        "text/markdown",
    )
    assert info["downloads"] == {"last_day": -1, "last_month": -1, "last_week": -1}
    assert (info["yanked"], info["yanked_reason"]) == (False, None)
    assert urlsplit(info["release_url"]).path == "/project/sample-project/2.0/"
    assert urlsplit(info["project_url"]).path == "/project/sample-project/"
    assert set(body["releases"]) == {"1.0", "2.0"}
    releases = {v: {e["filename"]: e for e in entries} for v, entries in body["releases"].items()}
    for dist in OLD:
        _check_file_entry(releases["1.0"][dist.filename], dist)
    _check_file_entry(releases["2.0"][NEW[0].filename], NEW[0])
    assert body["urls"] == body["releases"]["2.0"]


@pytest.mark.usefixtures("sample")
def test_release_document_has_pypis_keys_and_that_release(app):
    body = app.get("/pypi/sample-project/1.0/json").json

    assert set(body) == RELEASE_KEYS
    assert set(body["info"]) == INFO_KEYS
    assert body["info"]["version"] == "1.0"
    assert body["info"]["requires_python"] is None
    assert {e["filename"] for e in body["urls"]} == {d.filename for d in OLD}
    for entry in body["urls"]:
        _check_file_entry(entry, next(d for d in OLD if d.filename == entry["filename"]))


@pytest.mark.usefixtures("sample")
def test_file_urls_download_the_files(app):
    for entry in app.get("/pypi/sample-project/json").json["urls"]:
        content = app.get(entry["url"]).body
        assert hashlib.sha256(content).hexdigest() == entry["digests"]["sha256"]


@pytest.mark.usefixtures("sample")
def test_release_found_by_equivalent_version(app):
    assert app.get("/pypi/sample-project/1.0.0/json").json["info"]["version"] == "1.0"


@pytest.mark.usefixtures("sample")
def test_yank_fields(app, session):
    yank(session, "sample-project", "2.0", "Broken on Windows")
    yank(session, "sample-project", "1.0")

    project = app.get("/pypi/sample-project/json").json
    newest = app.get("/pypi/sample-project/2.0/json").json

    assert (newest["info"]["yanked"], newest["info"]["yanked_reason"]) == (
        True,
        "Broken on Windows",
    )
    _check_file_entry(newest["urls"][0], NEW[0], yanked=True, reason="Broken on Windows")
    for entry in project["releases"]["1.0"]:
        assert (entry["yanked"], entry["yanked_reason"]) == (True, None)


@pytest.mark.usefixtures("sample")
def test_latest_skips_a_yanked_release(app, session):
    yank(session, "sample-project", "2.0", "Broken")

    info = app.get("/pypi/sample-project/json").json["info"]

    assert (info["version"], info["yanked"]) == ("1.0", False)


def test_latest_prefers_a_final_release_to_a_prerelease(app, make_user):
    publish(app, make_user(), build_wheel("sample", "1.0"), build_wheel("sample", "2.0b1"))

    assert app.get("/pypi/sample/json").json["info"]["version"] == "1.0"


@pytest.mark.usefixtures("sample")
def test_unknown_project_or_version_is_not_found_and_other_spellings_redirect(app):
    for url in [
        "/pypi/no-such-project/json",
        "/pypi/no-such-project/1.0/json",
        "/pypi/sample-project/3.0/json",
    ]:
        response = app.get(url, status=404)
        assert "Location" not in response.headers, url

    for url, target in [
        ("/pypi/Sample.Project/json", "/pypi/sample-project/json"),
        ("/pypi/SAMPLE_project/1.0/json", "/pypi/sample-project/1.0/json"),
    ]:
        response = app.get(url, status=301)
        assert urlsplit(response.location).path == target
        assert response.follow().json["info"]["name"] == "Sample.Project"
