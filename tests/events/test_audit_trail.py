"""The audit trail: uploads and project creation are recorded, and nothing can erase them.

The database itself refuses to update or delete an event (triggers, on SQLite and
PostgreSQL), except clearing the raw IP address when its retention ends.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from webtest import TestApp

from bastion.events import tags
from bastion.events.models import SecurityEvent
from bastion.events.services import events_for
from bastion.packaging.models import Project
from tests.factories.dists import build_wheel, upload

CLIENT_IP = "203.0.113.9"


@pytest.fixture
def client(app):
    """The app as seen from CLIENT_IP, with a user agent."""
    return TestApp(app.app, extra_environ={"REMOTE_ADDR": CLIENT_IP, "HTTP_USER_AGENT": "twine/6"})


def _events(session, **filters):
    session.expire_all()
    return [(e.tag, e.actor_name, e.project_name) for e in events_for(session, **filters)]


def test_an_upload_records_who_uploaded_what_from_where(client, session, make_user):
    alice = make_user("alice")
    assert upload(client, build_wheel(), alice).status_code == 200
    project = session.scalars(select(Project)).one()
    events = events_for(session, project_id=project.id)
    assert [e.tag for e in events] == [tags.PROJECT_FILE_UPLOADED, tags.PROJECT_CREATED]
    uploaded = events[0]
    assert uploaded.actor_name == "alice"
    assert uploaded.details["filename"] == "sample_project-1.0-py3-none-any.whl"
    assert uploaded.details["method"] == "password"
    assert uploaded.details["token"] is None
    assert uploaded.ip_address == CLIENT_IP
    assert uploaded.ip_hash is not None
    assert CLIENT_IP not in uploaded.ip_hash
    assert len(uploaded.ip_hash) == 64
    assert uploaded.user_agent == "twine/6"


def test_the_same_address_hashes_the_same_and_others_differ(app, session, make_user):
    alice = make_user("alice")
    for ip, name in [("198.51.100.1", "one"), ("198.51.100.1", "two"), ("198.51.100.2", "three")]:
        client = TestApp(app.app, extra_environ={"REMOTE_ADDR": ip})
        assert upload(client, build_wheel(name), alice).status_code == 200
    hashes = session.scalars(
        select(SecurityEvent.ip_hash)
        .where(SecurityEvent.tag == tags.PROJECT_FILE_UPLOADED)
        .order_by(SecurityEvent.id)
    ).all()
    assert hashes[0] == hashes[1] != hashes[2]


def test_a_refused_upload_records_nothing(client, session, make_user):
    alice = make_user("alice")
    upload(client, build_wheel(), alice, sha256_digest="0" * 64, status=400)
    assert session.scalars(select(SecurityEvent)).all() == []


def test_events_outlive_their_project(client, session, make_user):
    alice = make_user("alice")
    assert upload(client, build_wheel(), alice).status_code == 200
    session.execute(delete(Project))
    session.commit()
    assert _events(session, project_name="sample-project") == [
        (tags.PROJECT_FILE_UPLOADED, "alice", "sample-project"),
        (tags.PROJECT_CREATED, "alice", "sample-project"),
    ]


@pytest.fixture
def recorded(client, session, make_user) -> int:
    """The id of one recorded event."""
    assert upload(client, build_wheel(), make_user("alice")).status_code == 200
    return session.scalars(select(SecurityEvent.id)).first()


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(delete(SecurityEvent), id="delete"),
        pytest.param(update(SecurityEvent).values(tag="user:login:success"), id="update-tag"),
        pytest.param(update(SecurityEvent).values(actor_name="mallory"), id="update-actor"),
        pytest.param(update(SecurityEvent).values(details={}), id="update-details"),
        pytest.param(update(SecurityEvent).values(ip_address="10.0.0.1"), id="rewrite-ip"),
    ],
)
def test_the_database_refuses_to_change_an_event(session, recorded, statement):
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(statement)
    session.rollback()
    assert session.get(SecurityEvent, recorded) is not None


def test_retention_may_clear_the_raw_address_and_nothing_else(session, recorded):
    session.execute(update(SecurityEvent).values(ip_address=None))
    session.commit()
    event = session.get_one(SecurityEvent, recorded)
    session.refresh(event)
    assert event.ip_address is None
    assert event.ip_hash is not None


@pytest.mark.postgresql
def test_truncate_is_refused_on_postgresql(session, recorded, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("TRUNCATE is PostgreSQL's")
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("TRUNCATE security_events"))
    session.rollback()
    assert session.get(SecurityEvent, recorded) is not None
