"""The upload pipeline: from a parsed form to a stored, installable file.

Order matters for "nothing is lost": everything that can refuse the upload runs before any
row is flushed, rows are flushed (so the unique filename index settles races) before the bytes
are stored, and stored bytes are removed again if the transaction does not commit.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import hmac
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bastion.accounts.models import User
from bastion.accounts.ratelimits import RateLimit
from bastion.accounts.security import Identity
from bastion.attestations.errors import AttestationsUnavailableError
from bastion.db.sessions import transaction_of
from bastion.db.types import utcnow
from bastion.events import tags
from bastion.events.services import Actor, EventRecorder
from bastion.inspection.errors import RefusedArchiveError
from bastion.malware import services as malware_services
from bastion.malware.models import ScanVerdict
from bastion.packaging.errors import InvalidArchiveError
from bastion.packaging.filenames import (
    DistributionFilename,
    check_filename_matches,
    parse_distribution_filename,
)
from bastion.packaging.metadata import (
    check_agreement,
    check_classifiers,
    metadata_from_bytes,
    metadata_from_form,
    sent_metadata_keys,
    to_json_info,
)
from bastion.packaging.models import (
    File,
    FilenameRegistry,
    JournalEntry,
    PackageType,
    Project,
    Release,
    Role,
    RoleName,
)
from bastion.packaging.names import NormalizedName, validate_name
from bastion.packaging.paths import file_path, metadata_path
from bastion.packaging.versions import canonical_version, parse_public_version
from bastion.storage.commits import remove_unless_committed
from bastion.tokens.errors import TokenScopeError
from bastion.upload.errors import (
    DigestMismatchError,
    FileAlreadyExistsError,
    FilenameReusedError,
    FiletypeMismatchError,
    ForbiddenUploadError,
    MissingDigestError,
    SdistExistsError,
    UnsupportedActionError,
)

if TYPE_CHECKING:
    from pathlib import Path

    from packaging.metadata import Metadata

    from bastion.attestations.services import UploadAttestations, VerifiedProvenance
    from bastion.inspection.inspector import InspectionReport
    from bastion.malware.scanner import ScanResult
    from bastion.malware.services import MalwareGate
    from bastion.malware.services import UploadedFile as UploadedScan
    from bastion.signing.changes import PendingChanges
    from bastion.storage import Storage
    from bastion.upload.forms import UploadedFile, UploadForm

_UPLOADERS = frozenset({RoleName.OWNER.value, RoleName.MAINTAINER.value})


class UploadOutcome(enum.Enum):
    """What an accepted upload did."""

    CREATED = "created"
    # The identical file was uploaded before: nothing changed (twine --skip-existing).
    ALREADY_EXISTS = "already exists"
    # The scanner's verdict keeps the file from publication; it is kept as evidence.
    HELD = "held"


@dataclasses.dataclass(frozen=True)
class UploadResult:
    """The outcome and the file row it concerns (none for a held file: its verdict instead)."""

    outcome: UploadOutcome
    file: File | None
    verdict: ScanVerdict | None = None


@dataclasses.dataclass(frozen=True)
class _Screened:
    """An upload's verdict and what the verdict records about the file."""

    scan: ScanResult
    file: UploadedScan
    held: bool


class Inspector(Protocol):
    """Checks a distribution file throughout (in production: `inspection.sandbox.Sandbox`)."""

    def inspect(self, path: Path, filename: str) -> InspectionReport:
        """Return what the file holds, or raise RefusedArchiveError."""
        ...


class UploadService:
    """Accepts distribution files into the index."""

    def __init__(
        self,
        session: Session,
        storage: Storage,
        inspector: Inspector,
        *,
        events: EventRecorder | None = None,
        project_creation_limit: RateLimit | None = None,
        signing: PendingChanges | None = None,
        attestations: UploadAttestations | None = None,
        malware: MalwareGate | None = None,
    ) -> None:
        self.session = session
        self.storage = storage
        self.inspector = inspector
        # None only where nobody is accountable for the writes (benchmark fills).
        self.events = events
        self.project_creation_limit = project_creation_limit
        # None when signing is off: nothing is queued for the TUF publisher.
        self.signing = signing
        # None where no attestations are verified (benchmark fills): uploads with them fail.
        self.attestations = attestations
        # None when uploads are not scanned (the setting, or benchmark fills).
        self.malware = malware

    def upload(self, form: UploadForm, identity: Identity) -> UploadResult:
        """Validate `form` and add its file to its project (created if new), atomically.

        The uploader is loaded by id only after inspection: on SQLite the first query of the
        writer session takes the write lock, and no upload may hold it while a file is
        inspected.

        Raises:
            UnsupportedActionError, InvalidMetadataError, InvalidNameError, InvalidVersionError,
            InvalidFilenameError, FiletypeMismatchError, FilenameMismatchError,
            MissingDigestError, DigestMismatchError, InvalidArchiveError,
            MetadataMismatchError: the upload itself is wrong (400).
            AttestationError: the attestations are malformed, of an unknown or repeated type,
                do not verify, or the project has no trusted publisher (400; see
                bastion.attestations.errors).
            ForbiddenUploadError: the uploader may not upload to this project (403).
            TokenScopeError: the API token is not scoped to this project (403).
            FileAlreadyExistsError, FilenameReusedError: the filename is taken (400).
            SdistExistsError: the release has an sdist already (400).
            RateLimitExceededError: the uploader created too many projects lately (429).
        """
        _check_action(form)
        dist = parse_distribution_filename(form.file.filename)
        _check_filetype(form, dist)
        _check_digests(form)
        form_fields = _metadata_fields(form)
        form_metadata = metadata_from_form(form_fields)
        normalized_name = validate_name(form_metadata.name)
        version = parse_public_version(str(form_metadata.version))
        check_filename_matches(dist, normalized_name=normalized_name, version=version)
        # Also before the first query: checking signatures takes time, and the project's
        # publisher is read outside this session.
        provenance = self._verify_attestations(form, dist.filename, normalized_name)
        # Before the first query (see above).
        report = self._inspect(form.file.path, dist.filename)
        core_metadata_bytes = report.core_metadata
        artifact_metadata = metadata_from_bytes(core_metadata_bytes)
        check_agreement(form_metadata, artifact_metadata, sent_metadata_keys(form_fields))
        check_classifiers(artifact_metadata)

        uploader = self.session.get_one(User, identity.user_id)
        if (held := self._held_before(form.file)) is not None:
            return held
        existing = self._existing_file(form.file)
        if existing is not None:
            # Identical bytes under the same name: a retry, not a conflict. Any other
            # combination is refused by _reserve_filename below. A stranger's retry is still
            # a stranger's upload: 403, not a 200 that reads as success.
            self._check_may_upload(existing.release.project, uploader, identity)
            return UploadResult(UploadOutcome.ALREADY_EXISTS, existing)

        screened = self._screen(
            report, form.file, dist.filename, artifact_metadata.name, normalized_name,
            version=str(version), uploader=uploader,
        )  # fmt: skip
        if screened is not None and screened.held:
            return self._hold(screened, uploader, identity)

        project = self._project_for_upload(
            artifact_metadata.name, normalized_name, uploader, identity
        )
        self._reserve_filename(dist.filename)
        release = self._release_for(project, artifact_metadata, uploader)
        if dist.packagetype is PackageType.SDIST:
            self._check_no_other_sdist(release, dist.filename)
        dist_file = self._add_file(release, dist, form.file, artifact_metadata, uploader)
        dist_file.has_provenance = provenance is not None
        served_metadata = None
        if dist.packagetype is PackageType.WHEEL:
            served_metadata = core_metadata_bytes
            dist_file.metadata_sha256 = hashlib.sha256(core_metadata_bytes).hexdigest()
        try:
            self.session.flush()
        except IntegrityError as exc:
            # What a concurrent upload committed between our checks and this insert (on
            # PostgreSQL; SQLite serialises writers): another sdist of the release, or the
            # same bytes under another filename.
            if "release_id" in str(exc.orig):
                raise SdistExistsError(dist.filename, None) from None
            raise FileAlreadyExistsError(dist.filename) from None
        if provenance is not None and self.attestations is not None:
            self.attestations.record(self.session, project, dist_file, provenance)
        self._journal(
            project, str(version), f"add {dist.python_version} file {dist.filename}", uploader
        )
        self._record(
            tags.PROJECT_FILE_UPLOADED,
            identity,
            project,
            filename=dist.filename,
            version=str(version),
            sha256=dist_file.sha256_digest,
        )
        self._follow_up(normalized_name, dist_file, screened)
        self._store(dist_file, form.file, served_metadata)
        return UploadResult(UploadOutcome.CREATED, dist_file)

    def _follow_up(self, normalized_name: str, dist_file: File, screened: _Screened | None) -> None:
        """Queue the project for the TUF publisher; store the file's verdict."""
        if self.signing is not None:
            self.signing.project_changed(normalized_name)
        if screened is not None and self.malware is not None:
            self.malware.record_published(screened.scan, screened.file, dist_file.id)

    def _inspect(self, path: Path, filename: str) -> InspectionReport:
        """What the file holds, once inspection has found nothing wrong with it.

        Raises:
            InvalidArchiveError: the inspection refused the file, or could not finish.
        """
        try:
            return self.inspector.inspect(path, filename)
        except RefusedArchiveError as refused:
            raise InvalidArchiveError(filename, refused.reason) from None

    def _project_exists(self, normalized_name: str) -> bool:
        return (
            self.session.scalar(
                select(Project.id).where(Project.normalized_name == normalized_name)
            )
            is not None
        )

    def _screen(
        self,
        report: InspectionReport,
        uploaded: UploadedFile,
        filename: str,
        display_name: str,
        normalized_name: str,
        *,
        version: str,
        uploader: User,
    ) -> _Screened | None:
        """The scanner's verdict on the file, with the name check when it creates its project."""
        scan = report.scan
        if scan is None or self.malware is None:
            return None
        if not self._project_exists(normalized_name):
            scan = self.malware.with_name_check(scan, display_name)
        scanned = malware_services.UploadedFile(
            normalized_name, version, filename, uploaded.sha256, uploader.id, uploaded.path
        )
        return _Screened(scan, scanned, held=self.malware.must_hold(scan))

    def _held_before(self, uploaded: UploadedFile) -> UploadResult | None:
        """The same bytes under the same name were held before: the same answer, no new row.

        (Other bytes under a held file's name are refused as a reused filename.)
        """
        if self.malware is None:
            return None
        earlier = self.malware.held_file(uploaded.filename)
        if earlier is None or not hmac.compare_digest(earlier.sha256, uploaded.sha256):
            return None
        return UploadResult(UploadOutcome.HELD, None, earlier)

    def _hold(self, screened: _Screened, uploader: User, identity: Identity) -> UploadResult:
        """Keep the file unpublished as evidence; the filename is taken for good."""
        assert self.malware is not None  # noqa: S101 - only called with a gate
        scan, scanned = screened.scan, screened.file
        self._reserve_filename(scanned.filename)
        verdict = self.malware.hold(scan, scanned)
        if self.events is not None:
            self.events.record(
                tags.USER_UPLOAD_HELD,
                Actor(identity.user_id, identity.username),
                user=(uploader.id, uploader.username),
                details={"filename": scanned.filename, "project": scanned.project_name,
                         "verdict": scan.verdict.value, "sha256": scanned.sha256},
            )  # fmt: skip
        return UploadResult(UploadOutcome.HELD, None, verdict)

    def _verify_attestations(
        self, form: UploadForm, filename: str, normalized_name: NormalizedName
    ) -> VerifiedProvenance | None:
        """The verified provenance of the upload's PEP 740 attestations; None without any."""
        values = form.fields.get("attestations")
        if values is None:
            return None
        if self.attestations is None:
            raise AttestationsUnavailableError
        return self.attestations.verify(
            values,
            normalized_name=normalized_name,
            filename=filename,
            sha256=form.file.sha256,
        )

    def _existing_file(self, uploaded: UploadedFile) -> File | None:
        """The stored file this upload repeats exactly, or None.

        Raises:
            FileAlreadyExistsError: the filename is taken by other bytes.
            FilenameReusedError: the filename belonged to a deleted file.
        """
        # One statement for the registry and the file: on PostgreSQL (READ COMMITTED) two
        # queries could straddle a concurrent commit and see the filename registered but its
        # file not yet there, which would read as "deleted".
        registered = self.session.execute(
            select(FilenameRegistry.filename, File)
            .outerjoin(File, File.filename == FilenameRegistry.filename)
            .where(FilenameRegistry.filename == uploaded.filename)
        ).one_or_none()
        if registered is not None:
            by_name = registered[1]
            if by_name is None:
                raise FilenameReusedError(uploaded.filename)
            if hmac.compare_digest(by_name.sha256_digest, uploaded.sha256):
                return by_name
            raise FileAlreadyExistsError(uploaded.filename)
        by_content = self.session.scalars(
            select(File).where(File.sha256_digest == uploaded.sha256)
        ).one_or_none()
        if by_content is not None:
            # The same bytes under another name would share one content-addressed blob.
            raise FileAlreadyExistsError(by_content.filename)
        return None

    def _check_no_other_sdist(self, release: Release, filename: str) -> None:
        """Raise SdistExistsError if `release` already has an sdist."""
        existing = self.session.scalars(
            select(File.filename).where(
                File.release_id == release.id, File.packagetype == PackageType.SDIST.value
            )
        ).first()
        if existing is not None:
            raise SdistExistsError(filename, existing)

    def _project_for_upload(
        self, display_name: str, normalized_name: str, uploader: User, identity: Identity
    ) -> Project:
        project = self.session.scalars(
            select(Project).where(Project.normalized_name == normalized_name)
        ).one_or_none()
        if project is None:
            if not identity.may_touch(None):
                raise TokenScopeError(str(identity.token_name), None)
            limit = self.project_creation_limit
            if limit is not None:
                limit.check(str(uploader.id))
            created = self._create_project(display_name, normalized_name, uploader, identity)
            if limit is not None:
                # Counted even if the upload fails later: the name was taken, then released.
                limit.hit(str(uploader.id))
            return created
        self._check_may_upload(project, uploader, identity)
        return project

    def _check_may_upload(self, project: Project, uploader: User, identity: Identity) -> None:
        """Raise unless `uploader` has an uploading role and the credentials reach `project`."""
        if not self._may_upload(project, uploader):
            raise ForbiddenUploadError(uploader.username, project.name)
        if not identity.may_touch(project.id):
            raise TokenScopeError(str(identity.token_name), project.name)

    def _create_project(
        self, display_name: str, normalized_name: str, uploader: User, identity: Identity
    ) -> Project:
        project = Project(name=display_name, normalized_name=normalized_name)
        try:
            with self.session.begin_nested():
                self.session.add(project)
                self.session.flush()
        except IntegrityError:
            # A concurrent upload created the name between our lookup and our insert (on
            # PostgreSQL; SQLite serialises writers). It has committed, so read it and decide
            # as for any existing project.
            existing = self.session.scalars(
                select(Project).where(Project.normalized_name == normalized_name)
            ).one()
            self._check_may_upload(existing, uploader, identity)
            return existing
        self.session.add(
            Role(user_id=uploader.id, project_id=project.id, role_name=RoleName.OWNER.value)
        )
        self._journal(project, None, "create", uploader)
        self._journal(project, None, f"add Owner {uploader.username}", uploader)
        self._record(tags.PROJECT_CREATED, identity, project)
        return project

    def _may_upload(self, project: Project, user: User) -> bool:
        role = self.session.scalars(
            select(Role.role_name).where(Role.project_id == project.id, Role.user_id == user.id)
        ).one_or_none()
        return role in _UPLOADERS

    def _release_for(self, project: Project, metadata: Metadata, uploader: User) -> Release:
        version = parse_public_version(str(metadata.version))
        canonical = canonical_version(version)
        release = self.session.scalars(
            select(Release).where(
                Release.project_id == project.id, Release.canonical_version == canonical
            )
        ).one_or_none()
        if release is not None:
            return release
        release = Release(
            project_id=project.id,
            version=str(version),
            canonical_version=canonical,
            summary=metadata.summary,
            description=metadata.description,
            description_content_type=metadata.description_content_type,
            requires_python=str(metadata.requires_python) if metadata.requires_python else None,
            core_metadata=to_json_info(metadata),
        )
        try:
            with self.session.begin_nested():
                self.session.add(release)
                self.session.flush()
        except IntegrityError:
            # A concurrent upload (another file of the same new version) created it first.
            return self.session.scalars(
                select(Release).where(
                    Release.project_id == project.id, Release.canonical_version == canonical
                )
            ).one()
        self._journal(project, str(version), "new release", uploader)
        return release

    def _add_file(
        self,
        release: Release,
        dist: DistributionFilename,
        uploaded: UploadedFile,
        metadata: Metadata,
        uploader: User,
    ) -> File:
        dist_file = File(
            release_id=release.id,
            filename=dist.filename,
            packagetype=dist.packagetype.value,
            python_version=dist.python_version,
            requires_python=str(metadata.requires_python) if metadata.requires_python else None,
            size=uploaded.size,
            md5_digest=uploaded.md5,
            sha256_digest=uploaded.sha256,
            blake2_256_digest=uploaded.blake2_256,
            path=file_path(uploaded.blake2_256, dist.filename),
            upload_time=utcnow(),
            uploader_id=uploader.id,
        )
        self.session.add(dist_file)
        return dist_file

    def _record(self, tag: str, identity: Identity, project: Project, **details: str) -> None:
        """Add `tag` to the project's audit trail, naming the token if one was used."""
        if self.events is None:
            return
        self.events.record(
            tag,
            Actor(identity.user_id, identity.username),
            project=(project.id, project.name),
            details={**details, "method": identity.method, "token": identity.token_name},
        )

    def _journal(self, project: Project, version: str | None, action: str, user: User) -> None:
        entry = JournalEntry(
            project_name=project.name,
            version=version,
            action=action,
            submitted_by_id=user.id,
        )
        self.session.add(entry)
        self.session.flush()
        project.last_serial = entry.id

    def _reserve_filename(self, filename: str) -> None:
        """Insert the filename into the registry; the unique index decides concurrent races.

        Raises:
            FileAlreadyExistsError: a concurrent upload took the filename first.
        """
        try:
            with self.session.begin_nested():
                self.session.add(FilenameRegistry(filename=filename))
                self.session.flush()
        except IntegrityError:
            raise FileAlreadyExistsError(filename) from None

    def _store(self, dist_file: File, uploaded: UploadedFile, core_metadata: bytes | None) -> None:
        keys = [dist_file.path]
        self.storage.put_file(dist_file.path, uploaded.path)
        if core_metadata is not None:
            keys.append(metadata_path(dist_file.path))
            self.storage.put_bytes(keys[-1], core_metadata)
        remove_unless_committed(self.storage, keys, transaction_of(self.session))


def _check_action(form: UploadForm) -> None:
    action, protocol = form.get(":action"), form.get("protocol_version")
    if action != "file_upload" or protocol != "1":
        raise UnsupportedActionError(action, protocol)


def _check_filetype(form: UploadForm, dist: DistributionFilename) -> None:
    filetype = form.get("filetype")
    if filetype and filetype != dist.packagetype.value:
        raise FiletypeMismatchError(dist.filename, filetype, dist.packagetype.value)


def _check_digests(form: UploadForm) -> None:
    supplied = {
        "md5": (form.get("md5_digest"), form.file.md5),
        "sha256": (form.get("sha256_digest"), form.file.sha256),
        "blake2_256": (form.get("blake2_256_digest"), form.file.blake2_256),
    }
    if not supplied["md5"][0] and not supplied["sha256"][0]:
        raise MissingDigestError
    for algorithm, (claimed, actual) in supplied.items():
        if claimed and not hmac.compare_digest(claimed.lower(), actual):
            raise DigestMismatchError(algorithm)


# Form fields that are transport, not core metadata.
_NON_METADATA_FIELDS = frozenset(
    {
        ":action",
        "protocol_version",
        "filetype",
        "pyversion",
        "comment",
        "md5_digest",
        "sha256_digest",
        "blake2_256_digest",
        "gpg_signature",
        "attestations",
    }
)


def _metadata_fields(form: UploadForm) -> dict[str, list[str]]:
    return {k: v for k, v in form.fields.items() if k not in _NON_METADATA_FIELDS}
