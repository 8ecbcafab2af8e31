"""Security history on the web: a user's own, and a project's for its owners (and admins)."""

from __future__ import annotations

from webtest import TestApp

from bastion.events import tags
from tests.factories.dists import build_wheel, upload
from tests.web.test_accounts import PASSWORD, sign_in


def test_a_user_sees_their_own_history(app, make_user):
    make_user("carol", password=PASSWORD)
    sign_in(app)
    page = app.get("/account/events/")
    assert tags.USER_LOGIN_SUCCESS in page.text
    assert "127.0.0.1" not in page.text  # raw addresses stay with the operators


def test_owners_and_admins_see_a_projects_history_and_others_do_not(app, make_user):
    owner = make_user("carol", password=PASSWORD)
    make_user("dave", password=PASSWORD)
    make_user("root", password=PASSWORD, is_admin=True)
    assert upload(app, build_wheel("carols-project"), owner).status_code == 200
    path = "/manage/project/carols-project/history/"

    sign_in(app)
    page = app.get(path)
    assert tags.PROJECT_FILE_UPLOADED in page.text
    assert "carols_project-1.0-py3-none-any.whl" in page.text

    stranger = TestApp(app.app)
    sign_in(stranger, "dave")
    assert stranger.get(path, status="*").status_code == 403

    admin = TestApp(app.app)
    sign_in(admin, "root")
    assert tags.PROJECT_CREATED in admin.get(path).text


def test_history_needs_a_signed_in_user(app):
    assert app.get("/account/events/").status_code == 303


def test_only_admins_see_the_whole_trail(app, make_user):
    make_user("carol", password=PASSWORD)
    make_user("root", password=PASSWORD, is_admin=True)
    sign_in(app)
    assert app.get("/admin/events/", status="*").status_code == 403
    admin = TestApp(app.app)
    sign_in(admin, "root")
    page = admin.get("/admin/events/")
    assert page.text.count(tags.USER_LOGIN_SUCCESS) == 2  # carol's and root's
