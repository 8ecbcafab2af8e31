"""Accounts on the web, through the real app with WebTest (which keeps cookies like a browser).

Covers: register and verify the email from the outbox; sign in and out with server-side
sessions (new session id at sign-in, so no fixation; signing out ends it on the server);
password change and reset end other sessions; reset links work once; CSRF on every form;
cookie flags; a session cookie is no credential for the upload API; and no password, hash,
cookie or link secret in the logs.
"""

from __future__ import annotations

import email
import logging
import re
import socket
from pathlib import Path

import pytest
from sqlalchemy import select
from webtest import TestApp

from bastion.accounts.models import User, WebSession
from bastion.events import tags
from bastion.events.models import SecurityEvent
from tests.factories.dists import build_wheel, upload_fields

PASSWORD = "quiet-walrus-harbour-91"
NEW_PASSWORD = "amber-lantern-orchid-47"


def submit(app: TestApp, page: str, action: str, **fields: str):
    """Load `page`, fill the form posting to `action` like a person would, and submit it."""
    response = app.get(page)
    form = next(f for f in response.forms.values() if f.action == action)
    for name, value in fields.items():
        form[name] = value
    return form.submit(status="*")


def outbox(settings) -> list[email.message.Message]:
    directory: Path = settings.data_dir / "outbox"
    files = sorted(directory.glob("*.eml")) if directory.exists() else []
    return [email.message_from_bytes(path.read_bytes()) for path in files]


def link_in(message: email.message.Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    found = re.search(r"http://localhost(/account/\S+)", payload.decode())
    assert found, payload
    return found.group(1)


def register(app: TestApp, username: str = "carol", password: str = PASSWORD):
    return submit(
        app,
        "/account/register",
        "/account/register",
        username=username,
        email=f"{username}@example.org",
        password=password,
        password_confirm=password,
    )


def sign_in(app: TestApp, username: str = "carol", password: str = PASSWORD):
    return submit(app, "/account/login", "/account/login", username=username, password=password)


def session_cookie(app: TestApp) -> str | None:
    return app.cookies.get("bastion_session")


def test_register_signs_in_and_mails_a_verification_link(app, settings, session):
    response = register(app)
    assert response.status_code == 303
    assert "/account/?done=Welcome" in response.location
    cookie_header = next(
        h for h in response.headerlist if h[0] == "Set-Cookie" and "bastion_session" in h[1]
    )[1]
    assert "HttpOnly" in cookie_header
    assert "SameSite=Lax" in cookie_header
    assert "Secure" not in cookie_header
    assert "not verified yet" in app.get("/account/").text

    (message,) = outbox(settings)
    assert message["To"] == "carol@example.org"
    link = link_in(message)
    assert app.get(link).status_code == 200  # opening the link alone changes nothing
    assert not session.scalars(select(User.email_verified)).one()
    session.rollback()
    assert "is verified" in submit(app, link, link).text
    assert "not verified yet" not in app.get("/account/").text
    assert session.scalars(select(User.email_verified)).one()
    session.rollback()
    assert "unknown, used or expired" in submit(app, link, link).text


def test_registration_refuses_a_weak_password_and_keeps_the_form(app, session):
    response = register(app, password="password1")
    assert response.status_code == 200
    assert "carol@example.org" in response.text
    assert session.scalars(select(User)).all() == []


def test_cookies_are_secure_when_the_index_is_served_over_https(app_with):
    # As behind a TLS proxy: https requests, whose forms a browser posts with an Origin.
    browser = TestApp(
        app_with(https=True).app,
        extra_environ={"wsgi.url_scheme": "https", "HTTP_ORIGIN": "https://localhost"},
    )
    response = register(browser)
    assert response.status_code == 303
    cookies = [value for name, value in response.headerlist if name == "Set-Cookie"]
    assert any(cookie.startswith("bastion_session=") for cookie in cookies)
    assert all("secure" in cookie.lower() for cookie in cookies), cookies


def test_a_form_posted_from_another_origin_over_https_is_refused(app_with):
    browser = TestApp(
        app_with(https=True).app,
        extra_environ={"wsgi.url_scheme": "https", "HTTP_ORIGIN": "https://evil.example"},
    )
    assert register(browser).status_code == 403


def test_a_form_without_its_csrf_token_is_refused(app, make_user):
    make_user("carol", password=PASSWORD)
    response = app.post("/account/login", {"username": "carol", "password": PASSWORD}, status="*")
    assert response.status_code == 403
    assert "CSRF" in response.text
    app.get("/account/login")  # now the browser has a token cookie, but the form lacks it
    response = app.post(
        "/account/login",
        {"username": "carol", "password": PASSWORD, "csrf_token": "guessed"},
        status="*",
    )
    assert response.status_code == 403
    assert session_cookie(app) is None


def test_sign_in_always_starts_a_new_session(app, make_user):
    make_user("carol", password=PASSWORD)
    # An attacker plants a session id of their choosing: it is not adopted.
    app.set_cookie("bastion_session", "planted-by-an-attacker")
    assert sign_in(app).status_code == 303
    first = session_cookie(app)
    assert first not in {None, "planted-by-an-attacker"}
    app.post("/account/logout", {"csrf_token": app.cookies["csrf_token"]}, status=303)
    assert sign_in(app).status_code == 303
    assert session_cookie(app) != first


def test_a_wrong_password_is_refused_and_audited(app, make_user, session):
    make_user("carol", password=PASSWORD)
    response = sign_in(app, password="not it at all")
    assert response.status_code == 200
    assert "Invalid or non-existent authentication information" in response.text
    assert session_cookie(app) is None
    assert tags.USER_LOGIN_FAILURE in session.scalars(select(SecurityEvent.tag)).all()


def test_signing_out_ends_the_session_on_the_server(app, make_user, session):
    make_user("carol", password=PASSWORD)
    sign_in(app)
    cookie = session_cookie(app)
    app.post("/account/logout", {"csrf_token": app.cookies["csrf_token"]}, status=303)
    assert session.scalars(select(WebSession)).all() == []
    # Replaying the old cookie gets nobody.
    replay = TestApp(app.app)
    replay.set_cookie("bastion_session", cookie)
    assert replay.get("/account/").status_code == 303


def test_a_password_change_signs_out_every_other_session(app, make_user):
    make_user("carol", password=PASSWORD)
    laptop, phone = app, TestApp(app.app)
    sign_in(laptop)
    sign_in(phone)
    response = submit(
        laptop,
        "/account/",
        "/account/password",
        password=PASSWORD,
        new_password=NEW_PASSWORD,
        new_password_confirm=NEW_PASSWORD,
    )
    assert response.status_code == 303
    assert laptop.get("/account/").status_code == 200
    assert phone.get("/account/").status_code == 303  # back to the sign-in page
    fresh = TestApp(app.app)
    assert sign_in(fresh, password=PASSWORD).status_code == 200  # the old one is refused
    assert sign_in(fresh, password=NEW_PASSWORD).status_code == 303


def test_sign_out_everywhere_else(app, make_user):
    make_user("carol", password=PASSWORD)
    laptop, phone = app, TestApp(app.app)
    sign_in(laptop)
    sign_in(phone)
    response = submit(laptop, "/account/", "/account/sessions/end-others")
    assert response.status_code == 303
    assert "Signed out 1 other session" in laptop.get(response.location).text
    assert phone.get("/account/").status_code == 303


def test_a_reset_link_works_once_and_ends_every_session(app, make_user, settings):
    make_user("carol", password=PASSWORD)
    phone = TestApp(app.app)
    sign_in(phone)
    reset = TestApp(app.app)
    answer = submit(reset, "/account/reset-password", "/account/reset-password", username="carol")
    assert "If that account exists" in answer.text
    (message,) = outbox(settings)
    link = link_in(message)
    done = submit(reset, link, link, new_password=NEW_PASSWORD, new_password_confirm=NEW_PASSWORD)
    assert done.status_code == 303
    assert phone.get("/account/").status_code == 303
    again = submit(reset, link, link, new_password=PASSWORD, new_password_confirm=PASSWORD)
    assert again.status_code == 403
    assert sign_in(TestApp(app.app), password=NEW_PASSWORD).status_code == 303


def test_a_reset_for_an_unknown_account_answers_the_same_and_mails_nothing(app, settings):
    answer = submit(app, "/account/reset-password", "/account/reset-password", username="nobody")
    assert "If that account exists" in answer.text
    assert outbox(settings) == []


def test_a_reset_with_a_weak_password_keeps_the_link_usable(app, make_user, settings):
    make_user("carol", password=PASSWORD)
    submit(app, "/account/reset-password", "/account/reset-password", username="carol")
    link = link_in(outbox(settings)[0])
    weak = submit(app, link, link, new_password="password1", new_password_confirm="password1")
    assert weak.status_code == 200
    good = submit(app, link, link, new_password=NEW_PASSWORD, new_password_confirm=NEW_PASSWORD)
    assert good.status_code == 303


def test_a_session_cookie_is_no_credential_for_the_upload_api(app, make_user):
    make_user("carol", password=PASSWORD)
    sign_in(app)
    dist = build_wheel()
    response = app.post(
        "/legacy/",
        params=upload_fields(dist),
        upload_files=[("content", dist.filename, dist.content)],
        status="*",
    )
    assert response.status_code == 401


def test_next_only_leads_within_the_site(app, make_user):
    make_user("carol", password=PASSWORD)
    response = submit(
        app, "/account/login?next=https://evil.example/", "/account/login",
        username="carol", password=PASSWORD,
    )  # fmt: skip
    assert response.location.endswith("/account/")


def test_failed_sign_ins_are_rate_limited(app_with, make_user):
    make_user("carol", password=PASSWORD)
    app = app_with(rate_limit_login_per_user="2/minute")
    for _ in range(2):
        assert sign_in(app, password="wrong wrong wrong").status_code == 200
    assert sign_in(app, password=PASSWORD).status_code == 429


@pytest.mark.usefixtures("make_user")
def test_no_secret_reaches_the_logs(app, settings, caplog):
    caplog.set_level(logging.DEBUG)
    register(app)
    sign_in(TestApp(app.app))
    reset = TestApp(app.app)
    submit(reset, "/account/reset-password", "/account/reset-password", username="carol")
    link = link_in(outbox(settings)[-1])
    submit(reset, link, link, new_password=NEW_PASSWORD, new_password_confirm=NEW_PASSWORD)
    logged = caplog.text
    assert logged  # the outbox does log each message it writes
    for secret in (PASSWORD, NEW_PASSWORD, link.rsplit("/", 1)[-1], session_cookie(app)):
        assert secret
        assert secret not in logged
    assert "$argon2" not in logged


def test_changing_the_email_tells_the_old_address_and_verifies_the_new(app, make_user, settings):
    make_user("carol", password=PASSWORD)
    sign_in(app)
    response = submit(
        app, "/account/", "/account/email", email="carol@new.example", password=PASSWORD
    )
    assert response.status_code == 303
    notice, verification = outbox(settings)
    assert notice["To"] == "carol@example.org"
    assert "changed from carol@example.org to carol@new.example" in notice.get_payload()
    assert verification["To"] == "carol@new.example"
    link = link_in(verification)
    assert "is verified" in submit(app, link, link).text


def test_changing_the_email_needs_the_password(app, make_user, settings):
    make_user("carol", password=PASSWORD)
    sign_in(app)
    response = submit(app, "/account/", "/account/email", email="x@evil.example", password="no")
    assert "Invalid or non-existent authentication information" in response.text
    assert outbox(settings) == []


def test_an_undeliverable_verification_mail_does_not_lose_the_account(app_with):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = TestApp(app_with(smtp_url=f"smtp://127.0.0.1:{port}?starttls=false").app)
    response = register(app)
    assert response.status_code == 303
    assert "could not send the verification mail" in app.get(response.location).text


def test_a_forged_host_header_never_reaches_a_mailed_link(app, make_user, settings):
    make_user("carol", password=PASSWORD)
    forged = TestApp(app.app, extra_environ={"HTTP_HOST": "evil.example"})
    page = forged.get("/account/reset-password")
    form = next(f for f in page.forms.values() if f.action == "/account/reset-password")
    form["username"] = "carol"
    refused = form.submit(status="*")
    assert refused.status_code == 500
    assert "must set base_url" in refused.text
    assert outbox(settings) == []


def test_mailed_links_use_the_configured_base_url(app_with, make_user, settings):
    make_user("carol", password=PASSWORD)
    app = TestApp(
        app_with(base_url="https://pypi.example.org").app,
        extra_environ={"HTTP_HOST": "evil.example"},
    )
    submit(app, "/account/reset-password", "/account/reset-password", username="carol")
    (message,) = outbox(settings)
    body = message.get_payload()
    assert "https://pypi.example.org/account/reset-password/" in body
    assert "evil.example" not in body
