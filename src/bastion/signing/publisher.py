"""The publisher: turns pending changes into new bins, one snapshot and one timestamp.

One publish, under the publisher lock (locks.py):

1. read a batch of pending changes (projects) and reconcile each project's targets with the
   database: its files, and its two simple pages, rendered and stored;
2. re-sign only the bins whose targets changed (plus bins about to expire);
3. sign one snapshot, encoded from cached parts (canonical.py), and store it;
4. commit: role versions, targets, and the deletion of the drained changes, all at once;
5. write `timestamp.json`, the only file replaced in place, last.

A publisher killed before step 4 leaves versioned files that nothing references and that the
next publish overwrites; killed between 4 and 5, it leaves a timestamp one version behind the
database, which the next publish notices and replaces. Either way no change is lost (rows go
only with the commit that signed them) or signed twice, and a client never sees a snapshot
that disagrees with the bins it names (bins and snapshot are written before the timestamp
that points at them).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import logging
from collections.abc import Iterable

from securesystemslib.signer import Signer
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from bastion.config import Settings
from bastion.db.engine import Engines
from bastion.db.types import utcnow
from bastion.packaging.models import File, Project, Release
from bastion.packaging.services import ProjectService
from bastion.signing import documents, keys, repository
from bastion.signing.canonical import CanonicalObject
from bastion.signing.layout import (
    BIN_LIFETIME,
    BIN_PREFIX,
    LIFETIMES,
    ONLINE_REFRESH_MARGIN,
    PAGE_FILENAMES,
    TIMESTAMP_FILENAME,
    RoleName,
    bin_for_target,
    bin_name,
    hashed_target_key,
    metadata_key,
    package_target,
    page_target,
    versioned_filename,
)
from bastion.signing.locks import publisher_lock
from bastion.signing.models import TufPendingChange, TufRole, TufTarget
from bastion.signing.rotation import RootChangeError, Rotation
from bastion.simple import pages
from bastion.storage import Storage

logger = logging.getLogger(__name__)

# Bins re-signed because they are about to expire, at most, per publish (all bins of a fresh
# repository expire together; spreading them keeps each publish short).
_REFRESH_BATCH = 1024


@dataclasses.dataclass(frozen=True)
class PublishResult:
    """What one publish did."""

    changes: int = 0
    bins: int = 0
    snapshot_version: int | None = None
    timestamp_version: int | None = None


@dataclasses.dataclass
class _SnapshotState:
    """The snapshot's `meta`, kept encoded, as of snapshot `version`."""

    version: int
    meta: CanonicalObject


@dataclasses.dataclass(frozen=True)
class _Signing:
    """The current top-level metadata and the online signer it names."""

    top: repository.TopLevel
    versions: tuple[int, int]
    signer: Signer


class Publisher:
    """Publishes pending changes; safe to run in several threads and processes at once."""

    def __init__(
        self,
        settings: Settings,
        storage: Storage,
        engines: Engines,
        *,
        batch_size: int | None = None,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.engines = engines
        self.batch_size = batch_size or settings.tuf_publish_batch
        self._snapshot: _SnapshotState | None = None
        self._signing: _Signing | None = None

    def has_work(self) -> bool:
        """Whether a publish would do anything: a cheap read, no lock taken."""
        soon = utcnow() + ONLINE_REFRESH_MARGIN
        with self.engines.reader.connect() as connection:
            pending = connection.scalar(select(TufPendingChange.id).limit(1))
            # Only what the online key signs: offline roles wait for `bastion tuf resign`.
            online = or_(
                TufRole.name.like(f"{BIN_PREFIX}-%"),
                TufRole.name.in_([RoleName.SNAPSHOT.value, RoleName.TIMESTAMP.value]),
            )
            expiring = connection.scalar(
                select(TufRole.name).where(online, TufRole.expires < soon).limit(1)
            )
        return pending is not None or expiring is not None

    def publish(self, *, rotation: Rotation | None = None) -> PublishResult:
        """Publish one batch of pending changes, and re-sign what is about to expire.

        With `rotation`, first switch to its new root, bins and online key, and re-sign every
        bin with that key in the same publish (clients must never see a bin signed by a key
        the current bins role no longer names).

        Raises:
            RepositoryMissingError: the repository has not been created (`bastion tuf init`).
        """
        with publisher_lock(self.settings, self.engines):
            try:
                return self._publish_locked(rotation)
            except BaseException:
                # The cached snapshot parts may be ahead of what committed.
                self._snapshot = None
                raise

    def _publish_locked(self, rotation: Rotation | None) -> PublishResult:
        with Session(self.engines.writer, expire_on_commit=False) as session:
            roles = _RoleRows(session)
            now = utcnow()
            if rotation is None:
                signing = self._current_signing(session)
            else:
                signing = self._switch_to(roles, rotation)
            changes = session.scalars(
                select(TufPendingChange).order_by(TufPendingChange.id).limit(self.batch_size)
            ).all()
            touched: set[int] = set()
            for project in sorted({change.project for change in changes}):
                touched |= self._reconcile(session, project, signing.top.bit_length)
            if rotation is None:
                touched |= roles.expiring_bins(now + ONLINE_REFRESH_MARGIN, _REFRESH_BATCH)
            else:
                touched |= set(range(signing.top.succinct_roles.number_of_bins))
            if changes:
                ids = [change.id for change in changes]
                session.execute(delete(TufPendingChange).where(TufPendingChange.id.in_(ids)))

            snapshot_row = roles.get(RoleName.SNAPSHOT)
            timestamp_row = roles.get(RoleName.TIMESTAMP)
            soon = now + ONLINE_REFRESH_MARGIN
            new_snapshot = bool(touched) or snapshot_row.expires < soon
            if not (
                new_snapshot
                or timestamp_row.expires < soon
                or self._stored_timestamp_version() < timestamp_row.version
            ):
                session.commit()
                return PublishResult(changes=len(changes))

            state = self._snapshot_state(session, snapshot_row.version)
            bin_versions = self._sign_bins(session, roles, touched, signing, now)
            for name, version in bin_versions.items():
                state.meta.set(f"{name}.json", documents.meta_entry(version))
            if new_snapshot:
                snapshot = self._sign_snapshot(snapshot_row, state, signing.signer, now)
            else:
                snapshot = self._stored(versioned_filename(RoleName.SNAPSHOT, snapshot_row.version))
            timestamp_row.version += 1
            timestamp_row.expires = now + LIFETIMES[RoleName.TIMESTAMP]
            timestamp = repository.timestamp_bytes(
                timestamp_row.version,
                timestamp_row.expires,
                snapshot_row.version,
                snapshot,
                signing.signer,
            )
            session.commit()
        state.version = snapshot_row.version
        self._snapshot = state
        if rotation is not None:
            # Only now: clients find a new root by probing for it, so it must name keys that
            # committed metadata is signed with.
            repository.promote_root(self.storage, rotation.root_version)
        self.storage.put_bytes(metadata_key(TIMESTAMP_FILENAME), timestamp)
        self._forget_old_versions(snapshot_row.version if new_snapshot else None, bin_versions)
        return PublishResult(
            changes=len(changes),
            bins=len(bin_versions),
            snapshot_version=snapshot_row.version,
            timestamp_version=timestamp_row.version,
        )

    def _switch_to(self, roles: _RoleRows, rotation: Rotation) -> _Signing:
        """Record the rotation's root and bins, store its bins, and sign with its key from now."""
        top = rotation.top_level()
        for role, version in (
            (RoleName.ROOT, rotation.root_version),
            (RoleName.BINS, rotation.bins_version),
        ):
            row = roles.get(role)
            if version != row.version + 1:
                # Drafted against an older root or bins: it would replace a published version.
                raise RootChangeError(
                    f"the rotation makes {role} version {version}, but the next is "
                    f"{row.version + 1}: draft it again"
                )
            row.version, row.expires = version, rotation.expires(role)
        repository.stage_root(self.storage, rotation.root_version, rotation.root)
        # Unreferenced until the snapshot written below names it.
        repository.put_metadata(self.storage, RoleName.BINS, rotation.bins_version, rotation.bins)
        self._signing = _Signing(
            top=top, versions=(rotation.root_version, rotation.bins_version), signer=rotation.online
        )
        self._snapshot = None
        return self._signing

    def _sign_snapshot(
        self,
        row: TufRole,
        state: _SnapshotState,
        signer: Signer,
        now: datetime.datetime,
    ) -> bytes:
        """Sign and store the next snapshot version; return its bytes."""
        row.version += 1
        row.expires = now + LIFETIMES[RoleName.SNAPSHOT]
        signed = documents.snapshot_signed(row.version, row.expires, state.meta)
        snapshot = documents.signed_envelope(signed, [signer])
        repository.put_metadata(self.storage, RoleName.SNAPSHOT, row.version, snapshot)
        return snapshot

    def _current_signing(self, session: Session) -> _Signing:
        """The top-level metadata and online signer, reloaded when root or bins changed."""
        versions = session.execute(
            select(TufRole.name, TufRole.version).where(
                TufRole.name.in_([RoleName.ROOT.value, RoleName.BINS.value])
            )
        )
        current = dict(versions.all())
        if RoleName.ROOT.value not in current:
            raise repository.RepositoryMissingError(
                "run `bastion tuf init` to create the TUF repository"
            )
        key = (current[RoleName.ROOT.value], current[RoleName.BINS.value])
        if self._signing is None or self._signing.versions != key:
            top = repository.load_top_level(session, self.storage)
            signer = keys.online_signer(self.settings, top.online_key)
            self._signing = _Signing(top=top, versions=key, signer=signer)
            self._snapshot = None
        return self._signing

    def _reconcile(self, session: Session, project: str, bit_length: int) -> set[int]:
        """Bring `project`'s targets in line with the database; return the bins touched."""
        wanted = self._wanted_targets(session, project)
        current = {
            target.path: target
            for target in session.scalars(select(TufTarget).where(TufTarget.project == project))
        }
        touched: set[int] = set()
        for path, (length, sha256) in wanted.items():
            target = current.pop(path, None)
            if target is None:
                target = TufTarget(
                    path=path,
                    project=project,
                    bin=bin_for_target(path, bit_length),
                    length=length,
                    sha256=sha256,
                )
                session.add(target)
                touched.add(target.bin)
            elif (target.length, target.sha256) != (length, sha256):
                target.length, target.sha256 = length, sha256
                touched.add(target.bin)
        for target in current.values():
            session.delete(target)
            touched.add(target.bin)
        session.flush()
        return touched

    def _wanted_targets(self, session: Session, normalized: str) -> dict[str, tuple[int, str]]:
        """What the bins should list for the project now: its files and its two pages."""
        project = session.scalars(
            select(Project).where(Project.normalized_name == normalized)
        ).one_or_none()
        if project is None:
            return {}
        files = session.execute(
            select(File.filename, File.size, File.sha256_digest)
            .join(Release, File.release_id == Release.id)
            .where(Release.project_id == project.id)
        )
        wanted = {
            package_target(normalized, filename): (size, sha256) for filename, size, sha256 in files
        }
        rendered = pages.render_project_pages(ProjectService(session), project)
        for page_filename, as_json in PAGE_FILENAMES.items():
            page = rendered[as_json]
            sha256 = hashlib.sha256(page).hexdigest()
            path = page_target(normalized, page_filename)
            key = hashed_target_key(path, sha256)
            if not self.storage.exists(key):
                self.storage.put_bytes(key, page)
            wanted[path] = (len(page), sha256)
        return wanted

    def _sign_bins(
        self,
        session: Session,
        roles: _RoleRows,
        bins: Iterable[int],
        signing: _Signing,
        now: datetime.datetime,
    ) -> dict[str, int]:
        """Sign a new version of each bin in `bins`; return their names and new versions."""
        bit_length = signing.top.bit_length
        expires = now + BIN_LIFETIME
        names = {index: bin_name(index, bit_length) for index in sorted(bins)}
        current = roles.versions(names.values())
        listed: dict[int, list[tuple[str, int, str]]] = {index: [] for index in names}
        rows = session.execute(
            select(TufTarget.bin, TufTarget.path, TufTarget.length, TufTarget.sha256).where(
                TufTarget.bin.in_(list(names))
            )
        )
        for index, path, length, sha256 in rows:
            listed[index].append((path, length, sha256))
        versions: dict[str, int] = {}
        for index, name in names.items():
            version = current[name] + 1
            signed = documents.bin_signed(version, expires, listed[index])
            data = documents.signed_envelope(signed, [signing.signer])
            repository.put_metadata(self.storage, name, version, data)
            versions[name] = version
        roles.set_versions(versions, expires)
        return versions

    def _snapshot_state(self, session: Session, version: int) -> _SnapshotState:
        """A copy of the cached snapshot parts, rebuilt from the roles table when stale."""
        if self._snapshot is None or self._snapshot.version != version:
            meta = {
                f"{name}.json": documents.meta_entry(role_version)
                for name, role_version in session.execute(
                    select(TufRole.name, TufRole.version).where(
                        TufRole.name.not_in(
                            [RoleName.ROOT.value, RoleName.SNAPSHOT.value, RoleName.TIMESTAMP.value]
                        )
                    )
                )
            }
            self._snapshot = _SnapshotState(version, CanonicalObject(meta))
        return _SnapshotState(version, self._snapshot.meta.copy())

    def _stored(self, filename: str) -> bytes:
        with self.storage.open(metadata_key(filename)) as handle:
            return handle.read()

    def _stored_timestamp_version(self) -> int:
        """The version of the timestamp clients see now (0 when there is none)."""
        try:
            data = json.loads(self._stored(TIMESTAMP_FILENAME))
        except FileNotFoundError:
            return 0
        return int(data["signed"]["version"])

    def _forget_old_versions(self, snapshot_version: int | None, bins: dict[str, int]) -> None:
        """Delete versions old enough that no client still walking the tree can need them.

        A client reads timestamp, snapshot and bins within seconds; keeping the last
        `tuf_keep_versions` of each covers that many publishes in between. Root versions
        are never deleted (clients walk them one by one).
        """
        keep = self.settings.tuf_keep_versions
        doomed = [(name, version - keep) for name, version in bins.items()]
        if snapshot_version is not None:
            doomed.append((RoleName.SNAPSHOT.value, snapshot_version - keep))
        for name, version in doomed:
            if version >= 1:
                self.storage.delete(metadata_key(versioned_filename(name, version)))


class _RoleRows:
    """Reads and writes of the roles table within one publish."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, role: RoleName) -> TufRole:
        return self.session.get_one(TufRole, role.value)

    def versions(self, names: Iterable[str]) -> dict[str, int]:
        rows = self.session.execute(
            select(TufRole.name, TufRole.version).where(TufRole.name.in_(list(names)))
        )
        return dict(rows.all())

    def set_versions(self, versions: dict[str, int], expires: datetime.datetime) -> None:
        if not versions:
            return
        self.session.execute(
            update(TufRole),
            [
                {"name": name, "version": version, "expires": expires}
                for name, version in versions.items()
            ],
        )

    def expiring_bins(self, before: datetime.datetime, limit: int) -> set[int]:
        names = self.session.scalars(
            select(TufRole.name)
            .where(TufRole.name.like(f"{BIN_PREFIX}-%"), TufRole.expires < before)
            .order_by(TufRole.expires)
            .limit(limit)
        )
        return {int(name.removeprefix(f"{BIN_PREFIX}-"), 16) for name in names}
