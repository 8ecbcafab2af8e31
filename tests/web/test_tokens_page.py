"""API tokens on the web: created with a scope and expiry, shown once, usable with twine's
protocol, revocable, and refused to accounts without a second factor under the 2FA policy.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from bastion.tokens.models import ApiToken
from tests.conftest import basic_auth
from tests.factories.dists import build_wheel, upload
from tests.upload.checks import assert_refused
from tests.web.test_accounts import PASSWORD, sign_in
from tests.web.test_two_factor import set_up_totp

TOKEN = re.compile(r'<code id="new-token">(bastion-[^<]+)</code>')


def create(app, **fields):
    page = app.get("/account/tokens/")
    form = next(f for f in page.forms.values() if f.action == "/account/tokens/")
    for name, value in fields.items():
        if name == "project":
            for checkbox in form.fields["project"]:
                checkbox.checked = checkbox._value in value
        else:
            form[name] = value
    return form.submit(status="*")


def test_a_project_scoped_token_is_shown_once_and_uploads_only_there(app, make_user, session):
    auth = make_user("carol", password=PASSWORD)
    assert upload(app, build_wheel("mine", "1.0"), auth).status_code == 200
    assert upload(app, build_wheel("other", "1.0"), auth).status_code == 200
    sign_in(app)
    assert session.scalars(select(ApiToken.id)).all() == []
    session.rollback()  # the test session's transaction would hold SQLite's write lock
    page = create(app, name="CI", scope="projects", project=["1"], expires="30")
    assert page.headers["Cache-Control"] == "no-store"
    token = TOKEN.search(page.text)
    assert token
    assert "username = __token__" in page.text
    assert token.group(1) not in app.get("/account/tokens/").text  # once only

    token_auth = basic_auth("__token__", token.group(1))
    assert upload(app, build_wheel("mine", "2.0"), token_auth).status_code == 200
    refused = upload(app, build_wheel("other", "2.0"), token_auth)
    assert_refused(refused, 403, "is not scoped to the project 'other'")


def test_a_revoked_token_stops_working(app, make_user):
    make_user("carol", password=PASSWORD)
    sign_in(app)
    token = TOKEN.search(create(app, name="laptop", expires="7").text)
    assert token
    listing = app.get("/account/tokens/")
    revoke = next(f for f in listing.forms.values() if f.action.endswith("/revoke"))
    revoke.submit(status=303)
    assert "revoked" in app.get("/account/tokens/").text
    refused = upload(app, build_wheel(), basic_auth("__token__", token.group(1)))
    assert_refused(refused, 403, "has been revoked")


def test_a_scope_outside_the_users_projects_is_refused(app, make_user, session):
    make_user("carol", password=PASSWORD)
    sign_in(app)
    page = app.get("/account/tokens/")
    form = next(f for f in page.forms.values() if f.action == "/account/tokens/")
    fields = dict(form.submit_fields())
    fields.update(name="sneaky", scope="projects", project="999", expires="30")
    response = app.post("/account/tokens/", fields, status="*")
    assert "Choose at least one of your projects" in response.text
    assert session.scalars(select(ApiToken)).all() == []


def test_tokens_need_a_second_factor_under_the_policy(app_with, make_user):
    make_user("carol", password=PASSWORD)
    app = app_with(require_2fa=True)
    sign_in(app)
    assert "Add a" in app.get("/account/tokens/").text
    set_up_totp(app)
    assert TOKEN.search(create(app, name="CI", expires="30").text)
