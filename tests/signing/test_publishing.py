"""Every file the publisher writes verifies with python-tuf's client from the initial root."""

from __future__ import annotations

import datetime
import json

from sqlalchemy import select, update

from bastion.db.types import utcnow
from bastion.packaging.models import File, Project
from bastion.signing.bootstrap import embedded_keys
from bastion.signing.models import TufPendingChange, TufRole, TufTarget
from bastion.signing.publisher import Publisher
from bastion.signing.repository import initialize
from tests.factories.dists import build_sdist, build_wheel
from tests.signing.clients import initial_root, updater, verify_all_targets
from tests.simple.publishing import publish, yank


def test_an_upload_is_signed_with_its_simple_pages(signed_app, publisher, session, alice, tmp_path):
    root = initial_root(signed_app)
    wheel = build_wheel("Sample-Project", "1.0")
    sdist = build_sdist("Sample-Project", "1.0")
    publish(signed_app, alice, wheel, sdist)
    assert session.query(TufPendingChange).count() == 2
    session.rollback()  # end the read: on SQLite the publisher needs the write lock

    result = publisher.publish()

    assert result.changes == 2
    verified = verify_all_targets(signed_app, session, root, tmp_path / "client")
    assert set(verified) == {
        f"packages/sample-project/{wheel.filename}",
        f"packages/sample-project/{sdist.filename}",
        "simple/sample-project/index.json",
        "simple/sample-project/index.html",
    }
    assert verified[f"packages/sample-project/{wheel.filename}"] == wheel.content
    # The pages installers read are the very bytes TUF vouches for.
    served_json = signed_app.get(
        "/simple/sample-project/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    ).body
    assert verified["simple/sample-project/index.json"] == served_json
    served_html = signed_app.get("/simple/sample-project/", headers={"Accept": "text/html"}).body
    assert verified["simple/sample-project/index.html"] == served_html
    assert session.query(TufPendingChange).count() == 0


def _queue(session, project: str) -> None:
    """What the lifecycle services do with a change: queue the project, in its transaction."""
    session.add(TufPendingChange(project=project))
    session.commit()


def _targets(session) -> dict[str, tuple[int, str]]:
    rows = session.execute(select(TufTarget.path, TufTarget.length, TufTarget.sha256)).all()
    session.rollback()
    return {path: (length, sha256) for path, length, sha256 in rows}


def test_a_yank_re_signs_the_pages_and_keeps_the_files(
    signed_app, publisher, session, alice, tmp_path
):
    root = initial_root(signed_app)
    publish(signed_app, alice, build_wheel("yankee", "1.0"), build_wheel("yankee", "2.0"))
    publisher.publish()
    before = _targets(session)

    yank(session, "yankee", "2.0", reason="broken")
    _queue(session, "yankee")
    result = publisher.publish()

    after = _targets(session)
    assert result.changes == 1
    assert {path for path in after if path.startswith("packages/")} == {
        path for path in before if path.startswith("packages/")
    }
    assert after["simple/yankee/index.json"] != before["simple/yankee/index.json"]
    verified = verify_all_targets(signed_app, session, root, tmp_path / "client")
    page = json.loads(verified["simple/yankee/index.json"])
    assert {entry["yanked"] for entry in page["files"]} == {False, "broken"}


def test_a_deleted_file_is_no_longer_a_target(signed_app, publisher, session, alice, tmp_path):
    root = initial_root(signed_app)
    wheel, sdist = build_wheel("deleted", "1.0"), build_sdist("deleted", "1.0")
    publish(signed_app, alice, wheel, sdist)
    publisher.publish()

    session.delete(session.scalars(select(File).where(File.filename == sdist.filename)).one())
    session.commit()
    _queue(session, "deleted")
    publisher.publish()

    verified = verify_all_targets(signed_app, session, root, tmp_path / "client")
    assert f"packages/deleted/{sdist.filename}" not in verified
    assert f"packages/deleted/{wheel.filename}" in verified
    client = updater(signed_app, root, tmp_path / "client")
    assert client.get_targetinfo(f"packages/deleted/{sdist.filename}") is None
    page = json.loads(verified["simple/deleted/index.json"])
    assert [entry["filename"] for entry in page["files"]] == [wheel.filename]


def test_a_deleted_project_leaves_no_targets(signed_app, publisher, session, alice, tmp_path):
    root = initial_root(signed_app)
    publish(signed_app, alice, build_wheel("gone", "1.0"), build_wheel("kept", "1.0"))
    publisher.publish()

    session.delete(session.scalars(select(Project).where(Project.name == "gone")).one())
    session.commit()
    _queue(session, "gone")
    publisher.publish()

    verified = verify_all_targets(signed_app, session, root, tmp_path / "client")
    assert not [path for path in verified if "/gone/" in path]
    assert [path for path in verified if "/kept/" in path]


def test_nothing_to_do_signs_nothing(publisher, signed_app, session):
    publisher.publish()  # the first publish after init signs the fresh timestamp only if due
    versions = _role_versions(session)

    result = publisher.publish()

    assert result.snapshot_version is None
    assert _role_versions(session) == versions


def test_metadata_about_to_expire_is_re_signed(signed_app, publisher, session, alice, tmp_path):
    root = initial_root(signed_app)
    publish(signed_app, alice, build_wheel("fresh", "1.0"))
    publisher.publish()
    soon = utcnow() + datetime.timedelta(hours=1)
    session.execute(
        update(TufRole).where(TufRole.name.not_in(["root", "targets", "bins"])).values(expires=soon)
    )
    session.commit()
    before = _role_versions(session)

    result = publisher.publish()

    after = _role_versions(session)
    bins = [name for name in before if name.startswith("bin-")]
    assert result.bins == len(bins) == 16
    assert all(after[name] == before[name] + 1 for name in [*bins, "snapshot", "timestamp"])
    assert not publisher.has_work()
    # Everything the online key signs is good for another day, and verifies.
    client = updater(signed_app, root, tmp_path / "client")
    assert client.get_targetinfo("simple/fresh/index.json") is not None
    for name in [*bins, "snapshot"]:
        signed = json.loads(signed_app.get(f"/tuf/{after[name]}.{name}.json").body)["signed"]
        expires = datetime.datetime.fromisoformat(signed["expires"])
        assert expires > utcnow() + datetime.timedelta(hours=23)


def test_an_old_repository_is_queued_whole_at_init(
    settings, session, storage, engines, alice, app, tmp_path
):
    """Projects uploaded before signing was set up are signed by the first publish."""
    publish(app, alice, build_wheel("early", "1.0"))
    initialize(session, storage, embedded_keys(settings), bit_length=2)
    session.commit()
    Publisher(settings, storage, engines).publish()

    verified = verify_all_targets(app, session, initial_root(app), tmp_path / "client")
    assert {path for path in verified if "/early/" in path} == {
        "packages/early/early-1.0-py3-none-any.whl",
        "simple/early/index.json",
        "simple/early/index.html",
    }


def _role_versions(session) -> dict[str, int]:
    rows = session.execute(select(TufRole.name, TufRole.version)).all()
    session.rollback()
    return dict(rows)
