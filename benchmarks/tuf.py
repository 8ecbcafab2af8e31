"""What keeping the PEP 458 TUF metadata current costs per upload, against python-tuf's own path.

    .venv/bin/python benchmarks/tuf.py            # 256, 4,096, 16,384 bins x 10k, 100k targets
    .venv/bin/python benchmarks/tuf.py --quick    # a smoke run, about 20 seconds
    .venv/bin/python benchmarks/tuf.py --bins 16384 --targets 100000 --uploads 100

For each case, in this process (single thread): a filled index with its TUF repository, then
uploads, each followed by its own publish (unbatched) or published a batch at a time, timing
the publisher's CPU; interleaved with the same changes made through python-tuf's
`tuf.repository.Repository` (edit the bin, `do_snapshot()`, `do_timestamp()`); then a verifying
client (python-tuf's ngclient) installing one project's page, first and returning. See
benchmarks/README.md for the details. Nothing here runs in the test suite.

This file is named as the issue names it, which is also the name of python-tuf's package: a
script run from benchmarks/ has this directory first on sys.path, so an `import tuf` there finds
this file. Imported under that name, it puts python-tuf in its place (as inspect.py does for the
standard library's `inspect`); run as a script, it takes its directory off sys.path first.
"""

# ruff: noqa: E402 - the sys.path repair below must run before anything imports python-tuf

from __future__ import annotations

import importlib.machinery
import importlib.metadata
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _without_here(path: list[str]) -> list[str]:
    return [entry for entry in path if Path(entry or ".").resolve() != HERE]


if __name__ == "tuf":
    _spec = importlib.machinery.PathFinder.find_spec("tuf", _without_here(sys.path))
    assert _spec is not None and _spec.loader is not None  # noqa: S101, PT018
    _real = importlib.util.module_from_spec(_spec)
    # The import system returns what sys.modules holds once this file has run.
    sys.modules[__name__] = _real
    _spec.loader.exec_module(_real)
else:
    sys.path[:] = _without_here(sys.path)

import argparse
import collections
import dataclasses
import datetime
import gc
import gzip
import hashlib
import json
import os
import random
import shutil
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, BinaryIO

from securesystemslib.signer import CryptoSigner, Signer
from sqlalchemy import update
from sqlalchemy.orm import Session
from tuf.api.exceptions import DownloadHTTPError
from tuf.api.metadata import (
    DelegatedRole,
    Delegations,
    Metadata,
    MetaFile,
    Root,
    Snapshot,
    SuccinctRoles,
    TargetFile,
    Targets,
    Timestamp,
)
from tuf.api.serialization.json import JSONSerializer
from tuf.ngclient import Updater
from tuf.ngclient.fetcher import FetcherInterface
from tuf.repository import Repository

if __name__ != "tuf":
    # Not when this file stands in for python-tuf: whoever imported it may be half-way
    # through importing these (bastion.signing.layout imports python-tuf). So nothing below
    # may use them at import time (no base class, no default value).
    from bastion.config import Settings
    from bastion.db import schema
    from bastion.db.engine import Engines, make_engines
    from bastion.db.types import utcnow
    from bastion.packaging.models import File, FilenameRegistry, JournalEntry, Project, Release
    from bastion.packaging.paths import file_path
    from bastion.signing import layout, repository
    from bastion.signing.bootstrap import embedded_keys
    from bastion.signing.changes import PendingChanges
    from bastion.signing.models import TufRole, TufTarget
    from bastion.signing.publisher import Publisher
    from bastion.simple import pages
    from bastion.storage import LocalStorage

REPO = HERE.parent
TARGETS_PER_PROJECT = 4  # a wheel, an sdist, and the project's two simple pages
_FILL_CHUNK = 5000
_BASE_URL = "http://bastion.bench/tuf/"
_COMPACT = JSONSerializer(compact=True)
_UPLOAD_TIME = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


@dataclasses.dataclass(frozen=True)
class Options:
    """The command line, parsed."""

    bins: list[int]
    targets: list[int]
    uploads: int
    batch: int
    batches: int
    client_rounds: int
    cache_dir: Path
    results: Path | None
    quick: bool
    keep: bool


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bins", default="256,4096,16384", help="bin counts (powers of two)")
    parser.add_argument("--targets", default="10000,100000", help="target counts")
    parser.add_argument("--uploads", type=int, default=50, help="unbatched uploads per case")
    parser.add_argument("--batch", type=int, default=100, help="uploads per batched publish")
    parser.add_argument("--batches", type=int, default=3, help="batched publishes per case")
    parser.add_argument("--client-rounds", type=int, default=3, help="installs of each kind")
    parser.add_argument("--cache-dir", type=Path, default=HERE / ".cache" / "tuf")
    parser.add_argument("--no-write", action="store_true", help="only print the tables")
    parser.add_argument("--keep", action="store_true", help="keep each case's data directory")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 256 and 4,096 bins, 2,000 targets"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.bins, args.targets, args.uploads = "256,4096", "2000", 10
        args.batch, args.batches, args.client_rounds = 20, 1, 1
    bins = sorted({int(value) for value in args.bins.split(",") if value})
    for count in bins:
        if count < 2 or count & (count - 1) or count > 2**14:
            parser.error(f"--bins: {count} is not a power of two from 2 to 16,384")
    targets = sorted({int(value) for value in args.targets.split(",") if value})
    needed = 2 + args.uploads + args.batch * args.batches + 2 * args.client_rounds
    for count in targets:
        if count // TARGETS_PER_PROJECT < needed:
            parser.error(f"--targets {count}: too few projects for {needed} distinct uploads")
    today = datetime.datetime.now(tz=datetime.UTC).date().isoformat()
    suffix = "-quick" if args.quick else ""
    return Options(
        bins=bins,
        targets=targets,
        uploads=args.uploads,
        batch=args.batch,
        batches=args.batches,
        client_rounds=args.client_rounds,
        cache_dir=args.cache_dir.resolve(),
        results=None if args.no_write else HERE / "results" / f"tuf-{today}{suffix}",
        quick=args.quick,
        keep=args.keep,
    )


# --- the corpus ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Dist:
    """One distribution file's row values (the bytes are never needed: only their digests)."""

    filename: str
    packagetype: str
    python_version: str
    size: int
    sha256: str
    md5: str
    blake2_256: str

    @classmethod
    def make(cls, filename: str, size: int) -> Dist:
        seed = filename.encode()
        wheel = filename.endswith(".whl")
        return cls(
            filename=filename,
            packagetype="bdist_wheel" if wheel else "sdist",
            python_version="py3" if wheel else "source",
            size=size,
            sha256=hashlib.sha256(seed).hexdigest(),
            md5=hashlib.md5(seed, usedforsecurity=False).hexdigest(),
            blake2_256=hashlib.blake2b(seed, digest_size=32).hexdigest(),
        )

    def row(self, file_id: int | None, release_id: int) -> dict[str, Any]:
        return {
            **({"id": file_id} if file_id is not None else {}),
            "release_id": release_id,
            "filename": self.filename,
            "packagetype": self.packagetype,
            "python_version": self.python_version,
            "requires_python": ">=3.9",
            "size": self.size,
            "md5_digest": self.md5,
            "sha256_digest": self.sha256,
            "blake2_256_digest": self.blake2_256,
            "path": file_path(self.blake2_256, self.filename),
            "metadata_sha256": hashlib.sha256(self.sha256.encode()).hexdigest()
            if self.packagetype == "bdist_wheel"
            else None,
            "has_provenance": False,
            "upload_time": _UPLOAD_TIME,
            "uploader_id": None,
        }


@dataclasses.dataclass(frozen=True)
class ProjectSpec:
    """A filled project: one release (1.0) with a wheel and an sdist."""

    index: int

    @property
    def id(self) -> int:
        return self.index + 1

    @property
    def name(self) -> str:
        return f"project-{self.index:06d}"

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")

    def dists(self) -> list[Dist]:
        # Sizes vary (a few KB to a few MB), so bins and pages list lengths of varied widths.
        size = 4000 + (self.index * 7919) % 3_000_000
        return sorted(
            [
                Dist.make(f"{self.module}-1.0-py3-none-any.whl", size),
                Dist.make(f"{self.module}-1.0.tar.gz", size // 2 + 1),
            ],
            key=lambda dist: dist.filename,
        )

    def upload(self, build: int) -> Dist:
        """The file of a later upload: another wheel of 1.0, told apart by its build tag."""
        return Dist.make(f"{self.module}-1.0-{build}-py3-none-any.whl", 5000 + build)


# --- Bastion ---------------------------------------------------------------------------------


class DirectoryStorage:
    """Bastion's LocalStorage, wrapped (not subclassed: see the top of this file)."""

    def __init__(self, root: Path) -> None:
        self.local = LocalStorage(root)
        self.root = self.local.root

    def put_file(self, key: str, source: Path) -> None:
        self.put_bytes(key, source.read_bytes())

    def put_bytes(self, key: str, data: bytes, *, durable: bool = True) -> None:
        self.local.put_bytes(key, data, durable=durable)

    def open(self, key: str) -> BinaryIO:
        return self.local.open(key)

    def local_path(self, key: str) -> Path | None:
        return self.local.local_path(key)

    def exists(self, key: str) -> bool:
        return self.local.exists(key)

    def delete(self, key: str) -> None:
        self.local.delete(key)

    def sync(self) -> None:
        self.local.sync()


class UnsyncedStorage(DirectoryStorage):
    """Without fsync or sync, for the fill only (it is rebuilt on every run)."""

    def put_bytes(self, key: str, data: bytes, *, durable: bool = True) -> None:  # noqa: ARG002
        target = self.local.local_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".tmp-{target.name}")
        temporary.write_bytes(data)
        temporary.replace(target)

    def sync(self) -> None:
        pass


class MeteredStorage(DirectoryStorage):
    """LocalStorage as the index uses it (fsync, sync and all), counting the CPU time spent in it.

    Creating a file costs from 0.1 to almost 1 ms of CPU on some virtual machines (this one);
    the tables show how much of the publisher's time that is.
    """

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.cpu_s = 0.0

    def put_bytes(self, key: str, data: bytes, *, durable: bool = True) -> None:
        started = time.process_time()
        try:
            self.local.put_bytes(key, data, durable=durable)
        finally:
            self.cpu_s += time.process_time() - started

    def exists(self, key: str) -> bool:
        started = time.process_time()
        try:
            return self.local.exists(key)
        finally:
            self.cpu_s += time.process_time() - started

    def delete(self, key: str) -> None:
        started = time.process_time()
        try:
            self.local.delete(key)
        finally:
            self.cpu_s += time.process_time() - started

    def sync(self) -> None:
        started = time.process_time()
        try:
            self.local.sync()
        finally:
            self.cpu_s += time.process_time() - started


@dataclasses.dataclass
class BastionIndex:
    """A filled index with its repository, and the publisher measured on it."""

    settings: Settings
    engines: Engines
    storage: MeteredStorage
    publisher: Publisher
    targets: list[tuple[str, int, str]]
    builds: int = 0

    def upload(self, project: ProjectSpec) -> Dist:
        """Add one new file to `project` as an upload does, and queue the project for signing.

        The rows an upload commits that the publisher reads (file, filename, journal entry and
        serial, pending change), without archive inspection or storing the file's bytes: the
        publisher never reads those. Not timed.
        """
        self.builds += 1
        dist = project.upload(self.builds)
        with Session(self.engines.writer) as session:
            session.add(FilenameRegistry(filename=dist.filename))
            session.add(File(**dist.row(None, project.id)))
            entry = JournalEntry(
                project_name=project.name, version="1.0", action=f"add py3 file {dist.filename}"
            )
            session.add(entry)
            session.flush()
            session.execute(
                update(Project).where(Project.id == project.id).values(last_serial=entry.id)
            )
            PendingChanges(session).project_changed(project.name)
            session.commit()
        return dist

    def close(self) -> None:
        self.engines.dispose()


def fill_bastion(data_dir: Path, bit_length: int, projects: list[ProjectSpec]) -> BastionIndex:
    """A fresh index holding `projects`, every target signed in a bin.

    The rows go in with bulk inserts and the simple pages are rendered from the same values,
    bypassing the upload path (25,000 uploads would take minutes); then every bin is signed
    by the publisher itself. A publish of two unchanged projects checks that the publisher
    would have signed the same targets: it must re-sign no bin.
    """
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    settings = Settings(data_dir=data_dir, tuf_publish_in_process=False)
    engines = make_engines(settings)
    schema.upgrade(engines.writer)
    fill_storage = UnsyncedStorage(settings.storage_dir)
    with Session(engines.writer) as session:
        repository.initialize(session, fill_storage, embedded_keys(settings), bit_length=bit_length)
        session.commit()
    targets: list[tuple[str, int, str]] = []
    for start in range(0, len(projects), _FILL_CHUNK):
        chunk = projects[start : start + _FILL_CHUNK]
        targets += _insert_projects(engines, fill_storage, chunk, bit_length)
    # Every bin is about to expire: the publisher re-signs them, 1,024 per publish.
    with Session(engines.writer) as session:
        session.execute(
            update(TufRole)
            .where(TufRole.name.like(f"{layout.BIN_PREFIX}-%"))
            .values(expires=utcnow() - datetime.timedelta(days=1))
        )
        session.commit()
    filler = Publisher(settings, fill_storage, engines)
    while filler.publish().bins:
        pass
    with Session(engines.writer) as session:
        for project in projects[:2]:
            PendingChanges(session).project_changed(project.name)
        session.commit()
    result = filler.publish()
    if result.changes != 2 or result.bins:
        raise RuntimeError(f"the fill's targets differ from what the publisher signs: {result}")
    # The same publisher goes on, as the in-process publisher of a web process would.
    filler.storage = storage = MeteredStorage(settings.storage_dir)
    return BastionIndex(settings, engines, storage, filler, targets)


def _insert_projects(
    engines: Engines, storage: UnsyncedStorage, chunk: list[ProjectSpec], bit_length: int
) -> list[tuple[str, int, str]]:
    """Insert the projects' rows, store their pages, and insert their target rows."""
    project_rows, release_rows, file_rows, names, target_rows = [], [], [], [], []
    targets: list[tuple[str, int, str]] = []
    for spec in chunk:
        project_rows.append(
            {
                "id": spec.id,
                "name": spec.name,
                "normalized_name": spec.name,
                "created": _UPLOAD_TIME,
                "last_serial": spec.id,
                "status": "active",
                "status_reason": None,
            }
        )
        release_rows.append(
            {
                "id": spec.id,
                "project_id": spec.id,
                "version": "1.0",
                "canonical_version": "1",
                "created": _UPLOAD_TIME,
                "summary": f"Benchmark project {spec.name}",
                "description": None,
                "description_content_type": None,
                "requires_python": ">=3.9",
                "core_metadata": {},
                "yanked": False,
                "yanked_reason": None,
            }
        )
        dists = spec.dists()
        rows = [dist.row(2 * spec.id - 1 + i, spec.id) for i, dist in enumerate(dists)]
        file_rows += rows
        names += [{"filename": dist.filename} for dist in dists]
        entries = [
            (layout.package_target(spec.name, row["filename"]), row["size"], row["sha256_digest"])
            for row in rows
        ]
        for page_filename, page in _pages(project_rows[-1], release_rows[-1], rows).items():
            sha256 = hashlib.sha256(page).hexdigest()
            path = layout.page_target(spec.name, page_filename)
            storage.put_bytes(layout.hashed_target_key(path, sha256), page)
            entries.append((path, len(page), sha256))
        for path, length, sha256 in entries:
            bin_index = layout.bin_for_target(path, bit_length)
            target_rows.append(
                {
                    "path": path,
                    "project": spec.name,
                    "bin": bin_index,
                    "length": length,
                    "sha256": sha256,
                }
            )
        targets += entries
    with engines.writer.begin() as connection:
        for table, rows in (
            (Project.__table__, project_rows),
            (Release.__table__, release_rows),
            (File.__table__, file_rows),
            (FilenameRegistry.__table__, names),
            (TufTarget.__table__, target_rows),
        ):
            connection.execute(table.insert(), rows)
    return targets


def _pages(
    project_row: dict[str, Any], release_row: dict[str, Any], file_rows: list[dict[str, Any]]
) -> dict[str, bytes]:
    """The project's simple pages, rendered by Bastion's own code from the rows' values."""
    project = Project(**project_row)
    release = Release(**{key: value for key, value in release_row.items() if key != "project_id"})
    files = [
        (release, File(**{key: value for key, value in row.items() if key != "release_id"}))
        for row in file_rows
    ]
    rendered = {}
    for page_filename, as_json in layout.PAGE_FILENAMES.items():
        if as_json:
            rendered[page_filename] = pages.project_json(project, files, [release.version])
        else:
            rendered[page_filename] = pages.project_html(project, files)
    return rendered


# --- python-tuf ------------------------------------------------------------------------------


class PythonTufRepository(Repository):
    """python-tuf's repository abstraction over Metadata objects in memory, as PEP 458 lays out.

    The same roles as Bastion's (root, targets, bins, succinct hash bins, snapshot, timestamp)
    with the same keys per role. Written as python-tuf's examples/repository is, without its
    deep copy of every document in `open()` (which would make python-tuf look slower than it
    is): `close()` bumps the version, signs, and serializes what a repository would write.
    """

    def __init__(self, bit_length: int, targets: Iterable[tuple[str, int, str]]) -> None:
        self._metadata: dict[str, Metadata[Any]] = {}
        self._targets_infos: dict[str, MetaFile] = {}
        self._snapshot_info = MetaFile(1)
        self.bytes_written = 0
        root_key, targets_key, online = (CryptoSigner.generate_ed25519() for _ in range(3))
        self._signers: dict[str, Signer] = {
            Root.type: root_key,
            Targets.type: targets_key,
            layout.RoleName.BINS: targets_key,
        }
        self._online = online
        with self.edit_root() as root:
            root.add_key(root_key.public_key, Root.type)
            root.add_key(targets_key.public_key, Targets.type)
            root.add_key(online.public_key, Snapshot.type)
            root.add_key(online.public_key, Timestamp.type)
        with self.edit_targets() as top:
            top.delegations = Delegations(
                keys={targets_key.public_key.keyid: targets_key.public_key},
                roles={
                    layout.RoleName.BINS: DelegatedRole(
                        name=layout.RoleName.BINS,
                        keyids=[targets_key.public_key.keyid],
                        threshold=1,
                        terminating=True,
                        paths=list(layout.DELEGATED_PATHS),
                    )
                },
            )
        self.succinct = SuccinctRoles(
            keyids=[online.public_key.keyid],
            threshold=1,
            bit_length=bit_length,
            name_prefix=layout.BIN_PREFIX,
        )
        with self.edit_targets(layout.RoleName.BINS) as bins:
            bins.delegations = Delegations(
                keys={online.public_key.keyid: online.public_key}, succinct_roles=self.succinct
            )
        listed: dict[str, dict[str, TargetFile]] = collections.defaultdict(dict)
        for path, length, sha256 in targets:
            role = self.succinct.get_role_for_target(path)
            listed[role][path] = TargetFile(length, {"sha256": sha256}, path)
        for role in self.succinct.get_roles():
            with self.edit_targets(role) as bin_targets:
                bin_targets.targets = listed.get(role, {})
        self.do_snapshot()
        self.do_timestamp()

    @property
    def targets_infos(self) -> dict[str, MetaFile]:
        return self._targets_infos

    @property
    def snapshot_info(self) -> MetaFile:
        return self._snapshot_info

    def open(self, role: str) -> Metadata[Any]:
        md = self._metadata.get(role)
        if md is None:
            kinds = {Root.type: Root, Snapshot.type: Snapshot, Timestamp.type: Timestamp}
            md = Metadata(kinds.get(role, Targets)())
            md.signed.version = 0
        return md

    def close(self, role: str, md: Metadata[Any]) -> None:
        md.signed.version += 1
        md.signed.expires = utcnow() + _lifetime(role)
        md.signatures.clear()
        md.sign(self._signers.get(role, self._online), append=True)
        data = md.to_bytes(_COMPACT)
        self.bytes_written += len(data)
        self._metadata[role] = md
        if role == Snapshot.type:
            sha256 = hashlib.sha256(data).hexdigest()
            self._snapshot_info = MetaFile(md.signed.version, len(data), {"sha256": sha256})
        elif role not in {Root.type, Timestamp.type}:
            self._targets_infos[f"{role}.json"] = MetaFile(md.signed.version)

    def publish(self, changes: Iterable[tuple[str, int, str]]) -> None:
        """Put `changes` (path, length, sha256) in their bins, then snapshot and timestamp."""
        by_bin: dict[str, list[tuple[str, int, str]]] = collections.defaultdict(list)
        for change in changes:
            by_bin[self.succinct.get_role_for_target(change[0])].append(change)
        for role, entries in by_bin.items():
            with self.edit_targets(role) as bin_targets:
                for path, length, sha256 in entries:
                    bin_targets.targets[path] = TargetFile(length, {"sha256": sha256}, path)
        self.do_snapshot()
        self.do_timestamp()


def _lifetime(role: str) -> datetime.timedelta:
    try:
        return layout.LIFETIMES[layout.RoleName(role)]
    except ValueError:
        return layout.BIN_LIFETIME


def peer_changes(project: ProjectSpec, dist: Dist, build: int) -> list[tuple[str, int, str]]:
    """What an upload changes in the bins: the new file's target and the project's two pages."""
    changes = [(layout.package_target(project.name, dist.filename), dist.size, dist.sha256)]
    for page_filename in layout.PAGE_FILENAMES:
        path = layout.page_target(project.name, page_filename)
        sha256 = hashlib.sha256(f"{path} {build}".encode()).hexdigest()
        changes.append((path, 2000 + build, sha256))
    return changes


# --- measuring -------------------------------------------------------------------------------


@dataclasses.dataclass
class Timing:
    """CPU and wall milliseconds per upload, one value per publish (and Bastion's storage CPU)."""

    cpu_ms: list[float] = dataclasses.field(default_factory=list)
    wall_ms: list[float] = dataclasses.field(default_factory=list)
    storage_cpu_ms: list[float] = dataclasses.field(default_factory=list)

    def add(self, action: Callable[[], object], uploads: int) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        self.cpu_ms.append((time.process_time() - cpu) * 1000 / uploads)
        self.wall_ms.append((time.perf_counter() - wall) * 1000 / uploads)

    def add_publish(self, index: BastionIndex, publisher: Publisher, uploads: int) -> None:
        """Time one publish of `uploads` pending changes by `publisher`."""
        storage_before = index.storage.cpu_s
        self.add(_checked(publisher, uploads), uploads)
        self.storage_cpu_ms.append((index.storage.cpu_s - storage_before) * 1000 / uploads)

    def summary(self) -> dict[str, float]:
        summary = {
            "cpu_p50": statistics.median(self.cpu_ms),
            "cpu_p90": _p90(self.cpu_ms),
            "wall_p50": statistics.median(self.wall_ms),
            "wall_p90": _p90(self.wall_ms),
        }
        if self.storage_cpu_ms:
            summary["storage_cpu_p50"] = statistics.median(self.storage_cpu_ms)
        return summary


def _p90(values: Sequence[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def _checked(publisher: Publisher, changes: int) -> Callable[[], None]:
    def publish() -> None:
        published = publisher.publish()
        if published.changes != changes:
            raise RuntimeError(f"published {published.changes} changes, not {changes}")

    return publish


@dataclasses.dataclass
class CaseResult:
    """Everything measured for one number of bins and targets."""

    bins: int
    targets: int
    projects: int
    fill_s: dict[str, float] = dataclasses.field(default_factory=dict)
    unbatched: dict[str, Timing] = dataclasses.field(default_factory=dict)
    batched: dict[str, Timing] = dataclasses.field(default_factory=dict)
    # One publish each: a new process's publisher, and a warm one after that one published.
    cold: dict[str, Timing] = dataclasses.field(default_factory=dict)
    client: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)

    def to_json(self) -> dict[str, Any]:
        def timings(table: dict[str, Timing]) -> dict[str, Any]:
            return {
                name: {**timing.summary(), **dataclasses.asdict(timing)}
                for name, timing in table.items()
            }

        return {
            "bins": self.bins,
            "targets": self.targets,
            "projects": self.projects,
            "fill_s": self.fill_s,
            "unbatched": timings(self.unbatched),
            "batched": timings(self.batched),
            "cold": timings(self.cold),
            "client": self.client,
            "load_average": self.load,
        }


def measure_case(options: Options, bins: int, targets: int) -> CaseResult:
    projects = [ProjectSpec(i) for i in range(targets // TARGETS_PER_PROJECT)]
    result = CaseResult(bins, len(projects) * TARGETS_PER_PROJECT, len(projects))
    bit_length = bins.bit_length() - 1
    data_dir = options.cache_dir / f"{bins}-{targets}"
    load_before = os.getloadavg()[0]
    print(f"{bins:,} bins, {result.targets:,} targets ({len(projects):,} projects)", flush=True)
    started = time.monotonic()
    index = fill_bastion(data_dir, bit_length, projects)
    result.fill_s["bastion"] = time.monotonic() - started
    started = time.monotonic()
    peer = PythonTufRepository(bit_length, index.targets)
    result.fill_s["python-tuf"] = time.monotonic() - started
    print(
        f"  filled: Bastion {result.fill_s['bastion']:.0f}s, "
        f"python-tuf {result.fill_s['python-tuf']:.0f}s",
        flush=True,
    )
    for path, _length, _sha256 in index.targets[:100]:
        expected = layout.bin_name(layout.bin_for_target(path, bit_length), bit_length)
        if peer.succinct.get_role_for_target(path) != expected:
            raise RuntimeError(f"{path}: Bastion and python-tuf disagree on its bin")
    index.targets = []
    # The fills' objects stay alive; freezing them keeps the collector from charging their
    # scans to whichever of the two happens to allocate when it runs.
    gc.collect()
    gc.freeze()
    picks = iter(random.Random(f"{bins}/{targets}").sample(projects, len(projects)))  # noqa: S311
    try:
        index.upload(next(picks))
        index.publisher.publish()  # unmeasured: the first with the metered storage
        _measure_uploads(options, index, peer, picks, result)
        _measure_cold(index, picks, result)
        result.client = measure_client(options, index, picks, data_dir / "clients")
    finally:
        index.close()
        gc.unfreeze()
        if not options.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    result.load = (load_before, os.getloadavg()[0])
    return result


def _measure_uploads(
    options: Options,
    index: BastionIndex,
    peer: PythonTufRepository,
    picks: Iterator[ProjectSpec],
    result: CaseResult,
) -> None:
    """Unbatched, then batched: Bastion and python-tuf alternate, upload by upload."""
    result.unbatched = {"bastion": Timing(), "python-tuf": Timing()}
    for _ in range(options.uploads):
        project = next(picks)
        dist = index.upload(project)
        result.unbatched["bastion"].add_publish(index, index.publisher, 1)
        changes = peer_changes(project, dist, index.builds)
        result.unbatched["python-tuf"].add(lambda changes=changes: peer.publish(changes), 1)
    result.batched = {"bastion": Timing(), "python-tuf": Timing()}
    for _ in range(options.batches):
        batch = [next(picks) for _ in range(options.batch)]
        changes = []
        for project in batch:
            dist = index.upload(project)
            changes += peer_changes(project, dist, index.builds)
        result.batched["bastion"].add_publish(index, index.publisher, options.batch)
        result.batched["python-tuf"].add(
            lambda changes=changes: peer.publish(changes), options.batch
        )
    for kind, table in (("unbatched", result.unbatched), ("batched", result.batched)):
        print(
            f"  {kind:<9}: "
            + ", ".join(
                f"{name} {statistics.median(timing.cpu_ms):.2f} CPU ms/upload"
                for name, timing in table.items()
            ),
            flush=True,
        )


def _measure_cold(index: BastionIndex, picks: Iterator[ProjectSpec], result: CaseResult) -> None:
    """A second web process's publisher: its first publish, then the first's next one.

    Each in-process publisher keeps the versions the snapshot lists, encoded, as of the
    snapshot version it wrote last: a new process reads and encodes all of them; one that
    another process published after re-reads the versions and re-encodes those that changed.
    """
    other = Publisher(index.settings, index.storage, index.engines)
    result.cold = {"first publish of a process": Timing(), "after another's publish": Timing()}
    index.upload(next(picks))
    result.cold["first publish of a process"].add_publish(index, other, 1)
    index.upload(next(picks))
    result.cold["after another's publish"].add_publish(index, index.publisher, 1)
    print(
        "  cold:      "
        + ", ".join(
            f"{name} {timing.cpu_ms[0]:.1f} CPU ms" for name, timing in result.cold.items()
        ),
        flush=True,
    )


# --- the client ------------------------------------------------------------------------------


class StorageFetcher(FetcherInterface):
    """Reads the repository's files from storage as Bastion's /tuf/ views serve them."""

    def __init__(self, storage_dir: Path) -> None:
        self.storage_dir = storage_dir
        self.fetched: list[tuple[str, bytes]] = []

    def _fetch(self, url: str) -> Iterator[bytes]:
        relative = url.removeprefix(_BASE_URL)
        if relative.startswith("targets/"):
            key = layout.TARGETS_PREFIX + relative.removeprefix("targets/")
        else:
            key = layout.metadata_key(relative)
        try:
            data = (self.storage_dir / key).read_bytes()
        except FileNotFoundError:
            raise DownloadHTTPError(f"404 for {url}", 404) from None
        self.fetched.append((relative, data))
        return iter([data])


def measure_client(
    options: Options, index: BastionIndex, picks: Iterator[ProjectSpec], directory: Path
) -> dict[str, dict[str, Any]]:
    """A first install (empty metadata directory) and a returning one (after one more upload).

    Each install: refresh, find the project's JSON simple page among the targets, download
    and verify it. Between the two, the project gets one more file (its bin and pages change).
    """
    root = (index.storage.root / layout.metadata_key("1.root.json")).read_bytes()
    runs: dict[str, list[dict[str, Any]]] = {"first": [], "returning": []}
    for round_number in range(options.client_rounds):
        project = next(picks)
        index.upload(project)
        index.publisher.publish()
        client_dir = directory / str(round_number)
        runs["first"].append(_install(index, project, client_dir, root))
        dist = index.upload(project)
        index.publisher.publish()
        runs["returning"].append(_install(index, project, client_dir, None))
        page = json.loads((client_dir / "targets" / f"{project.name}.json").read_bytes())
        if dist.filename not in {entry["filename"] for entry in page["files"]}:
            raise RuntimeError(f"{project.name}: the verified page lacks {dist.filename}")
    return {kind: _client_summary(samples) for kind, samples in runs.items()}


def _install(
    index: BastionIndex, project: ProjectSpec, directory: Path, root: bytes | None
) -> dict[str, Any]:
    (directory / "metadata").mkdir(parents=True, exist_ok=True)
    (directory / "targets").mkdir(parents=True, exist_ok=True)
    fetcher = StorageFetcher(index.storage.root)
    wall, cpu = time.perf_counter(), time.process_time()
    updater = Updater(
        metadata_dir=str(directory / "metadata"),
        metadata_base_url=_BASE_URL,
        target_base_url=f"{_BASE_URL}targets/",
        target_dir=str(directory / "targets"),
        fetcher=fetcher,
        bootstrap=root,
    )
    updater.refresh()
    info = updater.get_targetinfo(layout.page_target(project.name, "index.json"))
    if info is None:
        raise RuntimeError(f"{project.name}: no signed JSON page")
    updater.download_target(info, str(directory / "targets" / f"{project.name}.json"))
    cpu_ms = (time.process_time() - cpu) * 1000
    wall_ms = (time.perf_counter() - wall) * 1000
    metadata = {
        name: len(data) for name, data in fetcher.fetched if not name.startswith("targets/")
    }
    page = sum(len(data) for name, data in fetcher.fetched if name.startswith("targets/"))
    return {
        "cpu_ms": cpu_ms,
        "wall_ms": wall_ms,
        "metadata_bytes": sum(metadata.values()),
        "metadata_gzip_bytes": sum(
            len(gzip.compress(data)) for name, data in fetcher.fetched if name in metadata
        ),
        "page_bytes": page,
        "files": metadata,
    }


def _client_summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {
        key: statistics.median(sample[key] for sample in samples)
        for key in ("cpu_ms", "wall_ms", "metadata_bytes", "metadata_gzip_bytes", "page_bytes")
    }
    # Which files, and their sizes, in the last install (the same roles every round).
    summary["files"] = samples[-1]["files"]
    return summary


# --- reporting -------------------------------------------------------------------------------


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.3f}" if theirs else "n/a"


def timing_table(results: Sequence[CaseResult], kind: str, label: str) -> str:
    rows = [
        f"### {label}",
        "",
        (
            "| bins | targets | Bastion CPU ms p50 | p90 | of which storage "
            "| python-tuf CPU ms p50 | p90 | Bastion / python-tuf (p50) "
            "| Bastion wall ms p50 | python-tuf wall ms p50 |"
        ),
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for result in results:
        table: dict[str, Timing] = getattr(result, kind)
        ours, theirs = table["bastion"].summary(), table["python-tuf"].summary()
        rows.append(
            f"| {result.bins:,} | {result.targets:,} | {ours['cpu_p50']:.2f} "
            f"| {ours['cpu_p90']:.2f} | {ours['storage_cpu_p50']:.2f} | {theirs['cpu_p50']:.2f} "
            f"| {theirs['cpu_p90']:.2f} "
            f"| {_ratio(ours['cpu_p50'], theirs['cpu_p50'])} | {ours['wall_p50']:.2f} "
            f"| {theirs['wall_p50']:.2f} |"
        )
    return "\n".join(rows)


def client_table(results: Sequence[CaseResult]) -> str:
    rows = [
        "### Client (ngclient): one project's JSON page, verified",
        "",
        (
            "| bins | targets | install | metadata KB | gzip KB | snapshot KB | bin KB "
            "| page KB | CPU ms | wall ms |"
        ),
        "|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for result in results:
        for kind in ("first", "returning"):
            client = result.client[kind]
            files = client["files"]
            snapshot = sum(size for name, size in files.items() if name.endswith(".snapshot.json"))
            bin_size = sum(size for name, size in files.items() if f".{layout.BIN_PREFIX}-" in name)
            rows.append(
                f"| {result.bins:,} | {result.targets:,} | {kind} "
                f"| {client['metadata_bytes'] / 1000:.1f} "
                f"| {client['metadata_gzip_bytes'] / 1000:.1f} | {snapshot / 1000:.1f} "
                f"| {bin_size / 1000:.1f} | {client['page_bytes'] / 1000:.1f} "
                f"| {client['cpu_ms']:.1f} | {client['wall_ms']:.1f} |"
            )
    return "\n".join(rows)


def setup_table(results: Sequence[CaseResult]) -> str:
    rows = [
        "### Fill, and Bastion's publish with a cold cache (one upload, one sample each)",
        "",
        (
            "| bins | targets | projects | Bastion fill s | python-tuf fill s "
            "| first publish of a process, CPU ms | next publish of another process, CPU ms "
            "| load before | load after |"
        ),
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        first, after = (timing.cpu_ms[0] for timing in r.cold.values())
        rows.append(
            f"| {r.bins:,} | {r.targets:,} | {r.projects:,} | {r.fill_s['bastion']:.1f} "
            f"| {r.fill_s['python-tuf']:.1f} | {first:,.1f} | {after:,.1f} "
            f"| {r.load[0]:.1f} | {r.load[1]:.1f} |"
        )
    return "\n".join(rows)


def target_lines(results: Sequence[CaseResult]) -> list[str]:
    """The issue's target: at most 3 ms CPU per upload at 16,384 bins, flat as targets grow."""
    lines = ["### Target: at most 3 ms CPU per upload at 16,384 bins, flat as targets grow", ""]
    largest = [r for r in results if r.bins == 2**14]
    if not largest:
        return [*lines, "- not measured (no 16,384-bin case in this run)"]
    for result in largest:
        for kind in ("unbatched", "batched"):
            p50 = statistics.median(getattr(result, kind)["bastion"].cpu_ms)
            verdict = "met" if p50 <= 3 else "NOT met"
            lines.append(
                f"- {result.targets:,} targets, {kind}: {p50:.2f} ms CPU per upload (p50): "
                f"{verdict}"
            )
    if len(largest) > 1:
        low, high = largest[0], largest[-1]
        growth = statistics.median(high.unbatched["bastion"].cpu_ms) / statistics.median(
            low.unbatched["bastion"].cpu_ms
        )
        lines.append(
            f"- unbatched, {low.targets:,} to {high.targets:,} targets: x{growth:.2f} "
            f"({'flat' if growth <= 1.25 else 'NOT flat'}: within 25% counts as flat)"
        )
    return lines


def _sibling(name: str) -> Any:
    """Another module of benchmarks/ (this directory is off sys.path here: see the top)."""
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None  # noqa: S101, PT018
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def environment(options: Options) -> list[str]:
    report = _sibling("report")
    versions = [
        report.bastion_version(REPO),
        f"python-tuf {importlib.metadata.version('tuf')}",
        f"securesystemslib {importlib.metadata.version('securesystemslib')}",
        f"cryptography {importlib.metadata.version('cryptography')}",
    ]
    return [
        report.machine_line(),
        f"- software: {', '.join(versions)}",
        (
            f"- per case: {options.uploads} uploads each published alone (unbatched), then "
            f"{options.batches} batches of {options.batch} uploads published at once; Bastion "
            "and python-tuf alternate upload by upload, in one process and thread; "
            "CPU is `time.process_time()` around the publish, divided by its uploads"
        ),
        (
            "- Bastion: `Publisher.publish()` on SQLite and LocalStorage (one `os.sync()` before "
            "the commit for the files it names, fsync for `timestamp.json`), "
            "one new wheel per upload in an existing project; python-tuf: the same targets "
            "edited in their bins, then `do_snapshot()` and `do_timestamp()`, in memory"
        ),
        (
            f"- client: python-tuf ngclient `Updater`, reading storage directly, "
            f"{options.client_rounds} round(s), medians shown"
        ),
    ]


def render(header: list[str], results: Sequence[CaseResult], pending: list[str]) -> str:
    now = datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sections = [
        f"## TUF metadata maintenance benchmark, {now}",
        "\n".join(header),
    ]
    if results:
        sections += [
            timing_table(results, "unbatched", "Per upload, each upload published alone"),
            timing_table(results, "batched", "Per upload, uploads published in batches"),
            client_table(results),
            setup_table(results),
            "\n".join(target_lines(results)),
        ]
    if pending:
        sections.append(f"Incomplete: {', '.join(pending)} not measured.")
    return "\n\n".join(sections)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    header = environment(options)
    cases = [(bins, targets) for targets in options.targets for bins in options.bins]
    results: list[CaseResult] = []
    for bins, targets in cases:
        results.append(measure_case(options, bins, targets))
        pending = [f"{b:,} bins x {t:,} targets" for b, t in cases[len(results) :]]
        # Written after each case, so a failure later keeps what was measured.
        document = render(header, results, pending)
        if options.results is not None:
            options.results.parent.mkdir(parents=True, exist_ok=True)
            options.results.with_suffix(".md").write_text(document + "\n")
            raw = {
                "options": {
                    key: str(value) if isinstance(value, Path) else value
                    for key, value in dataclasses.asdict(options).items()
                },
                "environment": header,
                "cases": [result.to_json() for result in results],
                "pending": pending,
            }
            options.results.with_suffix(".json").write_text(json.dumps(raw, indent=1) + "\n")
    print("\n" + render(header, results, []))
    if options.results is not None:
        print(f"\nWritten to {options.results.relative_to(REPO)}.md and .json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
