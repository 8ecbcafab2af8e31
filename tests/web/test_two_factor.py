"""Second factors through the real app.

TOTP set-up with codes from pyotp, the sign-in challenge, replay refusal, recovery codes,
removal, and the 2FA policy on uploads.
"""

from __future__ import annotations

import datetime
import re

import pyotp
import pytest
from sqlalchemy import select
from webtest import TestApp

from bastion.accounts.models import User
from bastion.accounts.secretbox import SecretBox
from bastion.events import tags
from bastion.events.models import SecurityEvent
from bastion.server_secret import server_secret
from tests.conftest import basic_auth
from tests.factories.dists import build_wheel, upload
from tests.upload.checks import assert_refused
from tests.web.test_accounts import PASSWORD, session_cookie, sign_in, submit

STEP = datetime.timedelta(seconds=30)


def set_up_totp(app: TestApp) -> tuple[pyotp.TOTP, list[str]]:
    """Turn TOTP on for the signed-in user; returns the app's TOTP and the recovery codes."""
    begun = submit(app, "/account/two-factor/", "/account/two-factor/totp/begin")
    page = app.get(begun.location)
    assert 'src="data:image/svg+xml' in page.text  # the QR code, drawn by the index itself
    secret = re.search(r'class="totp-key">([A-Z2-7]+)<', page.text)
    assert secret
    totp = pyotp.TOTP(secret.group(1))
    shown = submit(app, "/account/two-factor/totp", "/account/two-factor/totp", code=totp.now())
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    codes = re.findall(r"<code>([a-z2-9]{4}(?:-[a-z2-9]{4}){3})</code>", shown.text)
    assert len(codes) == 8
    return totp, codes


def answer_challenge(app: TestApp, code: str):
    return submit(app, "/account/login/two-factor", "/account/login/two-factor", code=code)


@pytest.fixture
def carol(make_user, app):
    """carol, signed in on `app`, with TOTP on (the TOTP and her recovery codes)."""
    make_user("carol", password=PASSWORD)
    sign_in(app)
    return set_up_totp(app)


def test_totp_setup_stores_the_secret_encrypted(app, carol, session, settings):
    totp, _ = carol
    stored = session.scalars(select(User.totp_secret)).one()
    assert stored is not None
    assert totp.secret.encode() not in stored
    assert SecretBox.from_server_secret(server_secret(settings)).open(stored) == totp.secret
    assert SecretBox.from_server_secret(b"another index's secret").open(stored) is None
    added = session.scalars(
        select(SecurityEvent.tag).where(SecurityEvent.tag == tags.USER_2FA_ADDED)
    ).all()
    assert added == [tags.USER_2FA_ADDED]


def test_a_wrong_code_does_not_turn_totp_on(app, make_user, session):
    make_user("carol", password=PASSWORD)
    sign_in(app)
    begun = submit(app, "/account/two-factor/", "/account/two-factor/totp/begin")
    page = submit(app, begun.location, "/account/two-factor/totp", code="000000")
    assert "That code is not right" in page.text
    assert session.scalars(select(User.totp_secret)).one() is None


def test_sign_in_asks_for_the_code_before_any_session(app, carol):
    totp, _ = carol
    browser = TestApp(app.app)
    after_password = sign_in(browser)
    assert "/account/login/two-factor" in after_password.location
    assert session_cookie(browser) is None  # the password alone signs nobody in
    # The code accepted at set-up cannot be replayed: wait for the next step's code.
    signed_in = answer_challenge(browser, totp.at(datetime.datetime.now(datetime.UTC) + STEP))
    assert signed_in.status_code == 303
    assert session_cookie(browser) is not None
    assert browser.get("/account/").status_code == 200


def test_a_totp_code_is_accepted_once(app, carol):
    totp, _ = carol
    code = totp.at(datetime.datetime.now(datetime.UTC) + STEP)
    first = TestApp(app.app)
    sign_in(first)
    assert answer_challenge(first, code).status_code == 303
    second = TestApp(app.app)
    sign_in(second)
    replay = answer_challenge(second, code)
    assert "was used already" in replay.text
    assert session_cookie(second) is None


def test_a_recovery_code_works_once_and_is_audited(app, carol, session):
    _, codes = carol
    browser = TestApp(app.app)
    sign_in(browser)
    assert answer_challenge(browser, codes[0].upper()).status_code == 303  # any case
    again = TestApp(app.app)
    sign_in(again)
    assert "was used already" in answer_challenge(again, codes[0]).text
    used = session.scalars(
        select(SecurityEvent.tag).where(SecurityEvent.tag == tags.USER_RECOVERY_CODE_USED)
    ).all()
    assert used == [tags.USER_RECOVERY_CODE_USED]


def test_the_challenge_needs_the_password_step_first(app, carol):
    stranger = TestApp(app.app)
    response = stranger.get("/account/login/two-factor")
    assert response.status_code == 303
    assert response.location.endswith("/account/login")


def test_second_factor_attempts_are_rate_limited(app_with, make_user):
    make_user("carol", password=PASSWORD)
    app = app_with(rate_limit_login_per_user="3/minute")
    sign_in(app)
    set_up_totp(app)
    browser = TestApp(app.app)
    sign_in(browser)
    for _ in range(2):  # the password step counted no failure; these two do
        assert answer_challenge(browser, "123456").status_code == 200
    assert answer_challenge(browser, "123456").status_code == 200
    assert answer_challenge(browser, "123456").status_code == 429


def test_removing_totp_needs_a_fresh_code(app, carol, session):
    _, codes = carol
    wrong = submit(app, "/account/two-factor/", "/account/two-factor/totp/remove", code="000000")
    assert "That code is not right" in app.get(wrong.location).text
    assert session.scalars(select(User.totp_secret)).one() is not None
    session.rollback()
    submit(app, "/account/two-factor/", "/account/two-factor/totp/remove", code=codes[1])
    assert session.scalars(select(User.totp_secret)).one() is None


def test_new_recovery_codes_replace_the_old(app, carol):
    totp, old = carol
    shown = submit(
        app,
        "/account/two-factor/",
        "/account/two-factor/recovery-codes",
        code=totp.at(datetime.datetime.now(datetime.UTC) + STEP),
    )
    new = re.findall(r"<code>([a-z2-9-]{19})</code>", shown.text)
    assert len(new) == 8
    assert not set(new) & set(old)
    browser = TestApp(app.app)
    sign_in(browser)
    assert "was used already" in answer_challenge(browser, old[2]).text
    assert answer_challenge(browser, new[2]).status_code == 303


def test_the_policy_refuses_uploads_from_accounts_without_a_second_factor(app_with, make_user):
    auth = make_user("carol", password=PASSWORD)
    app = app_with(require_2fa=True)
    refused = upload(app, build_wheel(), auth)
    assert_refused(refused, 403, "This index requires two-factor authentication")
    assert "http://localhost/account/two-factor/" in refused.text
    sign_in(app)
    set_up_totp(app)
    assert upload(app, build_wheel(), basic_auth("carol", PASSWORD)).status_code == 200
