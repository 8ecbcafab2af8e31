"""Security keys and passkeys (WebAuthn) through the real app, with a software authenticator.

Registration and sign-in with real signed objects; a wrong origin, another site's RP id, a
cloned key (its counter going backwards) and a replayed answer refused; removal after a fresh
check; and the 2FA policy counting a key as a second factor.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from webtest import TestApp

from bastion.accounts.models import WebAuthnCredential
from bastion.events import tags
from bastion.events.models import SecurityEvent
from tests.conftest import basic_auth
from tests.factories.authenticator import SoftwareAuthenticator
from tests.factories.dists import build_wheel, upload
from tests.upload.checks import assert_refused
from tests.web.test_accounts import PASSWORD, session_cookie, sign_in, submit


def csrf(app: TestApp) -> dict[str, str]:
    """The header a page's script sends: the CSRF token the page was rendered with."""
    return {"X-CSRF-Token": app.cookies["csrf_token"]}


def add_key(app: TestApp, key: SoftwareAuthenticator, name: str = "blue key", **claims: str):
    """Register `key` for the signed-in user as webauthn.js does; the JSON response."""
    app.get("/account/two-factor/")
    options = app.post("/account/two-factor/keys/options", headers=csrf(app)).json
    answer = key.create(options, **claims)
    return app.post_json(
        "/account/two-factor/keys",
        {"name": name, "credential": answer},
        headers=csrf(app),
        status="*",
    )


def sign_in_with_key(app: TestApp, key: SoftwareAuthenticator, **claims):
    """Password, then the key, as webauthn.js does on the challenge page; the JSON response."""
    after_password = sign_in(app)
    assert "/account/login/two-factor" in after_password.location
    assert "Use a security key" in app.get(after_password.location).text
    options = app.post("/account/login/two-factor/key-options", headers=csrf(app)).json
    return app.post_json(
        "/account/login/two-factor/key",
        {"credential": key.get(options, **claims), "next": "/account/two-factor/"},
        headers=csrf(app),
        status="*",
    )


def rows(session, statement) -> list:
    """What the app committed, read without holding SQLite's write lock afterwards."""
    session.rollback()
    found = list(session.scalars(statement).all())
    session.rollback()
    return found


def event_tags(session, *wanted: str) -> list[str]:
    return rows(session, select(SecurityEvent.tag).where(SecurityEvent.tag.in_(wanted)))


@pytest.fixture
def carol_key(make_user, app):
    """carol, signed in on `app`, with one security key (and the recovery codes it brought)."""
    make_user("carol", password=PASSWORD)
    sign_in(app)
    key = SoftwareAuthenticator()
    added = add_key(app, key)
    assert added.status_code == 200, added.text
    assert added.headers["Cache-Control"] == "no-store"
    return key, added.json["recovery_codes"]


def test_a_key_is_registered_with_recovery_codes_and_listed(app, carol_key, session):
    key, codes = carol_key
    assert len(codes) == 8
    stored = rows(session, select(WebAuthnCredential))[0]
    assert stored.name == "blue key"
    assert stored.credential_id == key.credential_id
    assert stored.public_key == key.cose_public_key()
    assert (stored.sign_count, stored.transports) == (0, "usb,nfc")
    page = app.get("/account/two-factor/")
    assert "blue key" in page.text
    assert "webauthn.js" in page.text
    assert event_tags(session, tags.USER_2FA_ADDED, tags.USER_RECOVERY_CODES_CREATED) == [
        tags.USER_2FA_ADDED,
        tags.USER_RECOVERY_CODES_CREATED,
    ]


def test_a_second_key_brings_no_new_codes_and_names_must_differ(app, carol_key):
    same_name = add_key(app, SoftwareAuthenticator(), "blue key")
    assert same_name.status_code == 400
    assert "a key of this name exists" in same_name.json["error"]
    second = add_key(app, SoftwareAuthenticator(), "passkey on my phone")
    assert second.status_code == 200
    assert "recovery_codes" not in second.json
    key, _ = carol_key
    again = add_key(app, key, "the blue key again")
    assert "registered already" in again.json["error"]


def test_sign_in_with_a_key_after_the_password(app, carol_key, session):
    key, _ = carol_key
    browser = TestApp(app.app)
    signed_in = sign_in_with_key(browser, key)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json == {"redirect": "/account/two-factor/"}
    assert session_cookie(browser) is not None
    assert browser.get("/account/").status_code == 200
    stored = rows(session, select(WebAuthnCredential))[0]
    assert stored.sign_count == 1
    assert stored.last_used is not None
    assert tags.USER_WEBAUTHN_USED in event_tags(session, tags.USER_WEBAUTHN_USED)


def test_a_passkey_that_keeps_its_counter_at_zero_signs_in(app, make_user):
    make_user("carol", password=PASSWORD)
    sign_in(app)
    key = SoftwareAuthenticator(counting=False)
    assert add_key(app, key).status_code == 200
    for _ in range(2):
        assert sign_in_with_key(TestApp(app.app), key).status_code == 200


def test_an_answer_made_for_another_origin_is_refused(app, carol_key, session):
    key, _ = carol_key
    browser = TestApp(app.app)
    phished = sign_in_with_key(browser, key, origin="https://bastion.example.evil")
    assert phished.status_code == 403
    assert "refused" in phished.json["error"]
    assert session_cookie(browser) is None
    assert event_tags(session, tags.USER_2FA_FAILURE) == [tags.USER_2FA_FAILURE]
    registered = add_key(app, SoftwareAuthenticator(), "other", origin="https://evil.example")
    assert registered.status_code == 400
    assert "origin" in registered.json["error"]


def test_a_key_answering_for_another_rp_id_is_refused(app, carol_key):
    key, _ = carol_key
    browser = TestApp(app.app)
    other_site = sign_in_with_key(browser, key, rp_id="evil.example")
    assert other_site.status_code == 403
    assert session_cookie(browser) is None
    registered = add_key(app, SoftwareAuthenticator(), "other", rp_id="evil.example")
    assert registered.status_code == 400
    assert "RP ID" in registered.json["error"]


def test_a_cloned_key_is_refused_and_audited(app, carol_key, session):
    original, _ = carol_key
    clone = original.clone()
    assert sign_in_with_key(TestApp(app.app), original).status_code == 200  # counter 1
    assert sign_in_with_key(TestApp(app.app), original).status_code == 200  # counter 2
    browser = TestApp(app.app)
    cloned = sign_in_with_key(browser, clone)  # its counter goes to 1: backwards
    assert cloned.status_code == 403
    assert session_cookie(browser) is None
    assert event_tags(session, tags.USER_WEBAUTHN_CLONED) == [tags.USER_WEBAUTHN_CLONED]
    (event,) = rows(
        session, select(SecurityEvent).where(SecurityEvent.tag == tags.USER_WEBAUTHN_CLONED)
    )
    assert event.details["sign_count"] == 1
    assert event.details["last_sign_count"] == 2
    assert rows(session, select(WebAuthnCredential.sign_count)) == [2]
    # A counter that stays put is refused as well.
    assert sign_in_with_key(TestApp(app.app), original, sign_count=2).status_code == 403


def test_an_answer_cannot_be_replayed(app, carol_key):
    key, _ = carol_key
    browser = TestApp(app.app)
    sign_in(browser)
    options = browser.post("/account/login/two-factor/key-options", headers=csrf(browser)).json
    answer = key.get(options)
    body = {"credential": answer, "next": "/account/"}
    url = "/account/login/two-factor/key"
    assert browser.post_json(url, body, headers=csrf(browser)).status_code == 200
    replayer = TestApp(app.app)
    sign_in(replayer)
    replayed = replayer.post_json(url, body, headers=csrf(replayer), status="*")
    assert replayed.status_code == 403
    assert session_cookie(replayer) is None


def test_the_key_challenge_needs_the_password_step_and_a_csrf_token(app, carol_key):
    stranger = TestApp(app.app)
    stranger.get("/account/login")
    refused = stranger.post(
        "/account/login/two-factor/key-options", headers=csrf(stranger), status="*"
    )
    assert refused.status_code == 403
    browser = TestApp(app.app)
    sign_in(browser)
    no_token = browser.post("/account/login/two-factor/key-options", status="*")
    assert no_token.status_code == 403
    assert "CSRF" in no_token.text


def test_removing_a_key_needs_a_fresh_check(app, carol_key, session):
    _, codes = carol_key
    key_id = rows(session, select(WebAuthnCredential.id))[0]
    action = f"/account/two-factor/keys/{key_id}/remove"
    wrong = submit(app, "/account/two-factor/", action, code="000000")
    assert "That code is not right" in app.get(wrong.location).text
    assert rows(session, select(WebAuthnCredential.id)) == [key_id]
    done = submit(app, "/account/two-factor/", action, code=codes[0])
    assert "removed" in app.get(done.location).text
    assert rows(session, select(WebAuthnCredential.id)) == []
    assert event_tags(session, tags.USER_2FA_REMOVED) == [tags.USER_2FA_REMOVED]


def test_a_key_confirms_its_own_removal(app, carol_key, session):
    key, _ = carol_key
    key_id = rows(session, select(WebAuthnCredential.id))[0]
    app.get("/account/two-factor/")
    options = app.post("/account/two-factor/keys/check-options", headers=csrf(app)).json
    app.post(
        f"/account/two-factor/keys/{key_id}/remove",
        {"assertion": json.dumps(key.get(options)), "csrf_token": app.cookies["csrf_token"]},
    )
    assert rows(session, select(WebAuthnCredential.id)) == []


def test_the_origin_and_rp_id_come_from_the_settings(app_with, make_user, session):
    make_user("carol", password=PASSWORD)
    app = app_with(webauthn_origin="https://pypi.example")
    sign_in(app)
    app.get("/account/two-factor/")
    options = app.post("/account/two-factor/keys/options", headers=csrf(app)).json
    assert options["rp"]["id"] == "pypi.example"
    assert add_key(app, SoftwareAuthenticator()).status_code == 400  # http://localhost
    key = SoftwareAuthenticator(origin="https://pypi.example")
    assert add_key(app, key).status_code == 200


def test_the_policy_counts_a_key_as_a_second_factor(app_with, make_user):
    auth = make_user("carol", password=PASSWORD)
    app = app_with(require_2fa=True)
    assert_refused(upload(app, build_wheel(), auth), 403, "requires two-factor authentication")
    sign_in(app)
    assert add_key(app, SoftwareAuthenticator()).status_code == 200
    assert upload(app, build_wheel(), basic_auth("carol", PASSWORD)).status_code == 200
