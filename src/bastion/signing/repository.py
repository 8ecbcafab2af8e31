"""Creating the repository (`bastion tuf init`) and reading its top-level metadata back.

The top-level documents (root, targets, bins) change rarely and only with offline keys; the
publisher reads them from storage to learn the current online key and the number of bins.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence

from securesystemslib.signer import Signer
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from tuf.api.metadata import (
    DelegatedRole,
    Delegations,
    Key,
    Metadata,
    Root,
    SuccinctRoles,
    Targets,
)

from bastion.db.types import utcnow
from bastion.packaging.models import Project
from bastion.signing import documents
from bastion.signing.canonical import CanonicalObject
from bastion.signing.layout import (
    BIN_LIFETIME,
    BIN_PREFIX,
    DELEGATED_PATHS,
    LIFETIMES,
    PENDING_ROOT_PREFIX,
    TIMESTAMP_FILENAME,
    RoleName,
    bin_name,
    metadata_key,
    versioned_filename,
)
from bastion.signing.models import TufPendingChange, TufRole
from bastion.storage import Storage


class RepositoryExistsError(Exception):
    """`tuf init` on an index whose repository already exists."""


class RepositoryMissingError(Exception):
    """Signing is on, but `bastion tuf init` has not been run."""


@dataclasses.dataclass(frozen=True)
class InitKeys:
    """The signers a new repository is created with."""

    root: Sequence[Signer]
    root_threshold: int
    targets: Signer
    online: Signer


@dataclasses.dataclass(frozen=True)
class TopLevel:
    """The current root and bins, as the publisher needs them."""

    root: Metadata[Root]
    bins: Metadata[Targets]

    @property
    def online_key(self) -> Key:
        """The key that signs timestamp, snapshot and bins (one online key, PEP 458)."""
        keyid = self.root.signed.roles[RoleName.TIMESTAMP].keyids[0]
        return self.root.signed.keys[keyid]

    @property
    def succinct_roles(self) -> SuccinctRoles:
        """The hash-bin delegation of the bins role."""
        delegations = self.bins.signed.delegations
        if delegations is None or delegations.succinct_roles is None:
            raise RepositoryMissingError("the bins role delegates to no hash bins")
        return delegations.succinct_roles

    @property
    def bit_length(self) -> int:
        """How many leading bits of a target path's hash choose its bin."""
        return self.succinct_roles.bit_length


def is_initialized(session: Session) -> bool:
    """Whether `bastion tuf init` has created the repository."""
    return session.get(TufRole, RoleName.ROOT.value) is not None


def initialize(session: Session, storage: Storage, keys: InitKeys, *, bit_length: int) -> None:
    """Create version 1 of every document and queue every existing project for signing.

    Raises:
        RepositoryExistsError: the repository exists already.
    """
    if is_initialized(session):
        raise RepositoryExistsError("the TUF repository exists already")
    now = utcnow()
    online_key = keys.online.public_key
    root = Root(expires=now + LIFETIMES[RoleName.ROOT], consistent_snapshot=True)
    for signer in keys.root:
        root.add_key(signer.public_key, RoleName.ROOT)
    root.roles[RoleName.ROOT].threshold = keys.root_threshold
    root.add_key(keys.targets.public_key, RoleName.TARGETS)
    root.add_key(online_key, RoleName.SNAPSHOT)
    root.add_key(online_key, RoleName.TIMESTAMP)
    root_md = Metadata(root)

    targets = Targets(expires=now + LIFETIMES[RoleName.TARGETS])
    targets.delegations = Delegations(
        keys={keys.targets.public_key.keyid: keys.targets.public_key},
        roles={
            RoleName.BINS: DelegatedRole(
                name=RoleName.BINS,
                keyids=[keys.targets.public_key.keyid],
                threshold=1,
                terminating=True,
                paths=list(DELEGATED_PATHS),
            )
        },
    )
    bins = Targets(expires=now + LIFETIMES[RoleName.BINS])
    bins.delegations = bins_delegations(online_key, bit_length)

    put_metadata(storage, RoleName.ROOT, 1, documents.metadata_bytes(root_md, keys.root))
    put_metadata(
        storage, RoleName.TARGETS, 1, documents.metadata_bytes(Metadata(targets), [keys.targets])
    )
    put_metadata(
        storage, RoleName.BINS, 1, documents.metadata_bytes(Metadata(bins), [keys.targets])
    )
    for offline_role in (RoleName.ROOT, RoleName.TARGETS, RoleName.BINS):
        expires = now + LIFETIMES[offline_role]
        session.add(TufRole(name=offline_role.value, version=1, expires=expires))

    meta = {
        f"{RoleName.TARGETS}.json": documents.meta_entry(1),
        f"{RoleName.BINS}.json": documents.meta_entry(1),
    }
    bin_expires = now + BIN_LIFETIME
    for index in range(2**bit_length):
        name = bin_name(index, bit_length)
        signed = documents.bin_signed(1, bin_expires, [])
        put_metadata(storage, name, 1, documents.signed_envelope(signed, [keys.online]))
        session.add(TufRole(name=name, version=1, expires=bin_expires))
        meta[f"{name}.json"] = documents.meta_entry(1)
    snapshot_expires = now + LIFETIMES[RoleName.SNAPSHOT]
    snapshot = documents.signed_envelope(
        documents.snapshot_signed(1, snapshot_expires, CanonicalObject(meta)), [keys.online]
    )
    put_metadata(storage, RoleName.SNAPSHOT, 1, snapshot)
    session.add(TufRole(name=RoleName.SNAPSHOT.value, version=1, expires=snapshot_expires))
    timestamp_expires = now + LIFETIMES[RoleName.TIMESTAMP]
    storage.put_bytes(
        metadata_key(TIMESTAMP_FILENAME),
        timestamp_bytes(1, timestamp_expires, 1, snapshot, keys.online),
    )
    session.add(TufRole(name=RoleName.TIMESTAMP.value, version=1, expires=timestamp_expires))
    # Changes queued before the repository existed are covered by queuing every project.
    session.execute(delete(TufPendingChange))
    for project in session.scalars(select(Project.normalized_name)):
        session.add(TufPendingChange(project=project))
    session.flush()


def bins_delegations(online_key: Key, bit_length: int) -> Delegations:
    """The bins role's delegation of every target to `bin-<hex>` by hash prefix (TAP 15)."""
    return Delegations(
        keys={online_key.keyid: online_key},
        succinct_roles=SuccinctRoles(
            keyids=[online_key.keyid], threshold=1, bit_length=bit_length, name_prefix=BIN_PREFIX
        ),
    )


def timestamp_bytes(
    version: int,
    expires: datetime.datetime,
    snapshot_version: int,
    snapshot: bytes,
    signer: Signer,
) -> bytes:
    """A signed timestamp naming `snapshot` (its version, length and SHA-256)."""
    signed = documents.timestamp_signed(version, expires, snapshot_version, snapshot)
    return documents.signed_envelope(signed, [signer])


def put_metadata(
    storage: Storage, role: str, version: int, data: bytes, *, durable: bool = True
) -> None:
    """Store version `version` of `role` under its consistent-snapshot name.

    With `durable=False` the file is durable only after `storage.sync()`: for files nothing
    names until the caller commits (see publisher.py).
    """
    storage.put_bytes(metadata_key(versioned_filename(role, version)), data, durable=durable)


class RootExistsError(Exception):
    """A root version that is already published: it may never be replaced."""


def stage_root(storage: Storage, version: int, data: bytes) -> None:
    """Keep root `version` out of sight until the database records it (see `promote_root`).

    Raises:
        RootExistsError: that version is published already; clients may hold it.
    """
    if storage.exists(metadata_key(versioned_filename(RoleName.ROOT, version))):
        raise RootExistsError(f"root version {version} is published already")
    storage.put_bytes(PENDING_ROOT_PREFIX + versioned_filename(RoleName.ROOT, version), data)


def promote_root(storage: Storage, version: int) -> None:
    """Publish staged root `version`, unless it is published already (safe to repeat)."""
    published = metadata_key(versioned_filename(RoleName.ROOT, version))
    if storage.exists(published):
        return
    staged = PENDING_ROOT_PREFIX + versioned_filename(RoleName.ROOT, version)
    with storage.open(staged) as handle:
        storage.put_bytes(published, handle.read())
    storage.delete(staged)


def load_metadata(storage: Storage, role: str, version: int) -> Metadata:  # type: ignore[type-arg]
    """Read version `version` of `role` back from storage."""
    with storage.open(metadata_key(versioned_filename(role, version))) as fh:
        return Metadata.from_bytes(fh.read())


def load_top_level(session: Session, storage: Storage) -> TopLevel:
    """The current root and bins.

    Raises:
        RepositoryMissingError: `bastion tuf init` has not been run.
    """
    rows = session.execute(
        select(TufRole.name, TufRole.version).where(
            TufRole.name.in_([RoleName.ROOT.value, RoleName.BINS.value])
        )
    )
    versions = dict(rows.all())
    if RoleName.ROOT.value not in versions:
        raise RepositoryMissingError("run `bastion tuf init` to create the TUF repository")
    # A root the database committed to but storage does not serve yet (the process stopped
    # in between) is published now.
    promote_root(storage, versions[RoleName.ROOT.value])
    return TopLevel(
        root=load_metadata(storage, RoleName.ROOT, versions[RoleName.ROOT.value]),
        bins=load_metadata(storage, RoleName.BINS, versions[RoleName.BINS.value]),
    )
