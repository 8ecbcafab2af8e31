"""A publisher that dies at any write resumes without losing or repeating a change.

The storage below fails at its n-th write, for every n a publish makes: bins, snapshot,
root, the commit in between, and the final timestamp. After each failure a fresh publisher
(another process, as after a crash) or the same one (a publish that raised, in a process that
goes on: what it kept from earlier publishes may be ahead of the database) publishes, and a
client that had trusted the state before the failure, and one starting from the initial root,
both verify everything.
"""

from __future__ import annotations

import itertools
import json

import pytest
from sqlalchemy import func, select

from bastion.signing.models import TufPendingChange, TufRole
from bastion.signing.publisher import Publisher
from tests.factories.dists import build_sdist, build_wheel
from tests.signing.clients import initial_root, updater, verify_all_targets
from tests.simple.publishing import find_project, publish


class CrashError(Exception):
    """Stands for the process dying."""


class CrashingStorage:
    """Storage whose `fail_at`-th write (counting from 1) raises, once; or the first write of
    a key containing `fail_on`."""

    def __init__(self, inner, fail_at: int = 0) -> None:
        self.inner = inner
        self.fail_at = fail_at
        self.fail_on: str | None = None
        self.writes = 0

    def arm(self, fail_at: int = 0, *, fail_on: str | None = None) -> None:
        """Fail the `fail_at`-th write from now on, or the first write of a `fail_on` key."""
        self.fail_at, self.fail_on, self.writes = fail_at, fail_on, 0

    def put_bytes(self, key: str, data: bytes, *, durable: bool = True) -> None:
        self.writes += 1
        if self.writes == self.fail_at or (self.fail_on is not None and self.fail_on in key):
            self.fail_on = None
            raise CrashError(key)
        self.inner.put_bytes(key, data, durable=durable)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.mark.parametrize("resumer", ["another process", "the same publisher"])
def test_a_publish_killed_at_any_write_resumes(
    signed_app, session, storage, engines, signed_settings, alice, tmp_path, resumer
):
    root = initial_root(signed_app)
    publish(signed_app, alice, build_wheel("first", "1.0"))
    crashing = CrashingStorage(storage)
    same = Publisher(signed_settings, crashing, engines)
    same.publish()
    expected = {"packages/first/first-1.0-py3-none-any.whl"}
    # Round n crashes at the n-th write, until a round's publish writes fewer than n files.
    for fail_at in itertools.count(1):
        returning = updater(signed_app, root, tmp_path / "returning")
        new = [build_wheel(f"second{fail_at}", "1.0"), build_sdist("first", f"1.{fail_at}")]
        publish(signed_app, alice, *new)
        expected |= {
            f"packages/second{fail_at}/{new[0].filename}",
            f"packages/first/{new[1].filename}",
        }

        crashing.arm(fail_at)
        crashed = same if resumer == "the same publisher" else None
        try:
            (crashed or Publisher(signed_settings, crashing, engines)).publish()
        except CrashError:
            pass
        else:
            break
        # A client may look in between: whatever it sees still verifies.
        updater(signed_app, root, tmp_path / f"meanwhile{fail_at}")
        crashing.arm(0)
        (crashed or Publisher(signed_settings, storage, engines)).publish()

        pending = session.scalar(select(func.count()).select_from(TufPendingChange))
        session.rollback()
        assert pending == 0
        verified = verify_all_targets(signed_app, session, root, tmp_path / f"fresh{fail_at}")
        assert expected <= set(verified)
        returning = updater(signed_app, root, tmp_path / "returning")
        assert returning.get_targetinfo(f"packages/second{fail_at}/{new[0].filename}")
    # Pages, bins, snapshot and timestamp: every write of a publish was a crash point.
    assert fail_at > 6


def test_a_failed_publish_leaves_nothing_behind_in_its_publisher(
    signed_app, session, storage, engines, signed_settings, alice, tmp_path
):
    """A publish fails after signing bins; the change is withdrawn before the next publish, so
    nothing re-signs those bins: the publisher must not list the versions it signed but never
    committed (it keeps what the snapshot lists between publishes)."""
    root = initial_root(signed_app)
    crashing = CrashingStorage(storage)
    publisher = Publisher(signed_settings, crashing, engines)
    publish(signed_app, alice, build_wheel("kept", "1.0"))
    publisher.publish()
    withdrawn = build_wheel("withdrawn", "1.0")
    publish(signed_app, alice, withdrawn)
    crashing.arm(fail_on="snapshot")  # after every bin is signed and stored
    with pytest.raises(CrashError):
        publisher.publish()

    session.delete(find_project(session, "withdrawn"))
    session.add(TufPendingChange(project="withdrawn"))
    session.commit()
    publisher.publish()
    publish(signed_app, alice, build_wheel("kept", "1.1"))
    publisher.publish()

    client = updater(signed_app, root, tmp_path / "client")
    assert client.get_targetinfo(f"packages/withdrawn/{withdrawn.filename}") is None
    versions = dict(session.execute(select(TufRole.name, TufRole.version)).all())
    session.rollback()
    snapshot = json.loads(signed_app.get(f"/tuf/{versions['snapshot']}.snapshot.json").body)
    for name, entry in snapshot["signed"]["meta"].items():
        assert entry["version"] == versions[name.removesuffix(".json")], name
