"""Two publishers (two web processes) taking turns.

Each keeps what it last signed between publishes (the versions the snapshot lists, encoded; the
top-level metadata and the online key): it must notice every publish the other one made in
between, a key rotation included, and never sign a version the other one already wrote.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from bastion.signing import keys, rotation
from bastion.signing.bootstrap import embedded_keys
from bastion.signing.layout import METADATA_PREFIX, TIMESTAMP_FILENAME, metadata_key
from bastion.signing.models import TufRole
from bastion.signing.publisher import Publisher
from tests.factories.dists import build_wheel
from tests.signing.clients import initial_root, updater, verify_all_targets
from tests.simple.publishing import publish


class VersionedOnceStorage:
    """Storage that fails a test writing any versioned metadata file a second time."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.written: set[str] = set()

    def put_bytes(self, key: str, data: bytes, *, durable: bool = True) -> None:
        if key.startswith(METADATA_PREFIX) and key != metadata_key(TIMESTAMP_FILENAME):
            assert key not in self.written, f"{key} written twice"
            self.written.add(key)
        self.inner.put_bytes(key, data, durable=durable)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def _rotate(session, storage, settings, publisher) -> None:
    offline = embedded_keys(settings)
    change = rotation.online_key_rotation(
        session,
        storage,
        root_signers=offline.root,
        targets_signer=offline.targets,
        new_online=keys.replace_embedded_online_key(settings),
    )
    session.commit()
    publisher.publish(rotation=change)


def test_two_publishers_taking_turns_sign_every_change_once(
    signed_app, session, storage, engines, signed_settings, alice, tmp_path
):
    root = initial_root(signed_app)
    once = VersionedOnceStorage(storage)
    first, second = (Publisher(signed_settings, once, engines) for _ in range(2))
    # One project: every upload changes its pages, so both publishers keep re-signing the same
    # bins, each from the versions the other one left.
    turns = [first, second, second, first, "rotate", first, second, first]
    for turn, publisher in enumerate(turns):
        if publisher == "rotate":
            _rotate(session, once, signed_settings, second)
            continue
        wheel = build_wheel("shared", f"1.{turn}")
        publish(signed_app, alice, wheel)

        assert publisher.publish().changes == 1

        returning = updater(signed_app, root, tmp_path / "returning")
        assert returning.get_targetinfo(f"packages/shared/{wheel.filename}")
    verify_all_targets(signed_app, session, root, tmp_path / "fresh")
    # The last snapshot lists every role at the version the roles table records.
    versions = dict(session.execute(select(TufRole.name, TufRole.version)).all())
    session.rollback()
    snapshot = json.loads(signed_app.get(f"/tuf/{versions['snapshot']}.snapshot.json").body)
    listed = {
        name.removesuffix(".json"): entry["version"]
        for name, entry in snapshot["signed"]["meta"].items()
    }
    unlisted = {"root", "snapshot", "timestamp"}
    assert listed == {name: v for name, v in versions.items() if name not in unlisted}
