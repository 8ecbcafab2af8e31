"""The roles table as the publisher reads and writes it, and the snapshot meta it keeps.

A publish reads the five top-level rows (root, targets, bins, snapshot, timestamp) in one query
and writes every row it changed in one statement. The versions the snapshot lists (targets,
bins and every bin: up to 16,386 of them) stay in the publisher between publishes, encoded as
the snapshot lists them (`SnapshotMeta`), as of one snapshot version. That is enough to know
they are current: every publish that changes a bin's version also signs a new snapshot, so
while the snapshot row still has that version no publisher has changed any of them. When it
has another (another process published in between), the table is read again and only the
entries whose version changed are re-encoded.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from bastion.signing import documents
from bastion.signing.canonical import CanonicalObject
from bastion.signing.layout import BIN_PREFIX, RoleName
from bastion.signing.models import TufRole
from bastion.signing.repository import RepositoryMissingError

# The statements of every publish, built once: building one costs more than running it here.
_ROLES = cast("Table", TufRole.__table__)
_SELECT_TOP_LEVEL = select(_ROLES.c.name, _ROLES.c.version, _ROLES.c.expires).where(
    _ROLES.c.name.in_([role.value for role in RoleName])
)
# The roles the snapshot lists: all but root (clients find it on their own), the snapshot
# itself and the timestamp that names it.
_SELECT_LISTED = select(_ROLES.c.name, _ROLES.c.version).where(
    _ROLES.c.name.not_in([RoleName.ROOT.value, RoleName.SNAPSHOT.value, RoleName.TIMESTAMP.value])
)
_SELECT_EXPIRING_BINS = (
    select(_ROLES.c.name)
    .where(_ROLES.c.name.like(f"{BIN_PREFIX}-%"), _ROLES.c.expires < bindparam("before"))
    .order_by(_ROLES.c.expires)
    .limit(bindparam("limit"))
)
_UPDATE_ROLE = (
    update(_ROLES)
    .where(_ROLES.c.name == bindparam("role"))
    .values(version=bindparam("version"), expires=bindparam("expires"))
)


@dataclasses.dataclass
class RoleRow:
    """One role's version and expiry, as read at the start of a publish (then changed)."""

    version: int
    expires: datetime.datetime


def top_level(session: Session) -> dict[RoleName, RoleRow]:
    """The rows of the five top-level roles.

    Raises:
        RepositoryMissingError: `bastion tuf init` has not been run.
    """
    rows = session.execute(_SELECT_TOP_LEVEL)
    top = {RoleName(name): RoleRow(version, expires) for name, version, expires in rows}
    if RoleName.ROOT not in top:
        raise RepositoryMissingError("run `bastion tuf init` to create the TUF repository")
    return top


def save(session: Session, rows: Mapping[str, RoleRow]) -> None:
    """Write the versions and expiries of `rows` (one statement, however many)."""
    if rows:
        session.execute(
            _UPDATE_ROLE,
            [
                {"role": name, "version": row.version, "expires": row.expires}
                for name, row in rows.items()
            ],
        )


def expiring_bins(session: Session, before: datetime.datetime, limit: int) -> set[int]:
    """The indexes of at most `limit` bins that expire before `before`, soonest first."""
    names = session.scalars(_SELECT_EXPIRING_BINS, {"before": before, "limit": limit})
    return {int(name.removeprefix(f"{BIN_PREFIX}-"), 16) for name in names}


class SnapshotMeta:
    """The versions the snapshot lists, and their encoding, as of snapshot `version`."""

    def __init__(self, version: int, versions: dict[str, int]) -> None:
        self.version = version
        self.versions = versions
        self.meta = _encoded(versions)

    @classmethod
    def load(cls, session: Session, version: int) -> SnapshotMeta:
        """Read the listed versions from the table, for snapshot `version`."""
        return cls(version, _listed_versions(session))

    def refresh(self, session: Session, version: int) -> None:
        """Catch up with the table, which is at snapshot `version` (no-op when this is)."""
        if version == self.version:
            return
        current = _listed_versions(session)
        if current.keys() == self.versions.keys():
            for name, number in current.items():
                if self.versions[name] != number:
                    self.set(name, number)
        else:  # pragma: no cover - the bins are fixed at `tuf init`
            self.versions, self.meta = current, _encoded(current)
        self.version = version

    def set(self, name: str, version: int) -> None:
        """List role `name` at `version`."""
        self.versions[name] = version
        self.meta.set(f"{name}.json", documents.meta_entry(version))


def _encoded(versions: Mapping[str, int]) -> CanonicalObject:
    return CanonicalObject(
        {f"{name}.json": documents.meta_entry(number) for name, number in versions.items()}
    )


def _listed_versions(session: Session) -> dict[str, int]:
    return dict(session.execute(_SELECT_LISTED).all())
