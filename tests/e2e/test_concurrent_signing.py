"""Fifty uploads at once to a live server, signed by its publisher thread as they land.

Covers issue 5's check: no target is lost (a fresh client, trusting only the first root,
finds and downloads every one of the 50 files), the timestamp and snapshot versions clients
see only ever increase (polled while the uploads run), and the final snapshot names every bin
at its newest version (the newest file in storage, and the database's record).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tuf.ngclient import Updater

from bastion.signing.models import TufPendingChange, TufRole, TufTarget
from tests.conftest import PASSWORD, basic_auth
from tests.e2e.conftest import USERNAME, LiveServer, live_server
from tests.factories.dists import Dist, build_wheel, multipart_upload

pytestmark = pytest.mark.e2e

UPLOADS = 50
_SIGNED_TIMEOUT_S = 60.0
_VERSIONED = re.compile(r"(\d+)\.(bin-[0-9a-f]+)\.json")


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own (SQLite), allowing one account to create 50 projects at once."""
    root = tmp_path_factory.mktemp("signing-server")
    extra_env = {"BASTION_RATE_LIMIT_PROJECT_CREATION": "1000/hour"}
    with live_server(root, "", "sqlite", extra_env=extra_env) as server:
        yield server


def _dists() -> list[Dist]:
    """Half new projects, half new releases of one project (whose pages every upload changes)."""
    tag = uuid.uuid4().hex[:8]
    shared = [build_wheel(f"e2e-signed-{tag}", f"1.{i}") for i in range(UPLOADS // 2)]
    own = [build_wheel(f"e2e-signed-{tag}-{i}", "1.0") for i in range(UPLOADS - len(shared))]
    return shared + own


class _TimestampWatcher(threading.Thread):
    """Fetches timestamp.json over and over, recording the (timestamp, snapshot) versions."""

    def __init__(self, server: LiveServer) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.seen: list[tuple[int, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            signed = self.server.request("/tuf/timestamp.json").json()["signed"]
            self.seen.append((signed["version"], signed["meta"]["snapshot.json"]["version"]))
            time.sleep(0.02)


def _upload_all(server: LiveServer, dists: list[Dist]) -> None:
    auth = basic_auth(USERNAME, PASSWORD)
    barrier = threading.Barrier(len(dists))

    def send(dist: Dist) -> int:
        body, content_type = multipart_upload(dist)
        barrier.wait(timeout=60)
        response = server.request(
            "/legacy/", method="POST", data=body, headers={**auth, "Content-Type": content_type}
        )
        return response.status

    with ThreadPoolExecutor(len(dists)) as pool:
        assert list(pool.map(send, dists)) == [200] * len(dists)


def _wait_until_signed(server: LiveServer, targets: set[str]) -> None:
    engine = server.open_database()
    deadline = time.monotonic() + _SIGNED_TIMEOUT_S
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                pending = connection.scalar(select(func.count()).select_from(TufPendingChange))
                signed = set(connection.scalars(select(TufTarget.path)))
            if pending == 0 and targets <= signed:
                return
            time.sleep(0.2)
        pytest.fail(f"{len(targets - signed)} targets unsigned, {pending} changes pending")
    finally:
        engine.dispose()


def test_fifty_concurrent_uploads_are_all_signed(busy_server: LiveServer, tmp_path: Path) -> None:
    server = busy_server
    root = server.request("/tuf/1.root.json").body
    dists = _dists()
    targets = {f"packages/{d.name}/{d.filename}" for d in dists}
    watcher = _TimestampWatcher(server)
    watcher.start()
    try:
        _upload_all(server, dists)
        _wait_until_signed(server, targets)
    finally:
        watcher.stop.set()
        watcher.join()

    # Versions only ever increase: never a rollback, for a client polling all along.
    assert watcher.seen == sorted(watcher.seen)
    assert len(set(watcher.seen)) > 1
    # Nothing lost: a fresh client finds and downloads every file, verified.
    (tmp_path / "metadata").mkdir()
    client = Updater(
        metadata_dir=str(tmp_path / "metadata"),
        metadata_base_url=f"{server.base_url}/tuf/",
        target_dir=str(tmp_path),
        target_base_url=f"{server.base_url}/tuf/targets/",
        bootstrap=root,
    )
    client.refresh()
    for dist in dists:
        info = client.get_targetinfo(f"packages/{dist.name}/{dist.filename}")
        assert info is not None, dist.filename
        assert Path(client.download_target(info)).read_bytes() == dist.content
    # The final snapshot names every bin at its newest version.
    snapshot_version = server.request("/tuf/timestamp.json").json()["signed"]["meta"][
        "snapshot.json"
    ]["version"]
    snapshot = server.request(f"/tuf/{snapshot_version}.snapshot.json").json()["signed"]
    listed = {
        name.removesuffix(".json"): meta["version"]
        for name, meta in snapshot["meta"].items()
        if name.startswith("bin-")
    }
    newest_stored: dict[str, int] = {}
    for path in (server.data_dir / "files" / "tuf" / "metadata").iterdir():
        if match := _VERSIONED.fullmatch(path.name):
            version, name = int(match[1]), match[2]
            newest_stored[name] = max(version, newest_stored.get(name, 0))
    assert listed == newest_stored
    engine = server.open_database()
    try:
        with engine.connect() as connection:
            recorded = dict(
                connection.execute(
                    select(TufRole.name, TufRole.version).where(TufRole.name.like("bin-%"))
                ).all()
            )
    finally:
        engine.dispose()
    assert listed == recorded
