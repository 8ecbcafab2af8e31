"""Rate limits on failed logins (per address, per account) and on project creation.

Each test runs with the in-process counter and, when BASTION_TEST_REDIS_URL names one, with
Redis (keys are unique per test, so tests on one Redis database do not meet).
"""

from __future__ import annotations

import uuid

import pytest
from webtest import TestApp

from tests.conftest import PASSWORD, REDIS_SKIP_REASON, REDIS_URL, basic_auth
from tests.factories.dists import build_wheel, upload
from tests.upload.checks import assert_refused


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def storage_url(request) -> str:
    if request.param == "memory":
        return "memory://"
    if not REDIS_URL:
        pytest.skip(REDIS_SKIP_REASON)
    return REDIS_URL


@pytest.fixture
def limited(app_with, storage_url):
    """`limited(ip)`: the app as seen from `ip`, with small limits."""
    app = app_with(
        rate_limit_storage_url=storage_url,
        # Ids restart in every test's database: keys must not meet across tests in Redis.
        rate_limit_key_prefix=f"test-{uuid.uuid4().hex}",
        rate_limit_login_per_ip="3/minute",
        rate_limit_login_per_user="5/minute",
        rate_limit_project_creation="2/hour",
    ).app

    def from_address(ip: str) -> TestApp:
        return TestApp(app, extra_environ={"REMOTE_ADDR": ip})

    return from_address


def _address() -> str:
    """An address no other test (or Redis run) has used."""
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


@pytest.fixture
def user(make_user) -> str:
    name = f"u{uuid.uuid4().hex[:10]}"
    make_user(name)
    return name


def test_failed_logins_from_one_address_are_limited(limited, user):
    client = limited(_address())
    wrong = basic_auth(user, "not the password")
    for _ in range(3):
        assert upload(client, build_wheel(), wrong).status_code == 403
    refused = upload(client, build_wheel(), wrong)
    assert_refused(refused, 429, "Too many failed logins: at most 3 per minute.")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Limit"] == "3"
    assert refused.headers["RateLimit-Remaining"] == "0"
    # Checked before the password: even the right one is not tried from there now.
    right = upload(client, build_wheel(), basic_auth(user, PASSWORD))
    assert right.status_code == 429
    # Another address is not affected.
    assert upload(limited(_address()), build_wheel(), basic_auth(user, PASSWORD)).status_code == 200


def test_failed_logins_for_one_account_are_limited_across_addresses(limited, user):
    wrong = basic_auth(user.upper(), "not the password")  # usernames compare case-insensitively
    for _ in range(5):
        assert upload(limited(_address()), build_wheel(), wrong).status_code == 403
    refused = upload(limited(_address()), build_wheel(), basic_auth(user, PASSWORD))
    assert_refused(refused, 429, "Too many failed logins: at most 5 per minute.")


def test_successful_logins_are_not_counted(limited, user):
    client = limited(_address())
    for version in ("1.0", "1.1", "1.2", "1.3"):
        dist = build_wheel(f"p-{user}", version)
        assert upload(client, dist, basic_auth(user, PASSWORD)).status_code == 200


def test_bad_tokens_count_against_the_address(limited):
    client = limited(_address())
    bad = basic_auth("__token__", "bastion-garbage")
    for _ in range(3):
        assert upload(client, build_wheel(), bad).status_code == 403
    assert upload(client, build_wheel(), bad).status_code == 429


def test_project_creation_is_limited_per_account(limited, user, unchanged):
    client = limited(_address())
    auth = basic_auth(user, PASSWORD)
    for index in range(2):
        assert upload(client, build_wheel(f"{user}-{index}"), auth).status_code == 200
    with unchanged():
        refused = upload(client, build_wheel(f"{user}-2"), auth)
    assert_refused(refused, 429, "Too many new projects: at most 2 per hour.")
    # New releases of existing projects are not project creation.
    assert upload(client, build_wheel(f"{user}-0", "2.0"), auth).status_code == 200
