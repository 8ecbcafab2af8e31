"""Tools of the attack suite: a mirror on 127.0.0.1 that serves tampered copies of a Bastion
TUF repository, python-tuf's client pointed at it, and forgers that re-sign metadata.

The mirror serves `files`, a dict from URL path (`/tuf/timestamp.json`,
`/tuf/targets/packages/<project>/<sha256>.<filename>`) to bytes, copied from what the Bastion
app serves and then changed by each test the way an attacker in the network (or in control of
a mirror) would. Paths in `endless` are streamed without end instead.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from securesystemslib.signer import Signer
from sqlalchemy import select
from sqlalchemy.orm import Session
from tuf.api.metadata import Metadata, MetaFile, Snapshot, Targets, Timestamp
from tuf.api.serialization.json import JSONSerializer
from tuf.ngclient import Updater

from bastion.signing.layout import METADATA_PREFIX, TIMESTAMP_FILENAME, hashed_target_key
from bastion.signing.models import TufTarget
from bastion.storage import LocalStorage

TIMESTAMP = f"/tuf/{TIMESTAMP_FILENAME}"
_COMPACT = JSONSerializer(compact=True)
# How long the mirror keeps writing endless data to a client that stopped reading.
_STALLED_WRITE_TIMEOUT = 2
_ENDLESS_CHUNK = b" " * 65536


class _Handler(BaseHTTPRequestHandler):
    server: Mirror
    timeout = _STALLED_WRITE_TIMEOUT

    def do_GET(self) -> None:
        mirror = self.server
        mirror.requests.append(self.path)
        body = mirror.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        if self.path not in mirror.endless:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        # No Content-Length: the body ends when the connection does, which is never.
        self.end_headers()
        try:
            self.wfile.write(body)
            while not mirror.stopping.is_set():
                self.wfile.write(_ENDLESS_CHUNK)
        except OSError:  # the client hung up (as it must), or stopped reading
            return

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Quiet: the tests look at `Mirror.requests` instead."""


class Mirror(ThreadingHTTPServer):
    """A server on 127.0.0.1 (a free port) serving `files`, tampered with as a test likes."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files: dict[str, bytes] = {}
        self.endless: set[str] = set()
        self.requests: list[str] = []
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, args=(0.01,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def serve(self, files: dict[str, bytes]) -> dict[str, bytes]:
        """Serve a copy of `files` from now on; return the copy (to tamper with)."""
        self.files = dict(files)
        self.endless = set()
        return self.files

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        self._thread.join()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: clients refusing endless data hang up mid-response on purpose."""


def copy_repository(app, storage: LocalStorage, session: Session) -> dict[str, bytes]:
    """Every metadata file and target the Bastion app serves, by URL path (fetched through it)."""
    metadata_dir = storage.local_path(METADATA_PREFIX.rstrip("/"))
    assert metadata_dir is not None
    urls = [f"/tuf/{path.name}" for path in sorted(metadata_dir.glob("*.json"))]
    targets = session.execute(select(TufTarget.path, TufTarget.sha256)).all()
    session.rollback()  # end the read: on SQLite the publisher needs the write lock
    urls += [target_url(path, sha256) for path, sha256 in targets]
    return {url: app.get(url).body for url in urls}


def target_url(path: str, sha256: str) -> str:
    """The URL path a client downloads target `path` from (consistent snapshots)."""
    return "/" + hashed_target_key(path, sha256)


def metadata_url(role: str, version: int) -> str:
    """The URL path of version `version` of `role`."""
    return f"/tuf/{version}.{role}.json"


def client(mirror: Mirror, root: bytes, directory: Path) -> Updater:
    """python-tuf's client, with its own network fetcher, trusting `root`, reading `mirror`.

    Its metadata is kept in `directory`/metadata: a second client on the same directory is
    the same user coming back (it remembers the versions it has seen).
    """
    (directory / "metadata").mkdir(parents=True, exist_ok=True)
    (directory / "targets").mkdir(parents=True, exist_ok=True)
    return Updater(
        metadata_dir=str(directory / "metadata"),
        metadata_base_url=f"{mirror.url}/tuf/",
        target_dir=str(directory / "targets"),
        target_base_url=f"{mirror.url}/tuf/targets/",
        bootstrap=root,
    )


def resign(
    data: bytes, signers: list[Signer], edit: Callable[[Any], object] | None = None
) -> bytes:
    """`data` (a metadata file) with its `signed` part changed by `edit`, signed by `signers`."""
    metadata = Metadata.from_bytes(data)
    if edit is not None:
        edit(metadata.signed)
    metadata.signatures.clear()
    for signer in signers:
        metadata.sign(signer, append=True)
    return metadata.to_bytes(_COMPACT)


@dataclasses.dataclass
class Forger:
    """An attacker holding a key the timestamp, snapshot and bins accept (a stolen online key),
    writing new versions of them into a mirror's `files` the way the publisher would.
    """

    files: dict[str, bytes]
    signer: Signer

    def timestamp(self) -> Timestamp:
        return Metadata[Timestamp].from_bytes(self.files[TIMESTAMP]).signed

    def snapshot(self) -> Snapshot:
        version = self.timestamp().snapshot_meta.version
        return Metadata[Snapshot].from_bytes(self.files[metadata_url("snapshot", version)]).signed

    def bin_version(self, name: str) -> int:
        return self.snapshot().meta[f"{name}.json"].version

    def sign_bin(self, name: str, edit: Callable[[Targets], object]) -> int:
        """A new version of bin `name`, changed by `edit`; return its version."""
        version = self.bin_version(name)

        def bump(signed: Targets) -> None:
            edit(signed)
            signed.version = version + 1

        self.files[metadata_url(name, version + 1)] = resign(
            self.files[metadata_url(name, version)], [self.signer], bump
        )
        return version + 1

    def sign_snapshot(
        self,
        *,
        version: int | None = None,
        edit: Callable[[Snapshot], object] | None = None,
    ) -> int:
        """A new snapshot (the next version unless `version`), changed by `edit`."""
        current = self.timestamp().snapshot_meta.version
        new_version = current + 1 if version is None else version

        def change(signed: Snapshot) -> None:
            signed.version = new_version
            if edit is not None:
                edit(signed)

        self.files[metadata_url("snapshot", new_version)] = resign(
            self.files[metadata_url("snapshot", current)], [self.signer], change
        )
        return new_version

    def sign_timestamp(
        self,
        snapshot_version: int,
        *,
        version: int | None = None,
        edit: Callable[[Timestamp], object] | None = None,
    ) -> None:
        """A new timestamp (the next version unless `version`) naming snapshot
        `snapshot_version` as served, changed by `edit`.
        """
        snapshot = self.files[metadata_url("snapshot", snapshot_version)]
        current = self.timestamp().version

        def change(signed: Timestamp) -> None:
            signed.version = current + 1 if version is None else version
            signed.snapshot_meta = MetaFile(
                version=snapshot_version,
                length=len(snapshot),
                hashes={"sha256": hashlib.sha256(snapshot).hexdigest()},
            )
            if edit is not None:
                edit(signed)

        self.files[TIMESTAMP] = resign(self.files[TIMESTAMP], [self.signer], change)

    def publish(
        self,
        *,
        bins: dict[str, Callable[[Targets], object]] | None = None,
        snapshot_version: int | None = None,
        timestamp_version: int | None = None,
        snapshot_edit: Callable[[Snapshot], object] | None = None,
    ) -> None:
        """What a publish signs: the bins changed by `bins`, a snapshot naming them, a timestamp."""
        versions = {name: self.sign_bin(name, edit) for name, edit in (bins or {}).items()}

        def change(signed: Snapshot) -> None:
            for name, version in versions.items():
                signed.meta[f"{name}.json"] = MetaFile(version=version)
            if snapshot_edit is not None:
                snapshot_edit(signed)

        snapshot = self.sign_snapshot(version=snapshot_version, edit=change)
        self.sign_timestamp(snapshot, version=timestamp_version)
