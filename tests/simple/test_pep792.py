"""PEP 792: a project page states the project's status: `pypi:project-status` (and, with a
reason, `pypi:project-status-reason`) meta tags in HTML, a top-level `project-status` object
with `status` and `reason` in JSON. Every project is `active` until moderation exists; other
statuses are set through the model here, as that moderation service will.
"""

from __future__ import annotations

from tests.factories.dists import build_wheel
from tests.simple.pages import JSON, MEDIA_TYPES, fetch_project
from tests.simple.publishing import publish, set_status


def test_new_project_is_active_then_shows_a_set_status_and_reason(app, make_user, session):
    publish(app, make_user(), build_wheel("sample", "1.0"))

    for media_type in MEDIA_TYPES:
        page = fetch_project(app, "sample", media_type)

        assert (page.status, page.status_reason) == ("active", None), media_type
        if media_type == JSON:
            assert page.response.json["project-status"] == {"status": "active"}
            assert "project-status" not in page.response.json["meta"]
        else:
            assert '<meta name="pypi:project-status" content="active">' in page.response.text

    set_status(session, "sample", "archived", 'Moved to "sample2" <see docs>')

    for media_type in MEDIA_TYPES:
        page = fetch_project(app, "sample", media_type)

        assert (page.status, page.status_reason) == ("archived", 'Moved to "sample2" <see docs>')
        if media_type == JSON:
            assert page.response.json["project-status"] == {
                "status": "archived",
                "reason": 'Moved to "sample2" <see docs>',
            }
        else:
            assert "&lt;see docs&gt;" in page.response.text
