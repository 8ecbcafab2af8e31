"""Changing keys: the online key (`bastion tuf rotate-online-key`) and root itself.

Rotating the online key needs a new root (it names the timestamp and snapshot keys) and a new
bins role (it names the key of every bin), so it needs the offline root and targets keys; the
publisher then re-signs every bin, the snapshot and the timestamp with the new key in one
publish (see Publisher.publish). It is also how an index recovers from a compromised online
key, including a fast-forward attack: python-tuf's client drops timestamp and snapshot
metadata that no longer verify under the new root, whatever their version.

A root change without a new online key (adding or replacing root keys, changing the
threshold) is the offline ceremony: draft root N+1, have each key holder sign the draft on
their own machine, and publish it once it carries a threshold of signatures of both the old
and the new root.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence

from securesystemslib.signer import Key, Signer
from sqlalchemy.orm import Session
from tuf.api.exceptions import UnsignedMetadataError
from tuf.api.metadata import Metadata, Root, Targets
from tuf.api.serialization.json import JSONSerializer

from bastion.db.types import utcnow
from bastion.signing import documents, repository
from bastion.signing.layout import LIFETIMES, RoleName
from bastion.signing.models import TufRole
from bastion.storage import Storage

_READABLE = JSONSerializer(compact=False)


class RootChangeError(Exception):
    """A new root that cannot be published: say why."""


@dataclasses.dataclass(frozen=True)
class Rotation:
    """A new root and bins (signed) naming a new online key, ready for the publisher."""

    root_version: int
    root: bytes
    bins_version: int
    bins: bytes
    online: Signer
    created: datetime.datetime

    def top_level(self) -> repository.TopLevel:
        """The new root and bins, parsed."""
        return repository.TopLevel(
            root=Metadata[Root].from_bytes(self.root), bins=Metadata[Targets].from_bytes(self.bins)
        )

    def expires(self, role: RoleName) -> datetime.datetime:
        """When the new root or bins lapse."""
        return self.created + LIFETIMES[role]


def online_key_rotation(
    session: Session,
    storage: Storage,
    *,
    root_signers: Sequence[Signer],
    targets_signer: Signer,
    new_online: Signer,
) -> Rotation:
    """Root N+1 and bins M+1 naming `new_online`, signed with the offline keys given.

    Raises:
        RootChangeError: the root keys given do not meet the threshold.
    """
    top = repository.load_top_level(session, storage)
    now = utcnow()
    new_key = new_online.public_key
    root = Metadata[Root].from_bytes(top.root.to_bytes())
    old_keyid = top.online_key.keyid
    for role in (RoleName.TIMESTAMP, RoleName.SNAPSHOT):
        root.signed.revoke_key(old_keyid, role)
        root.signed.add_key(new_key, role)
    root.signed.version += 1
    root.signed.expires = now + LIFETIMES[RoleName.ROOT]
    root_bytes = documents.metadata_bytes(root, root_signers)
    check_root(top.root, root_bytes)

    bins = Metadata[Targets].from_bytes(top.bins.to_bytes())
    bins.signed.delegations = repository.bins_delegations(new_key, top.bit_length)
    bins.signed.version += 1
    bins.signed.expires = now + LIFETIMES[RoleName.BINS]
    return Rotation(
        root_version=root.signed.version,
        root=root_bytes,
        bins_version=bins.signed.version,
        bins=documents.metadata_bytes(bins, [targets_signer]),
        online=new_online,
        created=now,
    )


def draft_root(
    session: Session,
    storage: Storage,
    *,
    add_keys: Sequence[Key] = (),
    remove_keyids: Sequence[str] = (),
    threshold: int | None = None,
) -> bytes:
    """An unsigned root N+1 with the root keys and threshold changed as asked."""
    top = repository.load_top_level(session, storage)
    root = Metadata[Root].from_bytes(top.root.to_bytes())
    for keyid in remove_keyids:
        root.signed.revoke_key(keyid, RoleName.ROOT)
    for key in add_keys:
        root.signed.add_key(key, RoleName.ROOT)
    if threshold is not None:
        root.signed.roles[RoleName.ROOT].threshold = threshold
    root.signed.version += 1
    root.signed.expires = utcnow() + LIFETIMES[RoleName.ROOT]
    root.signatures.clear()
    return root.to_bytes(_READABLE)


def sign_draft(draft: bytes, signer: Signer) -> bytes:
    """`draft` with `signer`'s signature added (run by each key holder, offline)."""
    root = Metadata[Root].from_bytes(draft)
    root.sign(signer, append=True)
    return root.to_bytes(_READABLE)


def check_root(trusted: Metadata[Root], new_root: bytes) -> Metadata[Root]:
    """Parse `new_root` and check it as a client will.

    It must be the next version, signed by a threshold of the trusted root's keys and of its
    own.

    Raises:
        RootChangeError: it would not verify.
    """
    root = Metadata[Root].from_bytes(new_root)
    if root.signed.version != trusted.signed.version + 1:
        raise RootChangeError(
            f"the draft is root version {root.signed.version}; "
            f"the next is {trusted.signed.version + 1}"
        )
    for verifier, name in ((trusted, "current"), (root, "new")):
        try:
            verifier.verify_delegate(RoleName.ROOT, root)
        except UnsignedMetadataError:
            result = verifier.signed.get_verification_result(
                RoleName.ROOT, root.signed_bytes, root.signatures
            )
            raise RootChangeError(
                f"{len(result.signed)} of the {name} root's {result.threshold} required "
                "signatures: collect more with `bastion tuf root sign`"
            ) from None
    return root


def publish_root(session: Session, storage: Storage, new_root: bytes) -> int:
    """Record a signed draft as root N+1 (not for online-key changes); return N+1.

    The root is staged; once the caller has committed, `repository.promote_root` publishes
    it (and any later load of the top-level metadata would).

    Raises:
        RootChangeError: it would not verify, or it changes the online key.
    """
    top = repository.load_top_level(session, storage)
    root = check_root(top.root, new_root)
    for role in (RoleName.TIMESTAMP, RoleName.SNAPSHOT, RoleName.TARGETS):
        if root.signed.roles[role].keyids != top.root.signed.roles[role].keyids:
            raise RootChangeError(
                f"the draft changes the {role} key: use `bastion tuf rotate-online-key`"
            )
    version = root.signed.version
    try:
        repository.stage_root(storage, version, new_root)
    except repository.RootExistsError as exc:
        raise RootChangeError(str(exc)) from None
    row = session.get_one(TufRole, RoleName.ROOT.value)
    row.version, row.expires = version, root.signed.expires
    return version
