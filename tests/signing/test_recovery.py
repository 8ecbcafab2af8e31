"""A publisher that dies at any write resumes without losing or repeating a change.

The storage below fails at its n-th write, for every n a publish makes: bins, snapshot,
root, the commit in between, and the final timestamp. After each failure a fresh publisher
(another process, as after a crash) publishes, and a client that had trusted the state before
the failure, and one starting from the initial root, both verify everything.
"""

from __future__ import annotations

import itertools

from sqlalchemy import func, select

from bastion.signing.models import TufPendingChange
from bastion.signing.publisher import Publisher
from tests.factories.dists import build_sdist, build_wheel
from tests.signing.clients import initial_root, updater, verify_all_targets
from tests.simple.publishing import publish


class CrashError(Exception):
    """Stands for the process dying."""


class CrashingStorage:
    """Storage whose `fail_at`-th write (counting from 1) raises, once."""

    def __init__(self, inner, fail_at: int) -> None:
        self.inner = inner
        self.fail_at = fail_at
        self.writes = 0

    def put_bytes(self, key: str, data: bytes) -> None:
        self.writes += 1
        if self.writes == self.fail_at:
            raise CrashError(key)
        self.inner.put_bytes(key, data)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_a_publish_killed_at_any_write_resumes(
    signed_app, session, storage, engines, signed_settings, alice, tmp_path
):
    root = initial_root(signed_app)
    publish(signed_app, alice, build_wheel("first", "1.0"))
    Publisher(signed_settings, storage, engines).publish()
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

        crashing = CrashingStorage(storage, fail_at)
        try:
            Publisher(signed_settings, crashing, engines).publish()
        except CrashError:
            pass
        else:
            break
        # A client may look in between: whatever it sees still verifies.
        updater(signed_app, root, tmp_path / f"meanwhile{fail_at}")
        Publisher(signed_settings, storage, engines).publish()

        pending = session.scalar(select(func.count()).select_from(TufPendingChange))
        session.rollback()
        assert pending == 0
        verified = verify_all_targets(signed_app, session, root, tmp_path / f"fresh{fail_at}")
        assert expected <= set(verified)
        returning = updater(signed_app, root, tmp_path / "returning")
        assert returning.get_targetinfo(f"packages/second{fail_at}/{new[0].filename}")
    # Pages, bins, snapshot and timestamp: every write of a publish was a crash point.
    assert fail_at > 6
