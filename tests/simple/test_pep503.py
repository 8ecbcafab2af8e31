"""PEP 503: the index links every project to its normalized URL; a project page links every file
with a `#sha256=` fragment and the filename as text; other spellings of a name redirect (301) to
the normalized URL; an unknown project is a 404 on this index, never a redirect elsewhere.

Each test checks every representation (text/html, PEP 691 HTML and JSON) of one published index.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from tests.factories.dists import build_sdist, build_wheel
from tests.simple.pages import JSON, MEDIA_TYPES, fetch_index, fetch_project, get_page
from tests.simple.publishing import publish

SPELLINGS = ["Sample_Project/", "SAMPLE.PROJECT/", "sample__project/", "sample-project"]


def test_index_lists_each_project_linking_to_its_normalized_url(app, make_user):
    publish(
        app, make_user(), build_wheel("Sample_Project", "1.0"), build_sdist("other.Thing", "2.0")
    )

    for media_type in MEDIA_TYPES:
        index = fetch_index(app, media_type)

        assert set(index.projects) == {"Sample_Project", "other.Thing"}, media_type
        if media_type != JSON:
            assert index.projects == {
                "Sample_Project": "/simple/sample-project/",
                "other.Thing": "/simple/other-thing/",
            }
            for path in index.projects.values():
                assert get_page(app, str(path), media_type).status_int == 200


def test_empty_index_lists_nothing(app):
    for media_type in MEDIA_TYPES:
        assert fetch_index(app, media_type).projects == {}, media_type


def test_project_page_links_every_file_of_every_release_with_its_sha256(app, make_user):
    dists = [
        build_wheel("Sample_Project", "1.0"),
        build_sdist("Sample_Project", "1.0"),
        build_wheel("Sample_Project", "1.1"),
    ]
    publish(app, make_user(), *dists)

    for media_type in MEDIA_TYPES:
        page = fetch_project(app, "sample-project", media_type)

        assert page.name == "sample-project", media_type
        assert set(page.files) == {dist.filename for dist in dists}, media_type
        for dist in dists:
            link = page.files[dist.filename]
            assert link.hashes == {"sha256": dist.sha256}, media_type
            # The link text (HTML) / filename (JSON) is the URL's last path segment.
            assert link.path.rsplit("/", 1)[-1] == dist.filename, media_type
            downloaded = app.get(link.path).body
            assert downloaded == dist.content, media_type
            assert hashlib.sha256(downloaded).hexdigest() == link.hashes["sha256"]


def test_other_spellings_redirect_permanently_to_the_normalized_url(app, make_user):
    publish(app, make_user(), build_wheel("Sample_Project", "1.0"))

    for media_type in MEDIA_TYPES:
        for spelling in SPELLINGS:
            redirect = get_page(app, f"/simple/{spelling}", media_type, status=301)

            assert urlsplit(redirect.location).path == "/simple/sample-project/", spelling
            assert redirect.follow(headers={"Accept": media_type}).content_type == media_type
    # The query string (e.g. PEP 691's ?format=) survives the redirect.
    redirect = app.get("/simple/Sample_Project/?format=application/vnd.pypi.simple.v1%2Bjson")
    location = urlsplit(redirect.location)
    assert (location.path, location.query) == (
        "/simple/sample-project/",
        "format=application/vnd.pypi.simple.v1%2Bjson",
    )
    assert redirect.follow().json["name"] == "sample-project"


def test_unknown_project_is_not_found_on_this_index(app, make_user):
    publish(app, make_user(), build_wheel("sample", "1.0"))

    for media_type in MEDIA_TYPES:
        response = get_page(app, "/simple/no-such-project/", media_type, status=404)
        assert "Location" not in response.headers
        assert "no-such-project" in response.text
        # Another spelling redirects, but only to this index's normalized URL.
        redirect = get_page(app, "/simple/No_Such.Project/", media_type, status=301)
        location = urlsplit(redirect.location)
        assert location.netloc in {"", "localhost", "localhost:80"}
        assert location.path == "/simple/no-such-project/"
        redirect.follow(headers={"Accept": media_type}, status=404)
