"""`bastion token create | list | revoke` and `bastion events`, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime
import json

import pytest
from sqlalchemy.orm import Session

from bastion.config import Settings
from bastion.db.engine import make_engines
from bastion.tokens.errors import InvalidTokenError
from bastion.tokens.services import TOKEN_PREFIX, TokenService

PASSWORD = "a long enough password"


@pytest.fixture
def alice(bastion):
    """An account called alice on the CLI's database."""
    result = bastion(
        "user", "create", "alice", "--email", "a@example.org", env={"BASTION_PASSWORD": PASSWORD}
    )
    assert result.exit_code == 0, result.output


@pytest.fixture
def verify(empty_database_url):
    """Verify a token against the CLI's database, as an upload would."""

    def check(token: str):
        engines = make_engines(Settings(database_url=empty_database_url))
        try:
            with Session(engines.writer) as session:
                return TokenService(session).verify(token)
        finally:
            engines.dispose()

    return check


def _create(bastion, *args: str, env: dict[str, str] | None = None) -> str:
    result = bastion("token", "create", "alice", "--name", "CI", *args, env=env)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.mark.usefixtures("alice")
def test_create_prints_only_the_token_on_stdout(bastion, verify):
    token = _create(bastion)
    assert token.startswith(TOKEN_PREFIX)
    assert "\n" not in token
    verified = verify(token)
    assert (verified.name, verified.project_ids) == ("CI", None)


@pytest.mark.usefixtures("alice")
def test_the_default_expiry_is_ninety_days(bastion, empty_database_url):
    token = _create(bastion)
    listed = bastion("token", "list", "alice")
    expected = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=90)).date()
    assert f"expires {expected.isoformat()}" in listed.output
    assert token not in listed.output


@pytest.mark.usefixtures("alice")
def test_a_token_that_never_expires_needs_the_setting(bastion, verify):
    refused = bastion("token", "create", "alice", "--name", "CI", "--expires", "never")
    assert refused.exit_code != 0
    assert "does not allow tokens that never expire" in refused.output
    token = _create(bastion, "--expires", "never", env={"BASTION_TOKEN_ALLOW_NO_EXPIRY": "1"})
    assert verify(token).name == "CI"


@pytest.mark.usefixtures("alice")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--project", "nothing-here"), "No project 'nothing-here'."),
        (("--expires", "0"), "at least 1 day"),
        (("--expires", "soon"), "a number of days, or 'never'"),
    ],
)
def test_create_refuses_what_it_cannot_honour(bastion, args, message):
    result = bastion("token", "create", "alice", "--name", "CI", *args)
    assert result.exit_code != 0
    assert message in result.output


def test_create_for_an_unknown_user_fails(bastion):
    assert bastion("init").exit_code == 0
    result = bastion("token", "create", "nobody", "--name", "CI")
    assert result.exit_code != 0
    assert "No user 'nobody'." in result.output


@pytest.mark.usefixtures("alice")
def test_revoke_ends_a_token_and_is_listed(bastion, verify):
    token = _create(bastion)
    token_id = bastion("token", "list", "alice").output.split()[0]
    revoked = bastion("token", "revoke", token_id)
    assert revoked.exit_code == 0, revoked.output
    with pytest.raises(InvalidTokenError, match="revoked"):
        verify(token)
    assert "REVOKED" in bastion("token", "list", "alice").output


@pytest.mark.usefixtures("alice")
def test_events_show_token_creation_and_revocation(bastion):
    _create(bastion)
    token_id = bastion("token", "list", "alice").output.split()[0]
    assert bastion("token", "revoke", token_id).exit_code == 0
    result = bastion("events", "--user", "alice", "--json")
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["tag"] for e in events] == ["user:token:revoked", "user:token:created"]
    assert {e["user"] for e in events} == {"alice"}
    assert events[1]["details"]["name"] == "CI"
    assert events[1]["actor"] is None  # the command line
    lines = bastion("events", "--user", "alice").output.splitlines()
    assert "user:token:created  by (command line)  user=alice" in lines[1]
