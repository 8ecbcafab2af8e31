"""The publisher: turns pending changes into new bins, one snapshot and one timestamp.

One publish, under the publisher lock (locks.py):

1. read a batch of pending changes (projects) and reconcile their targets with the database:
   their files, and their two simple pages, rendered and stored (reconcile.py);
2. re-sign only the bins whose targets changed (plus bins about to expire);
3. sign one snapshot, encoded from cached parts (canonical.py, roles.py), and store it;
4. make the files of steps 1 to 3 durable, with one `storage.sync()` (not one fsync each:
   nothing names them before the commit), then commit: role versions, targets, and the
   deletion of the drained changes, all at once;
5. write `timestamp.json`, the only file replaced in place, last.

A publisher killed before step 4 leaves versioned files that nothing references and that the
next publish overwrites; killed between 4 and 5, it leaves a timestamp one version behind the
database, which the next publish notices and replaces. Either way no change is lost (rows go
only with the commit that signed them) or signed twice, and a client never sees a snapshot
that disagrees with the bins it names (bins and snapshot are written before the timestamp
that points at them).

Between publishes a publisher keeps the versions the snapshot lists, encoded (roles.py), and
the top-level metadata with the online signer; both are checked against the roles table at the
start of every publish (another process may have published since), and dropped when a publish
fails (they may be ahead of what committed).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
from collections.abc import Iterable
from typing import cast

from securesystemslib.signer import Signer
from sqlalchemy import Table, bindparam, delete, or_, select
from sqlalchemy.orm import Session

from bastion.config import Settings
from bastion.db.engine import Engines
from bastion.db.types import utcnow
from bastion.signing import documents, keys, reconcile, repository, roles
from bastion.signing.layout import (
    BIN_LIFETIME,
    BIN_PREFIX,
    LIFETIMES,
    ONLINE_REFRESH_MARGIN,
    TIMESTAMP_FILENAME,
    RoleName,
    bin_name,
    metadata_key,
    versioned_filename,
)
from bastion.signing.locks import publisher_lock
from bastion.signing.models import TufPendingChange, TufRole
from bastion.signing.roles import RoleRow, SnapshotMeta
from bastion.signing.rotation import RootChangeError, Rotation
from bastion.storage import Storage

logger = logging.getLogger(__name__)

# Bins re-signed because they are about to expire, at most, per publish (all bins of a fresh
# repository expire together; spreading them keeps each publish short).
_REFRESH_BATCH = 1024

# Built once (building a statement costs more than running it here).
_PENDING = cast("Table", TufPendingChange.__table__)
_SELECT_PENDING = (
    select(_PENDING.c.id, _PENDING.c.project).order_by(_PENDING.c.id).limit(bindparam("limit"))
)
_DELETE_PENDING = delete(_PENDING).where(_PENDING.c.id.in_(bindparam("ids", expanding=True)))


@dataclasses.dataclass(frozen=True)
class PublishResult:
    """What one publish did."""

    changes: int = 0
    bins: int = 0
    snapshot_version: int | None = None
    timestamp_version: int | None = None


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
        self._meta: SnapshotMeta | None = None
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
                # What this publisher keeps may be ahead of what committed.
                self._meta = None
                self._signing = None
                raise

    def _publish_locked(self, rotation: Rotation | None) -> PublishResult:
        with Session(self.engines.writer, expire_on_commit=False) as session:
            now = utcnow()
            soon = now + ONLINE_REFRESH_MARGIN
            top = roles.top_level(session)
            if rotation is None:
                signing = self._current_signing(session, top)
            else:
                signing = self._switch_to(session, top, rotation)
            changes = session.execute(_SELECT_PENDING, {"limit": self.batch_size}).all()
            projects = {project for _, project in changes}
            touched = reconcile.reconcile(session, self.storage, projects, signing.top.bit_length)
            if rotation is None:
                touched |= roles.expiring_bins(session, soon, _REFRESH_BATCH)
            else:
                touched |= set(range(signing.top.succinct_roles.number_of_bins))
            for ids in reconcile.chunks([change_id for change_id, _ in changes]):
                session.execute(_DELETE_PENDING, {"ids": ids})

            snapshot_row = top[RoleName.SNAPSHOT]
            timestamp_row = top[RoleName.TIMESTAMP]
            new_snapshot = bool(touched) or snapshot_row.expires < soon
            if not (
                new_snapshot
                or timestamp_row.expires < soon
                or self._stored_timestamp_version() < timestamp_row.version
            ):
                if changes:
                    self.storage.sync()  # pages may have been stored again
                session.commit()
                return PublishResult(changes=len(changes))

            meta = self._snapshot_meta(session, snapshot_row.version)
            bin_versions = self._sign_bins(session, touched, meta, signing, now)
            rows = {
                name: RoleRow(version, now + BIN_LIFETIME) for name, version in bin_versions.items()
            }
            if new_snapshot:
                snapshot = self._sign_snapshot(snapshot_row, meta, signing.signer, now)
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
            rows[RoleName.SNAPSHOT.value] = snapshot_row
            rows[RoleName.TIMESTAMP.value] = timestamp_row
            roles.save(session, rows)
            # The commit names the files written above: they must be on disk first.
            self.storage.sync()
            session.commit()
        meta.version = snapshot_row.version
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

    def _switch_to(
        self, session: Session, top: dict[RoleName, RoleRow], rotation: Rotation
    ) -> _Signing:
        """Record the rotation's root and bins, store its bins, and sign with its key from now."""
        signed_top = rotation.top_level()
        for role, version in (
            (RoleName.ROOT, rotation.root_version),
            (RoleName.BINS, rotation.bins_version),
        ):
            row = top[role]
            if version != row.version + 1:
                # Drafted against an older root or bins: it would replace a published version.
                raise RootChangeError(
                    f"the rotation makes {role} version {version}, but the next is "
                    f"{row.version + 1}: draft it again"
                )
            row.version, row.expires = version, rotation.expires(role)
        roles.save(session, {role.value: top[role] for role in (RoleName.ROOT, RoleName.BINS)})
        repository.stage_root(self.storage, rotation.root_version, rotation.root)
        # Unreferenced until the snapshot written below names it.
        repository.put_metadata(
            self.storage, RoleName.BINS, rotation.bins_version, rotation.bins, durable=False
        )
        self._signing = _Signing(
            top=signed_top,
            versions=(rotation.root_version, rotation.bins_version),
            signer=rotation.online,
        )
        # The snapshot lists the new bins version: read it back with the rest.
        self._meta = None
        return self._signing

    def _current_signing(self, session: Session, top: dict[RoleName, RoleRow]) -> _Signing:
        """The top-level metadata and online signer, reloaded when root or bins changed."""
        key = (top[RoleName.ROOT].version, top[RoleName.BINS].version)
        if self._signing is None or self._signing.versions != key:
            signed_top = repository.load_top_level(session, self.storage)
            signer = keys.online_signer(self.settings, signed_top.online_key)
            self._signing = _Signing(top=signed_top, versions=key, signer=signer)
            self._meta = None
        return self._signing

    def _snapshot_meta(self, session: Session, version: int) -> SnapshotMeta:
        """The versions the snapshot lists as of snapshot `version`, brought up to date."""
        if self._meta is None:
            self._meta = SnapshotMeta.load(session, version)
        else:
            self._meta.refresh(session, version)
        return self._meta

    def _sign_bins(
        self,
        session: Session,
        bins: Iterable[int],
        meta: SnapshotMeta,
        signing: _Signing,
        now: datetime.datetime,
    ) -> dict[str, int]:
        """Sign and store a new version of each of `bins`; return their names and versions."""
        bit_length = signing.top.bit_length
        expires = now + BIN_LIFETIME
        versions: dict[str, int] = {}
        for index, targets in sorted(reconcile.listed(session, bins).items()):
            name = bin_name(index, bit_length)
            version = meta.versions[name] + 1
            signed = documents.bin_signed(version, expires, targets)
            data = documents.signed_envelope(signed, [signing.signer])
            repository.put_metadata(self.storage, name, version, data, durable=False)
            meta.set(name, version)
            versions[name] = version
        return versions

    def _sign_snapshot(
        self,
        row: RoleRow,
        meta: SnapshotMeta,
        signer: Signer,
        now: datetime.datetime,
    ) -> bytes:
        """Sign and store the next snapshot version; return its bytes."""
        row.version += 1
        row.expires = now + LIFETIMES[RoleName.SNAPSHOT]
        signed = documents.snapshot_signed(row.version, row.expires, meta.meta)
        snapshot = documents.signed_envelope(signed, [signer])
        repository.put_metadata(
            self.storage, RoleName.SNAPSHOT, row.version, snapshot, durable=False
        )
        return snapshot

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
