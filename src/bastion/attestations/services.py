"""Trusted publisher bindings, the provenance of files, and the attestation step of an upload.

`PublisherService` binds projects to publisher identities (the command line's business).
`UploadAttestations` is the upload pipeline's collaborator: `verify` runs before the upload's
write transaction begins, `record` inside it.
"""

from __future__ import annotations

import dataclasses
import hashlib

from packaging.utils import canonicalize_version
from packaging.version import InvalidVersion, Version
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bastion.attestations.errors import NoTrustedPublisherError, PublisherChangedError
from bastion.attestations.models import FileProvenance, TrustedPublisher
from bastion.attestations.publishers import PublisherIdentity, PublisherKind
from bastion.attestations.verification import parse_attestations, verify_attestations
from bastion.packaging.models import File, Project, Release
from bastion.packaging.names import NormalizedName


class PublisherService:
    """Reads and changes which publisher identity each project accepts attestations from."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def publisher_of(self, project_id: int) -> PublisherIdentity | None:
        """The identity `project_id` is bound to, or None."""
        row = self._row(project_id)
        return identity_of(row) if row is not None else None

    def bind(self, project: Project, identity: PublisherIdentity) -> PublisherIdentity | None:
        """Bind `project` to `identity`, replacing any earlier binding; returns that one.

        The caller records the event. Files accepted earlier keep the provenance they have.
        """
        row = self._row(project.id)
        previous = identity_of(row) if row is not None else None
        if row is None:
            row = TrustedPublisher(project_id=project.id)
            self.session.add(row)
        row.kind = identity.kind.value
        row.repository = identity.repository
        row.workflow = identity.workflow
        row.environment = identity.environment
        self.session.flush()
        return previous

    def unbind(self, project: Project) -> PublisherIdentity | None:
        """Remove `project`'s binding; returns it (None when there was none).

        Uploads with attestations are refused from then on; stored provenance stays.
        """
        row = self._row(project.id)
        if row is None:
            return None
        self.session.delete(row)
        self.session.flush()
        return identity_of(row)

    def _row(self, project_id: int) -> TrustedPublisher | None:
        return self.session.scalars(
            select(TrustedPublisher).where(TrustedPublisher.project_id == project_id)
        ).one_or_none()


def identity_of(row: TrustedPublisher) -> PublisherIdentity:
    """The identity a stored binding names."""
    return PublisherIdentity(
        PublisherKind(row.kind), row.repository, row.workflow, row.environment or None
    )


@dataclasses.dataclass(frozen=True)
class FileLookup:
    """What the Integrity API found for a (project, version, filename) triple."""

    project: Project | None
    dist_file: File | None
    provenance: FileProvenance | None


def find_provenance(
    session: Session, normalized_name: NormalizedName, version: str, filename: str
) -> FileLookup:
    """The project, the file (if it belongs to that project and version) and its provenance."""
    project = session.scalars(
        select(Project).where(Project.normalized_name == normalized_name)
    ).one_or_none()
    if project is None:
        return FileLookup(None, None, None)
    found = session.execute(
        select(File, Release.version, FileProvenance)
        .join(Release, File.release_id == Release.id)
        .outerjoin(FileProvenance, FileProvenance.file_id == File.id)
        .where(Release.project_id == project.id, File.filename == filename)
    ).one_or_none()
    if found is None or not _same_version(found[1], version):
        return FileLookup(project, None, None)
    return FileLookup(project, found[0], found[2])


def _same_version(stored: str, wanted: str) -> bool:
    try:
        return canonicalize_version(Version(stored)) == canonicalize_version(Version(wanted))
    except InvalidVersion:
        return False


@dataclasses.dataclass(frozen=True)
class VerifiedProvenance:
    """Attestations that verified against `publisher`: the provenance object to store."""

    publisher: PublisherIdentity
    provenance: str


class UploadAttestations:
    """Verifies an upload's attestations, then stores the provenance with the file.

    `reader` makes sessions that read committed state without taking the write lock: the
    publisher is looked up there, so that verification (which may be slow) holds no lock.
    `offline` verifies against sigstore-python's bundled trust root, never the network.
    """

    def __init__(self, reader: sessionmaker[Session], *, offline: bool) -> None:
        self._reader = reader
        self.offline = offline

    def verify(
        self, values: list[str], *, normalized_name: NormalizedName, filename: str, sha256: str
    ) -> VerifiedProvenance:
        """Verify the `attestations` field (`values`) for the file against its project's publisher.

        Raises:
            MalformedAttestationsError, UnknownPredicateError, DuplicatePredicateError: the
                field is wrong before anything is verified.
            NoTrustedPublisherError: the project does not exist or has no publisher bound.
            AttestationVerificationError: an attestation does not verify.
            TrustRootUnavailableError: Sigstore's trust root could not be loaded (503).
        """
        attestations = parse_attestations(values)
        with self._reader() as session:
            found = session.execute(
                select(Project.name, TrustedPublisher)
                .outerjoin(TrustedPublisher, TrustedPublisher.project_id == Project.id)
                .where(Project.normalized_name == normalized_name)
            ).one_or_none()
            row = found[1] if found is not None else None
            if row is None:
                raise NoTrustedPublisherError(found[0] if found is not None else normalized_name)
            publisher = identity_of(row)
        provenance = verify_attestations(
            attestations, publisher, filename=filename, sha256=sha256, offline=self.offline
        )
        return VerifiedProvenance(publisher, provenance)

    def record(
        self, session: Session, project: Project, dist_file: File, verified: VerifiedProvenance
    ) -> None:
        """Store `verified` as the provenance of the flushed `dist_file`, in `session`.

        Raises:
            PublisherChangedError: the project is bound to another publisher (or none) now than
                when the attestations were verified.
        """
        if PublisherService(session).publisher_of(project.id) != verified.publisher:
            raise PublisherChangedError(project.name)
        session.add(
            FileProvenance(
                file_id=dist_file.id,
                provenance=verified.provenance,
                provenance_sha256=hashlib.sha256(verified.provenance.encode()).hexdigest(),
            )
        )
