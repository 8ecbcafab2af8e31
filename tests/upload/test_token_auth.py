"""Uploading with API tokens (`__token__` and a macaroon), and every way a token is refused.

The caveat matrix: scope x expiry x revocation x role loss x tampering, each case through the
real upload API, each refusal a 403 with its own reason and nothing left behind.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
from collections.abc import Callable

import pytest
from pymacaroons import Macaroon
from sqlalchemy import select

from bastion.accounts.services import UserService
from bastion.db.types import utcnow
from bastion.packaging.models import Project, Role
from bastion.tokens.caveats import Restrictions
from bastion.tokens.models import ApiToken
from bastion.tokens.services import TOKEN_PREFIX, TokenService
from tests.conftest import basic_auth
from tests.factories.dists import build_wheel, upload
from tests.upload.checks import assert_refused

DAY = datetime.timedelta(days=1)


def token_auth(token: str) -> dict[str, str]:
    return basic_auth("__token__", token)


@pytest.fixture
def make_token(session) -> Callable[..., str]:
    """Create a token for `username` with the given restrictions; returns the token."""

    def make(
        username: str = "alice",
        *,
        projects: list[str] | None = None,
        not_before: datetime.datetime | None = None,
        expires: datetime.datetime | str | None = "default",
        name: str = "ci",
    ) -> str:
        user = UserService(session).find_by_username(username)
        assert user is not None
        ids = None
        if projects is not None:
            ids = frozenset(
                session.scalars(select(Project.id).where(Project.normalized_name.in_(projects)))
            )
        now = utcnow()
        restrictions = Restrictions(
            user_id=user.id,
            project_ids=ids,
            not_before=not_before or now - datetime.timedelta(minutes=1),
            expires=now + 30 * DAY if expires == "default" else expires,  # type: ignore[arg-type]
        )
        _, token = TokenService(session).create(user.id, name, restrictions)
        session.commit()
        return token

    return make


@pytest.fixture
def projects(app, alice):
    """alice owns "sample-project" and "other-project" (uploaded with her password)."""
    assert upload(app, build_wheel("sample-project", "0.1"), alice).status_code == 200
    assert upload(app, build_wheel("other-project", "0.1"), alice).status_code == 200


def _tampered(token: str, change: Callable[[str], str]) -> str:
    """The token with its caveats edited in place, signature left as it was."""
    macaroon = Macaroon.deserialize(token.removeprefix(TOKEN_PREFIX))
    forged = Macaroon(location=macaroon.location, identifier=macaroon.identifier, key=b"x" * 32)
    for caveat in macaroon.caveats:
        forged.add_first_party_caveat(change(caveat.caveat_id))
    forged.signature = macaroon.signature  # type: ignore[misc]
    return TOKEN_PREFIX + forged.serialize()


@dataclasses.dataclass(frozen=True)
class Case:
    """One cell of the matrix: how the token is made, and what the upload gets."""

    projects: list[str] | None = None
    expires_in: datetime.timedelta | None = 30 * DAY
    not_before_in: datetime.timedelta | None = None
    revoked: bool = False
    role_lost: bool = False
    tamper: Callable[[str], str] | None = None
    target: str = "sample-project"
    reason: str | None = None  # None: accepted


def _widen(caveat: str) -> str:
    return caveat.replace('"ids":[1]', '"ids":[1,2]').replace('"ids":[2]', '"ids":[1,2]')


def _extend(caveat: str) -> str:
    return caveat.replace('"exp":', '"exp":9').replace('"nbf":', '"nbf":1')


MATRIX = {
    "account-wide": Case(),
    "scoped-to-target": Case(projects=["sample-project"]),
    "scoped-to-both": Case(projects=["sample-project", "other-project"]),
    "scoped-elsewhere": Case(
        projects=["other-project"],
        reason="The API token 'ci' is not scoped to the project 'sample-project'.",
    ),
    "scoped-new-project": Case(
        projects=["sample-project"],
        target="brand-new",
        reason="The API token 'ci' is scoped to projects: it cannot create a new project.",
    ),
    "account-wide-new-project": Case(target="brand-new"),
    "never-expires": Case(expires_in=None),
    "expired": Case(expires_in=-DAY, reason="Invalid API token: it expired at"),
    "expired-and-scoped": Case(
        projects=["sample-project"], expires_in=-DAY, reason="Invalid API token: it expired at"
    ),
    "not-yet-valid": Case(not_before_in=DAY, reason="Invalid API token: it is not valid before"),
    "revoked": Case(revoked=True, reason="Invalid API token: it has been revoked."),
    "revoked-and-expired": Case(
        revoked=True, expires_in=-DAY, reason="Invalid API token: it has been revoked."
    ),
    "role-lost": Case(role_lost=True, reason="The user 'alice' isn't allowed to upload to project"),
    "role-lost-scoped": Case(
        projects=["sample-project"],
        role_lost=True,
        reason="The user 'alice' isn't allowed to upload to project",
    ),
    "tampered-scope": Case(
        projects=["other-project"],
        tamper=_widen,
        reason="Invalid API token: its signature does not match: it was altered.",
    ),
    "tampered-expiry": Case(
        expires_in=-DAY,
        tamper=_extend,
        reason="Invalid API token: its signature does not match: it was altered.",
    ),
}


@pytest.mark.usefixtures("projects")
@pytest.mark.parametrize("label", list(MATRIX))
def test_token_caveat_matrix(app, session, make_token, unchanged, label):
    case = MATRIX[label]
    now = utcnow()
    token = make_token(
        projects=case.projects,
        expires=now + case.expires_in if case.expires_in is not None else None,
        not_before=now + case.not_before_in if case.not_before_in else None,
    )
    if case.revoked:
        token_id = session.scalars(select(ApiToken.id)).one()
        TokenService(session).revoke(token_id)
        session.commit()
    if case.role_lost:
        session.execute(Role.__table__.delete())
        session.commit()
    if case.tamper is not None:
        token = _tampered(token, case.tamper)
    dist = build_wheel(case.target, "1.0")
    if case.reason is None:
        assert upload(app, dist, token_auth(token)).status_code == 200
        return
    with unchanged():
        response = upload(app, dist, token_auth(token))
    assert_refused(response, 403, case.reason)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        pytest.param("pypi-AgEIcHlwaS5vcmc", "start with 'bastion-'", id="foreign-prefix"),
        pytest.param("bastion-", "it is malformed", id="empty"),
        pytest.param("bastion-!!!!", "it is malformed", id="garbage"),
        pytest.param(
            TOKEN_PREFIX + Macaroon(location="x", identifier="nope", key=b"k").serialize(),
            "it is unknown here",
            id="unknown-id",
        ),
    ],
)
def test_a_token_that_is_not_one_of_ours_is_refused(app, alice, token, reason):
    response = upload(app, build_wheel(), token_auth(token))
    assert_refused(response, 403, reason)


@pytest.mark.usefixtures("projects")
def test_a_holder_may_narrow_a_token_but_not_widen_it(app, make_token):
    token = make_token()
    macaroon = Macaroon.deserialize(token.removeprefix(TOKEN_PREFIX))
    # Attenuation needs no key: anyone holding the token can add caveats, which only narrow.
    project_id = 2  # other-project, the second one created
    macaroon.add_first_party_caveat(f'{{"ids":[{project_id}],"t":"projects"}}')
    narrowed = TOKEN_PREFIX + macaroon.serialize()
    assert upload(app, build_wheel("other-project", "1.0"), token_auth(narrowed)).status_code == 200
    response = upload(app, build_wheel("sample-project", "1.0"), token_auth(narrowed))
    assert_refused(response, 403, "is not scoped to the project 'sample-project'")


@pytest.mark.usefixtures("projects")
def test_an_unknown_caveat_refuses_the_token(app, make_token):
    macaroon = Macaroon.deserialize(make_token().removeprefix(TOKEN_PREFIX))
    macaroon.add_first_party_caveat('{"t":"ip","cidr":"10.0.0.0/8"}')
    response = upload(app, build_wheel(), token_auth(TOKEN_PREFIX + macaroon.serialize()))
    assert_refused(response, 403, "it carries a caveat this index does not understand")


@pytest.mark.usefixtures("projects")
def test_a_token_for_another_account_cannot_be_rebound(app, make_user, make_token, session):
    # bob's token with alice's user caveat appended: every caveat must hold, so it fails.
    make_user("bob")
    macaroon = Macaroon.deserialize(make_token("bob").removeprefix(TOKEN_PREFIX))
    alice = UserService(session).find_by_username("alice")
    assert alice is not None
    macaroon.add_first_party_caveat(f'{{"id":{alice.id},"t":"user"}}')
    response = upload(app, build_wheel(), token_auth(TOKEN_PREFIX + macaroon.serialize()))
    assert_refused(response, 403, "it belongs to another account")


@pytest.mark.usefixtures("projects")
def test_a_successful_upload_marks_the_token_used(app, session, make_token):
    token = make_token()
    assert session.scalars(select(ApiToken.last_used)).one() is None
    session.rollback()  # the test session's transaction would hold SQLite's write lock
    assert upload(app, build_wheel("sample-project", "1.0"), token_auth(token)).status_code == 200
    session.expire_all()
    last_used = session.scalars(select(ApiToken.last_used)).one()
    assert last_used is not None
    assert utcnow() - last_used < datetime.timedelta(minutes=1)


def test_the_token_itself_never_reaches_the_database(session, make_user, make_token):
    make_user("alice")
    token = make_token()
    row = session.scalars(select(ApiToken)).one()
    stored = " ".join(str(value) for value in vars(row).values())
    assert token.removeprefix(TOKEN_PREFIX) not in stored
    assert base64.urlsafe_b64encode(row.root_key).decode() not in token
