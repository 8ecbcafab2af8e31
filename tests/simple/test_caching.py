"""HTTP caching of simple pages: each carries an ETag and X-PyPI-Last-Serial, a matching
If-None-Match gets a 304, and any change to a project (an upload) changes its ETag and serial.

ETags differ per representation, since one URL serves several (`Vary: Accept`).
"""

from __future__ import annotations

from tests.factories.dists import build_sdist, build_wheel
from tests.simple.pages import JSON, MEDIA_TYPES, get_page
from tests.simple.publishing import find_project, publish

URLS = ["/simple/", "/simple/sample/"]


def _revalidate(app, url: str, media_type: str, etag: str, *, status: int):
    return get_page(app, url, media_type, headers={"If-None-Match": f'"{etag}"'}, status=status)


def _serial(response) -> int:
    return int(response.headers["X-PyPI-Last-Serial"])


def test_pages_carry_etag_and_last_serial(app, make_user, session):
    publish(app, make_user(), build_wheel("sample", "1.0"), build_wheel("other", "1.0"))
    sample = find_project(session, "sample")
    other = find_project(session, "other")

    for media_type in MEDIA_TYPES:
        index = get_page(app, "/simple/", media_type)
        project = get_page(app, "/simple/sample/", media_type)

        assert index.etag, media_type
        assert project.etag, media_type
        # The index is as new as the newest change anywhere; a project page as its own.
        assert _serial(index) == max(sample.last_serial, other.last_serial)
        assert _serial(project) == sample.last_serial
        if media_type == JSON:
            assert project.json["meta"]["_last-serial"] == sample.last_serial
            assert index.json["meta"]["_last-serial"] == _serial(index)


def test_matching_if_none_match_gets_not_modified(app, make_user):
    publish(app, make_user(), build_wheel("sample", "1.0"))

    for url in URLS:
        for media_type in MEDIA_TYPES:
            first = get_page(app, url, media_type)

            again = _revalidate(app, url, media_type, first.etag, status=304)

            assert again.body == b""
            assert again.etag == first.etag
            assert again.headers["Vary"] == "Accept"
            assert _serial(again) == _serial(first)
            _revalidate(app, url, media_type, "0-stale", status=200)


def test_etag_of_one_representation_does_not_validate_another(app, make_user):
    publish(app, make_user(), build_wheel("sample", "1.0"))

    for url in URLS:
        etags = {media_type: get_page(app, url, media_type).etag for media_type in MEDIA_TYPES}

        assert len(set(etags.values())) == len(MEDIA_TYPES)
        for media_type in MEDIA_TYPES:
            for other_type, etag in etags.items():
                if other_type != media_type:
                    _revalidate(app, url, media_type, etag, status=200)


def test_upload_changes_etag_and_serial_of_its_project_only(app, make_user):
    auth = make_user()
    publish(app, auth, build_wheel("sample", "1.0"), build_wheel("other", "1.0"))
    pages = [(url, media_type) for url in [*URLS, "/simple/other/"] for media_type in MEDIA_TYPES]
    before = {page: get_page(app, *page) for page in pages}

    publish(app, auth, build_sdist("sample", "1.0"))

    for (url, media_type), old in before.items():
        if url == "/simple/other/":
            _revalidate(app, url, media_type, old.etag, status=304)
            continue
        new = _revalidate(app, url, media_type, old.etag, status=200)
        assert new.etag != old.etag
        assert _serial(new) > _serial(old)
        if url != "/simple/":
            assert "sample-1.0.tar.gz" in new.text
