"""PEP 592: files of a yanked release carry `data-yanked` (the reason, or empty) in HTML and
`yanked` (the reason, or true) in JSON; files of other releases carry neither.

Yanking has no UI or service yet, so tests yank through the model the way that service will: flag
the release and journal the change, which moves the project's serial (see publishing.py).
"""

from __future__ import annotations

import pytest

from tests.factories.dists import build_sdist, build_wheel
from tests.simple.pages import JSON, MEDIA_TYPES, fetch_project
from tests.simple.publishing import publish, yank

OLD = [build_wheel("sample", "1.0"), build_sdist("sample", "1.0")]
NEW = [build_wheel("sample", "2.0")]


@pytest.fixture
def two_releases(app, make_user):
    publish(app, make_user(), *OLD, *NEW)


def _check_yanked(page, yanked: bool | str) -> None:
    for dist in OLD:
        assert page.files[dist.filename].yanked == yanked, dist.filename
    for dist in NEW:
        assert page.files[dist.filename].yanked is False, dist.filename


@pytest.mark.usefixtures("two_releases")
def test_yanked_release_carries_its_reason(app, session):
    reason = 'Broken <build> & "bad" wheel'
    yank(session, "sample", "1.0", reason)

    for media_type in MEDIA_TYPES:
        page = fetch_project(app, "sample", media_type)

        _check_yanked(page, reason)
        if media_type == JSON:
            entries = {e["filename"]: e for e in page.response.json["files"]}
            assert entries[OLD[0].filename]["yanked"] == reason
            assert entries[NEW[0].filename]["yanked"] is False
        else:
            # The reason is escaped inside the attribute, never raw markup.
            escaped = 'data-yanked="Broken &lt;build&gt; &amp; &quot;bad&quot; wheel"'
            assert page.response.text.count(escaped) == len(OLD)
            assert page.response.text.count("data-yanked") == len(OLD)


@pytest.mark.usefixtures("two_releases")
def test_yanked_release_without_reason(app, session):
    yank(session, "sample", "1.0")

    for media_type in MEDIA_TYPES:
        page = fetch_project(app, "sample", media_type)

        _check_yanked(page, True)
        if media_type == JSON:
            assert [e["yanked"] for e in page.response.json["files"]].count(True) == len(OLD)
        else:
            assert page.response.text.count('data-yanked=""') == len(OLD)
            assert page.response.text.count("data-yanked") == len(OLD)


@pytest.mark.usefixtures("two_releases")
def test_yank_shows_on_pages_already_rendered_and_cached(app, session):
    before = {media_type: fetch_project(app, "sample", media_type) for media_type in MEDIA_TYPES}
    for page in before.values():
        _check_yanked(page, False)

    yank(session, "sample", "1.0", "security issue")

    for media_type, old_page in before.items():
        # A client revalidating its copy of the old page is told it changed.
        etag = old_page.response.etag
        page = fetch_project(app, "sample", media_type, headers={"If-None-Match": f'"{etag}"'})
        _check_yanked(page, "security issue")
        assert page.response.etag != etag
