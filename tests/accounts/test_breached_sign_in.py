"""A password found in a breach at web sign-in: no session, and a reset link by mail instead."""

from __future__ import annotations

from sqlalchemy import select

from bastion.events import tags
from bastion.events.models import SecurityEvent
from tests.accounts.conftest import BREACHED_PASSWORD, CLEAN_PASSWORD
from tests.web.test_accounts import outbox, session_cookie, sign_in


def test_a_breached_password_forces_a_reset(app_with, make_user, range_server, settings, session):
    make_user("carol", password=BREACHED_PASSWORD)
    app = app_with(breached_password_check="api", hibp_api_url=range_server.url)
    response = sign_in(app, password=BREACHED_PASSWORD)
    assert response.status_code == 200
    assert "appears in a known data breach" in response.text
    assert session_cookie(app) is None
    (message,) = outbox(settings)
    assert "/account/reset-password/" in message.get_payload()
    assert tags.USER_PASSWORD_BREACHED in session.scalars(select(SecurityEvent.tag)).all()


def test_a_clean_password_signs_in(app_with, make_user, range_server):
    make_user("carol", password=CLEAN_PASSWORD)
    app = app_with(breached_password_check="api", hibp_api_url=range_server.url)
    assert sign_in(app, password=CLEAN_PASSWORD).status_code == 303
    assert len(range_server.requests) == 1


def test_an_unreachable_breach_list_never_blocks_a_sign_in(app_with, make_user, unreachable_url):
    make_user("carol", password=BREACHED_PASSWORD)
    app = app_with(breached_password_check="api", hibp_api_url=unreachable_url)
    assert sign_in(app, password=BREACHED_PASSWORD).status_code == 303
