"""Uploads refused because of who sends them: no credentials, bad ones, or not a collaborator.

Each refusal answers 401 or 403 with the one-line reason in the status line and the body, and
leaves no row, no stored blob and no spooled request body behind.
"""

from __future__ import annotations

import pytest
from sqlalchemy import update

from bastion.accounts.models import User
from tests.conftest import PASSWORD, basic_auth
from tests.factories.dists import build_sdist, build_wheel, upload
from tests.upload.checks import assert_refused

INVALID_CREDENTIALS = "Invalid or non-existent authentication information."


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-header"),
        pytest.param({"Authorization": "Bearer some-token"}, id="not-basic"),
        pytest.param({"Authorization": "Basic %%%not-base64%%%"}, id="malformed-basic"),
    ],
)
def test_an_upload_without_credentials_is_refused_with_401(app, unchanged, headers):
    with unchanged():
        response = upload(app, build_wheel(), headers)
    assert_refused(response, 401, "Authentication required")
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Bastion"'


def test_a_wrong_password_is_refused_with_403(app, alice, unchanged):
    with unchanged():
        response = upload(app, build_wheel(), basic_auth("alice", "not the password"))
    assert_refused(response, 403, INVALID_CREDENTIALS)


def test_an_unknown_user_gets_the_same_line_as_a_wrong_password(app, alice, unchanged):
    with unchanged():
        unknown = upload(app, build_wheel(), basic_auth("mallory", PASSWORD))
        wrong = upload(app, build_wheel(), basic_auth("alice", "not the password"))
    assert assert_refused(unknown, 403, INVALID_CREDENTIALS) == wrong.status.split(" ", 1)[1]


def test_a_deactivated_account_cannot_upload(app, alice, session, unchanged):
    session.execute(update(User).where(User.username == "alice").values(is_active=False))
    session.commit()
    with unchanged():
        response = upload(app, build_wheel(), alice)
    assert_refused(response, 403, INVALID_CREDENTIALS)


def test_the_username_is_matched_without_regard_to_case(app, alice):
    assert upload(app, build_wheel(), basic_auth("ALICE", PASSWORD)).status_int == 200


@pytest.mark.parametrize("build", [build_wheel, build_sdist], ids=["wheel", "sdist"])
def test_a_user_without_a_role_cannot_upload_to_another_users_project(
    app, alice, bob, unchanged, build
):
    assert upload(app, build_wheel("sample-project", "1.0"), alice).status_int == 200
    with unchanged():
        response = upload(app, build("sample-project", "1.1"), bob)
    assert_refused(
        response, 403, "The user 'bob' isn't allowed to upload to project 'sample-project'"
    )


def test_a_user_without_a_role_cannot_add_a_file_to_an_existing_release(app, alice, bob, unchanged):
    assert upload(app, build_wheel("sample-project", "1.0"), alice).status_int == 200
    with unchanged():
        response = upload(app, build_sdist("sample-project", "1.0"), bob)
    assert_refused(response, 403, "isn't allowed to upload to project 'sample-project'")


@pytest.mark.parametrize("spelling", ["Foo_Bar", "FOO.BAR", "foo__bar", "Foo-bar"])
def test_a_name_equal_after_normalization_belongs_to_the_same_project(
    app, alice, bob, unchanged, spelling
):
    assert upload(app, build_wheel("foo-bar", "1.0"), alice).status_int == 200
    with unchanged():
        response = upload(app, build_wheel(spelling, "1.1"), bob)
    assert_refused(response, 403, "The user 'bob' isn't allowed to upload to project 'foo-bar'")


def test_a_stranger_re_uploading_an_existing_file_is_refused(app, alice, bob, unchanged):
    # Identical bytes answer 200 to their owner (a retry); to anyone else they are an upload
    # to a project that isn't theirs.
    dist = build_wheel()
    assert upload(app, dist, alice).status_int == 200
    with unchanged():
        response = upload(app, dist, bob)
    assert_refused(response, 403, "isn't allowed to upload to project 'sample-project'")
