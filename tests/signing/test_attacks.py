"""The attack suite: a mirror on 127.0.0.1 serves tampered copies of Bastion's TUF repository
and python-tuf's client (its own urllib3 fetcher, trusting the genuine 1.root.json) refuses.

Each test names the attack and proves one client behaviour:

- control: the untampered mirror (current and previous state) is trusted, every target
  downloads, so each refusal below is the tampering's doing;
- tampered target file (a wheel, a simple page): LengthOrHashMismatchError, nothing written;
- file swapped between projects (project B's wheel at project A's URL): the bin pins A's
  hash, LengthOrHashMismatchError, nothing written;
- rollback of the timestamp (an older timestamp.json): BadVersionNumberError for a client
  that has seen the newer one;
- rollback of the snapshot (a new timestamp, signed with the stolen online key, naming an
  older snapshot): BadVersionNumberError;
- rollback of a bin (a new snapshot, signed with the stolen online key, naming an older bin
  version): BadVersionNumberError;
- freeze, expired metadata: the timestamp the repository itself signed two days ago,
  and a snapshot or a bin signed already expired: ExpiredMetadataError;
- freeze, an old unexpired timestamp after a newer one: a new client accepts the frozen
  repository (the freeze window is the timestamp's one-day lifetime), a client that has seen
  the newer timestamp refuses it with BadVersionNumberError;
- mix-and-match: an older bin at the URL of the version the snapshot names
  (BadVersionNumberError: the snapshot pins bin versions only, PEP 458), an older snapshot at
  the URL the timestamp names (LengthOrHashMismatchError: the timestamp pins its hash);
- endless data (timestamp, new root, snapshot, bin, target) and data one byte over the
  length the metadata pins (snapshot, target): DownloadLengthMismatchError once the client
  has read past its bound (python-tuf's maximum for timestamp, root and bins, whose length
  the snapshot does not pin; the pinned length for snapshot and targets), nothing written;
- forged signature (an attacker's key on timestamp, new root, targets, bins and a bin that
  changes a file's hash; a corrupted signature of the genuine key on the timestamp):
  UnsignedMetadataError (for bins the signature is all there is: the snapshot pins only
  their version);
- root signed below threshold (root 2 needs 2 of 2 keys; root 3 carries 1): the client
  refuses root 3 with UnsignedMetadataError, and so does `publish_root`;
- fast-forward attack (the stolen online key signs timestamp and snapshot version 10**9): the
  client accepts it and then refuses the genuine repository (BadVersionNumberError) until the
  operator rotates the online key; then the same client refreshes and downloads again;
- a bin claiming a path outside its hash prefix (signed with the stolen online key): the
  client accepts the bin but only ever looks a path up in the bin its hash names, so the claim
  is ignored and the genuine file is downloaded.

The repository is built once per module, on SQLite: the attacks are on the files it serves,
which do not depend on the database. The two tests where the operator answers an attack (the
root ceremony, the online-key rotation) build a repository of their own on each database.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import hashlib
import itertools
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from securesystemslib.signer import CryptoSigner
from sqlalchemy.orm import Session
from tuf.api.exceptions import (
    BadVersionNumberError,
    DownloadLengthMismatchError,
    ExpiredMetadataError,
    LengthOrHashMismatchError,
    UnsignedMetadataError,
)
from tuf.api.metadata import Metadata, Root, TargetFile, Targets, Timestamp
from tuf.ngclient import UpdaterConfig
from webtest import TestApp

from bastion.accounts import passwords as passwords_module
from bastion.accounts.services import UserService
from bastion.app import make_wsgi_app
from bastion.config import Settings
from bastion.db.engine import make_engines
from bastion.signing import publisher as publisher_module
from bastion.signing.bootstrap import embedded_keys
from bastion.signing.keys import ONLINE_KEY_FILE, keys_dir, load_key
from bastion.signing.layout import bin_for_target, bin_name
from bastion.signing.publisher import Publisher
from bastion.signing.repository import initialize, promote_root
from bastion.signing.rotation import (
    RootChangeError,
    draft_root,
    online_key_rotation,
    publish_root,
    sign_draft,
)
from bastion.storage import LocalStorage
from tests.conftest import PASSWORD, basic_auth
from tests.factories.dists import Dist, build_sdist, build_wheel
from tests.signing.conftest import BIT_LENGTH
from tests.signing.tampering import (
    TIMESTAMP,
    Forger,
    Mirror,
    client,
    copy_repository,
    metadata_url,
    resign,
    target_url,
)
from tests.simple.publishing import publish

ALPHA_WHEEL = "packages/alpha/alpha-1.0-py3-none-any.whl"
BRAVO_WHEEL = "packages/bravo/bravo-1.0-py3-none-any.whl"
ALPHA_PAGE = "simple/alpha/index.json"
FAST_FORWARD_VERSION = 10**9


@dataclasses.dataclass(frozen=True)
class Built:
    """A repository published three times, as the Bastion app served it after each publish."""

    root: bytes  # 1.root.json: what clients are bootstrapped with
    stale: dict[str, bytes]  # signed by a publisher whose clock was two days behind: expired
    old: dict[str, bytes]  # one publish before `current`, unexpired
    current: dict[str, bytes]
    dists: dict[str, Dist]  # by target path
    online: CryptoSigner  # the online key, as an attacker who stole it holds it

    def target_url(self, path: str) -> str:
        """The URL path of distribution `path`."""
        return target_url(path, self.dists[path].sha256)


def build_repository(app, publisher, session, storage, settings, auth) -> Built:
    """Upload two projects and publish three times, copying what the app serves after each."""
    dists = {
        ALPHA_WHEEL: build_wheel("alpha", "1.0"),
        BRAVO_WHEEL: build_wheel("bravo", "1.0"),
    }
    publish(app, auth, *dists.values())
    two_days_ago = publisher_module.utcnow() - datetime.timedelta(days=2)
    with pytest.MonkeyPatch.context() as clock:
        clock.setattr(publisher_module, "utcnow", lambda: two_days_ago)
        publisher.publish()
    stale = copy_repository(app, storage, session)
    publish(app, auth, build_sdist("alpha", "1.0"))
    publisher.publish()
    old = copy_repository(app, storage, session)
    publish(app, auth, build_wheel("bravo", "1.1"))
    publisher.publish()
    return Built(
        root=stale["/tuf/1.root.json"],
        stale=stale,
        old=old,
        current=copy_repository(app, storage, session),
        dists=dists,
        online=load_key(keys_dir(settings) / ONLINE_KEY_FILE),
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory, sqlite_template) -> Built:
    """One repository for every test that only serves it, built on SQLite once per module
    (the files are what is attacked, and they do not depend on the database).
    """
    directory = tmp_path_factory.mktemp("attacked-index")
    database = directory / "bastion.sqlite3"
    shutil.copyfile(sqlite_template, database)
    settings = Settings(
        data_dir=directory / "data",
        database_url=f"sqlite:///{database}",
        require_2fa=False,
        tuf_publish_in_process=False,
        tuf_keep_versions=1000,
    )
    storage = LocalStorage(settings.storage_dir)
    engines = make_engines(settings)
    try:
        with (
            pytest.MonkeyPatch.context() as patch,
            Session(engines.writer, expire_on_commit=False) as session,
        ):
            # What the autouse fixtures of tests/conftest.py do for each test.
            patch.setattr(
                passwords_module,
                "PasswordHasher",
                functools.partial(PasswordHasher, time_cost=1, memory_cost=8, parallelism=1),
            )
            patch.setenv("BASTION_BREACHED_PASSWORD_CHECK", "off")
            initialize(session, storage, embedded_keys(settings), bit_length=BIT_LENGTH)
            UserService(session).create_user("alice", email="alice@example.org", password=PASSWORD)
            session.commit()
            app = TestApp(make_wsgi_app(settings, engines=engines))
            publisher = Publisher(settings, storage, engines)
            auth = basic_auth("alice", PASSWORD)
            return build_repository(app, publisher, session, storage, settings, auth)
    finally:
        engines.dispose()


@pytest.fixture
def live(signed_app, publisher, session, storage, signed_settings, alice) -> Built:
    """A repository of the test's own (on each database), for attacks the operator answers."""
    return build_repository(signed_app, publisher, session, storage, signed_settings, alice)


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    server = Mirror()
    server.start()
    yield server
    server.stop()


def bin_of(path: str) -> str:
    """The name of the bin target `path` hashes into."""
    return bin_name(bin_for_target(path, BIT_LENGTH), BIT_LENGTH)


def past() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)


def stored_timestamp_version(directory: Path) -> int:
    """The version of the timestamp a client keeps in `directory`."""
    path = directory / "metadata" / "timestamp.json"
    return Metadata[Timestamp].from_bytes(path.read_bytes()).signed.version


def download(updater, path: str) -> bytes:
    """Look target `path` up and download it, as an installer would."""
    info = updater.get_targetinfo(path)
    assert info is not None, f"{path} is not signed"
    return Path(updater.download_target(info)).read_bytes()


def assert_nothing_downloaded(directory: Path) -> None:
    assert list((directory / "targets").iterdir()) == []


# The mirror itself: untampered, it is trusted (so each refusal below is the tampering's).


@pytest.mark.parametrize("state", ["old", "current"])
def test_untampered_mirror_is_trusted(built, mirror, tmp_path, state):
    mirror.serve(getattr(built, state))
    updater = client(mirror, built.root, tmp_path)

    for path, dist in built.dists.items():
        assert download(updater, path) == dist.content
    assert download(updater, ALPHA_PAGE).startswith(b"{")


# Tampered and swapped target files.


@pytest.mark.parametrize("path", [ALPHA_WHEEL, ALPHA_PAGE])
def test_tampered_target_file(built, mirror, tmp_path, path):
    files = mirror.serve(built.current)
    updater = client(mirror, built.root, tmp_path)
    info = updater.get_targetinfo(path)
    assert info is not None
    url = target_url(path, info.hashes["sha256"])
    genuine = files[url]
    files[url] = genuine[:100] + bytes([genuine[100] ^ 1]) + genuine[101:]

    with pytest.raises(LengthOrHashMismatchError):
        updater.download_target(info)
    assert_nothing_downloaded(tmp_path)


def test_file_swapped_between_projects(built, mirror, tmp_path):
    files = mirror.serve(built.current)
    # The longer wheel is the victim, so that the other fits: the hash is what refuses it.
    victim, other = sorted([ALPHA_WHEEL, BRAVO_WHEEL], key=lambda p: -len(built.dists[p].content))
    victim_url = built.target_url(victim)
    files[victim_url] = built.dists[other].content
    updater = client(mirror, built.root, tmp_path)
    info = updater.get_targetinfo(victim)
    assert info is not None

    with pytest.raises(LengthOrHashMismatchError):
        updater.download_target(info)
    assert_nothing_downloaded(tmp_path)


# Rollback: a client that has seen newer metadata is shown older metadata.


def seen_current(built: Built, mirror: Mirror, directory: Path) -> int:
    """Have a client in `directory` see the current repository; the timestamp version it saw."""
    mirror.serve(built.current)
    client(mirror, built.root, directory).refresh()
    return stored_timestamp_version(directory)


def test_rollback_of_timestamp(built, mirror, tmp_path):
    seen = seen_current(built, mirror, tmp_path)
    files = mirror.serve(built.current)
    files[TIMESTAMP] = built.old[TIMESTAMP]

    with pytest.raises(BadVersionNumberError, match=f"must be >= {seen}"):
        client(mirror, built.root, tmp_path).refresh()
    assert stored_timestamp_version(tmp_path) == seen


def test_rollback_of_snapshot(built, mirror, tmp_path):
    seen = seen_current(built, mirror, tmp_path)
    files = mirror.serve(built.current)
    forger = Forger(files, built.online)
    older = forger.timestamp().snapshot_meta.version - 1
    forger.sign_timestamp(older)

    with pytest.raises(BadVersionNumberError, match="New snapshot version must be >="):
        client(mirror, built.root, tmp_path).refresh()
    assert stored_timestamp_version(tmp_path) == seen


def test_rollback_of_bin(built, mirror, tmp_path):
    seen_current(built, mirror, tmp_path)
    files = mirror.serve(built.current)
    forger = Forger(files, built.online)
    name = bin_of(ALPHA_WHEEL)
    older = forger.bin_version(name) - 1
    forger.publish(
        snapshot_edit=lambda snapshot: setattr(snapshot.meta[f"{name}.json"], "version", older)
    )

    with pytest.raises(BadVersionNumberError, match=f"{name}.json"):
        client(mirror, built.root, tmp_path).refresh()


# Freeze: metadata past its expiry; an old timestamp after a newer one.


def expired_timestamp(built: Built, files: dict[str, bytes]) -> None:
    # The repository's own: signed two days ago by a publisher that has since moved on.
    files.clear()
    files.update(built.stale)


def expired_snapshot(built: Built, files: dict[str, bytes]) -> None:
    Forger(files, built.online).publish(
        snapshot_edit=lambda snapshot: setattr(snapshot, "expires", past())
    )


def expired_bin(built: Built, files: dict[str, bytes]) -> None:
    Forger(files, built.online).publish(
        bins={bin_of(ALPHA_WHEEL): lambda bin_: setattr(bin_, "expires", past())}
    )


@pytest.mark.parametrize(
    ("expire", "message"),
    [
        (expired_timestamp, "timestamp.json is expired"),
        (expired_snapshot, "snapshot.json is expired"),
        (expired_bin, f"New {bin_of(ALPHA_WHEEL)} is expired"),
    ],
    ids=["timestamp", "snapshot", "bin"],
)
def test_freeze_with_expired_metadata(built, mirror, tmp_path, expire, message):
    expire(built, mirror.serve(built.current))
    updater = client(mirror, built.root, tmp_path)

    with pytest.raises(ExpiredMetadataError, match=message):
        updater.get_targetinfo(ALPHA_WHEEL)


def test_freeze_on_an_old_unexpired_timestamp_after_a_newer_one(built, mirror, tmp_path):
    mirror.serve(built.old)
    # A client that never saw anything newer cannot tell: the freeze lasts until it expires.
    client(mirror, built.root, tmp_path / "new").refresh()
    seen = seen_current(built, mirror, tmp_path / "returning")
    mirror.serve(built.old)

    with pytest.raises(BadVersionNumberError, match=f"must be >= {seen}"):
        client(mirror, built.root, tmp_path / "returning").refresh()


# Mix-and-match: metadata from different versions of the repository.


def test_mix_and_match_bin_disagrees_with_snapshot(built, mirror, tmp_path):
    files = mirror.serve(built.current)
    name = bin_of(ALPHA_WHEEL)
    version = Forger(files, built.online).bin_version(name)
    files[metadata_url(name, version)] = files[metadata_url(name, version - 1)]
    updater = client(mirror, built.root, tmp_path)

    with pytest.raises(BadVersionNumberError, match=f"Expected {name} v{version}"):
        updater.get_targetinfo(ALPHA_WHEEL)


def test_mix_and_match_snapshot_disagrees_with_timestamp(built, mirror, tmp_path):
    files = mirror.serve(built.current)
    version = Forger(files, built.online).timestamp().snapshot_meta.version
    files[metadata_url("snapshot", version)] = files[metadata_url("snapshot", version - 1)]

    with pytest.raises(LengthOrHashMismatchError):
        client(mirror, built.root, tmp_path).refresh()


# Endless data, and data over the length the metadata pins.


def overlong_url(built: Built, files: dict[str, bytes], kind: str) -> tuple[str, int]:
    """The URL of the `kind` of file to serve too long, and the most the client reads of it."""
    forger = Forger(files, built.online)
    limits = UpdaterConfig()
    if kind == "timestamp":
        return TIMESTAMP, limits.timestamp_max_length
    if kind == "root":  # the next root a client probes for
        files["/tuf/2.root.json"] = built.root
        return "/tuf/2.root.json", limits.root_max_length
    if kind == "snapshot":  # the timestamp pins its length
        url = metadata_url("snapshot", forger.timestamp().snapshot_meta.version)
        return url, len(files[url])
    if kind == "bin":  # the snapshot pins no length (PEP 458): python-tuf's own bound applies
        name = bin_of(ALPHA_WHEEL)
        return metadata_url(name, forger.bin_version(name)), limits.targets_max_length
    return built.target_url(ALPHA_WHEEL), len(built.dists[ALPHA_WHEEL].content)


@pytest.mark.parametrize(
    ("kind", "endless"),
    [
        ("timestamp", True),
        ("root", True),
        ("snapshot", True),
        ("bin", True),
        ("target", True),
        ("snapshot", False),
        ("target", False),
    ],
    ids=[
        "endless-timestamp",
        "endless-root",
        "endless-snapshot",
        "endless-bin",
        "endless-target",
        "snapshot-one-byte-over",
        "target-one-byte-over",
    ],
)
def test_endless_data(built, mirror, tmp_path, kind, endless):
    files = mirror.serve(built.current)
    url, limit = overlong_url(built, files, kind)
    if endless:
        mirror.endless.add(url)
    else:
        files[url] += b" "
    updater = client(mirror, built.root, tmp_path)

    with pytest.raises(DownloadLengthMismatchError, match=f"maximum allowed length of {limit}$"):
        download(updater, ALPHA_WHEEL)
    assert url in mirror.requests
    assert_nothing_downloaded(tmp_path)


# Forged signatures.


def forged_url(built: Built, files: dict[str, bytes], kind: str) -> str:
    if kind == "root":
        files["/tuf/2.root.json"] = built.root
        return "/tuf/2.root.json"
    if kind in {"targets", "bins"}:
        return metadata_url(kind, 1)
    if kind == "bin":
        name = bin_of(ALPHA_WHEEL)
        return metadata_url(name, Forger(files, built.online).bin_version(name))
    return TIMESTAMP


def corrupt_signature(data: bytes) -> bytes:
    """`data` with its genuine key's signature changed in one bit."""
    document = json.loads(data)
    signature = bytearray.fromhex(document["signatures"][0]["sig"])
    signature[0] ^= 1
    document["signatures"][0]["sig"] = signature.hex()
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    "kind", ["timestamp", "root", "targets", "bins", "bin", "corrupted-timestamp-signature"]
)
def test_forged_signature(built, mirror, tmp_path, kind):
    files = mirror.serve(built.current)
    url = forged_url(built, files, kind)
    if kind == "corrupted-timestamp-signature":
        files[url] = corrupt_signature(files[url])
    else:
        attacker = CryptoSigner.generate_ed25519()

        def tamper(signed):
            if isinstance(signed, Root):  # root 2, naming the attacker's key for every role
                signed.version = 2
                for role in list(signed.roles):
                    for keyid in list(signed.roles[role].keyids):
                        signed.revoke_key(keyid, role)
                    signed.add_key(attacker.public_key, role)
            elif isinstance(signed, Targets) and ALPHA_WHEEL in signed.targets:
                signed.targets[ALPHA_WHEEL] = TargetFile(4, {"sha256": "0" * 64}, ALPHA_WHEEL)

        files[url] = resign(files[url], [attacker], tamper)
    updater = client(mirror, built.root, tmp_path)

    with pytest.raises(UnsignedMetadataError):
        updater.get_targetinfo(ALPHA_WHEEL)


# Root signed below its threshold.


def test_root_signed_below_threshold(
    live, mirror, tmp_path, session, storage, signed_settings, signed_app
):
    root_key = embedded_keys(signed_settings).root[0]
    second = CryptoSigner.generate_ed25519()
    draft = draft_root(session, storage, add_keys=[second.public_key], threshold=2)
    assert publish_root(session, storage, sign_draft(sign_draft(draft, root_key), second)) == 2
    session.commit()
    promote_root(storage, 2)
    # One key holder (or whoever stole one key) drafts root 3 without the other key.
    draft = draft_root(session, storage, remove_keyids=[second.public_key.keyid], threshold=1)
    below_threshold = sign_draft(draft, root_key)
    with pytest.raises(RootChangeError, match="1 of the current root's 2"):
        publish_root(session, storage, below_threshold)
    session.rollback()
    files = mirror.serve(copy_repository(signed_app, storage, session))
    client(mirror, live.root, tmp_path).refresh()
    assert (tmp_path / "metadata" / "root_history" / "2.root.json").exists()
    files["/tuf/3.root.json"] = below_threshold

    with pytest.raises(UnsignedMetadataError, match="root was signed by 1/2 keys"):
        client(mirror, live.root, tmp_path).refresh()
    assert not (tmp_path / "metadata" / "root_history" / "3.root.json").exists()


# Fast-forward, and the recovery by rotating the online key.


def test_fast_forward_attack_recovered_by_online_key_rotation(
    live, mirror, tmp_path, session, storage, signed_settings, signed_app, publisher
):
    files = mirror.serve(live.current)
    Forger(files, live.online).publish(
        snapshot_version=FAST_FORWARD_VERSION, timestamp_version=FAST_FORWARD_VERSION
    )
    client(mirror, live.root, tmp_path).refresh()  # the attack: the client believes it
    assert stored_timestamp_version(tmp_path) == FAST_FORWARD_VERSION
    mirror.serve(live.current)
    with pytest.raises(BadVersionNumberError, match=f"must be >= {FAST_FORWARD_VERSION}"):
        client(mirror, live.root, tmp_path).refresh()

    keys = embedded_keys(signed_settings)
    rotation = online_key_rotation(
        session,
        storage,
        root_signers=keys.root,
        targets_signer=keys.targets,
        new_online=CryptoSigner.generate_ed25519(),
    )
    session.rollback()
    result = publisher.publish(rotation=rotation)
    mirror.serve(copy_repository(signed_app, storage, session))

    updater = client(mirror, live.root, tmp_path)
    updater.refresh()
    assert stored_timestamp_version(tmp_path) == result.timestamp_version
    info = updater.get_targetinfo(ALPHA_WHEEL)
    assert info is not None
    assert Path(updater.download_target(info)).read_bytes() == live.dists[ALPHA_WHEEL].content


# A bin claiming a path outside its hash prefix.


def test_bin_claiming_a_path_outside_its_prefix(built, mirror, tmp_path):
    files = mirror.serve(built.current)
    victim_bin = bin_of(ALPHA_WHEEL)
    carrier_path = next(path for path in built.dists if bin_of(path) != victim_bin)
    carrier = bin_of(carrier_path)
    invented = next(
        path
        for path in (f"packages/alpha/alpha-6.6.{i}-py3-none-any.whl" for i in itertools.count())
        if bin_of(path) not in {carrier, victim_bin}
    )
    evil = b"not the wheel alpha uploaded"
    evil_sha256 = hashlib.sha256(evil).hexdigest()
    files[target_url(ALPHA_WHEEL, evil_sha256)] = files[target_url(invented, evil_sha256)] = evil

    def claim(bin_):
        for path in (ALPHA_WHEEL, invented):
            bin_.targets[path] = TargetFile(len(evil), {"sha256": evil_sha256}, path)

    Forger(files, built.online).publish(bins={carrier: claim})
    updater = client(mirror, built.root, tmp_path)

    # The forged bin verifies (the online key signed it) and the client keeps it...
    assert updater.get_targetinfo(carrier_path) is not None
    kept = Metadata.from_bytes((tmp_path / "metadata" / f"{carrier}.json").read_bytes())
    assert {ALPHA_WHEEL, invented} <= set(kept.signed.targets)
    # ...but looks each path up only in the bin its hash names (TAP 15).
    assert updater.get_targetinfo(invented) is None
    info = updater.get_targetinfo(ALPHA_WHEEL)
    assert info is not None
    assert info.hashes["sha256"] == built.dists[ALPHA_WHEEL].sha256
    assert Path(updater.download_target(info)).read_bytes() == built.dists[ALPHA_WHEEL].content
    assert not any(evil_sha256 in url for url in mirror.requests)
