"""Uploads with PEP 740 attestations: a recorded bundle verifies; every failure refuses the upload.

Each refusal answers 400 with its reason in the status line and the body, and leaves no row, no
stored blob and no spooled body behind: PEP 740 says an index that cannot verify an attestation
must reject the upload, not store the file without it.
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from pypi_attestations import Distribution, Provenance
from sqlalchemy import select

from bastion.attestations import services as attestation_services
from bastion.attestations.models import FileProvenance
from bastion.attestations.publishers import PublisherIdentity
from bastion.attestations.services import PublisherService
from bastion.packaging.models import File, Project
from tests.attestations.recorded import GITLAB, PUBLISH_V1, RECORDED, SLSA_V1, with_statement
from tests.factories.dists import build_sdist, post_upload, upload
from tests.upload.checks import assert_refused


@pytest.fixture
def bound(create_project, bind):
    """pypi-attestations exists (0.0.1) and is bound to the workflow that signed 0.0.19."""
    create_project(RECORDED.dist.name)
    bind(RECORDED.dist.name, RECORDED.publisher)


@pytest.fixture
def bound_to(request, create_project, bind):
    """pypi-attestations exists (0.0.1) and is bound to the publisher `request.param`."""
    create_project(RECORDED.dist.name)
    bind(RECORDED.dist.name, request.param)
    return request.param


def _stored_provenance(session, filename: str) -> Provenance:
    row = session.execute(
        select(File.has_provenance, FileProvenance.provenance)
        .join(FileProvenance, FileProvenance.file_id == File.id)
        .where(File.filename == filename)
    ).one()
    assert row.has_provenance is True
    return Provenance.model_validate_json(row.provenance)


@pytest.mark.usefixtures("bound")
def test_a_recorded_bundle_verifies_and_its_provenance_is_stored(app, alice, session):
    response = upload(app, RECORDED.dist, alice, attestations=RECORDED.field(PUBLISH_V1, SLSA_V1))

    assert response.status_int == 200, response.text
    provenance = _stored_provenance(session, RECORDED.dist.filename)
    (bundle,) = provenance.attestation_bundles
    assert bundle.publisher.model_dump() == {
        "kind": "GitHub",
        "repository": "trailofbits/pypi-attestations",
        "workflow": "release.yml",
        "environment": None,
    }
    assert [a.statement["predicateType"] for a in bundle.attestations] == [PUBLISH_V1, SLSA_V1]
    # What is stored still verifies, for anyone who reads it back.
    dist = Distribution(name=RECORDED.dist.filename, digest=RECORDED.dist.sha256)
    for attestation in bundle.attestations:
        attestation.verify(bundle.publisher, dist, offline=True)


@pytest.mark.usefixtures("bound")
def test_the_field_twine_sends_is_accepted(app, alice, session, tmp_path):
    """`twine upload --attestations dist/*` finds `<dist>.<kind>.attestation` files beside each
    dist and sends them as one JSON list: build that field with twine's own code."""
    from twine.package import PackageFile  # noqa: PLC0415 - only this test needs twine
    from twine.repository import Repository  # noqa: PLC0415

    dist_path = tmp_path / RECORDED.dist.filename
    dist_path.write_bytes(RECORDED.dist.content)
    attestation_paths = []
    for kind, predicate_type in (("publish", PUBLISH_V1), ("slsa", SLSA_V1)):
        path = tmp_path / f"{RECORDED.dist.filename}.{kind}.attestation"
        path.write_text(json.dumps(RECORDED.attestations[predicate_type]))
        attestation_paths.append(str(path))
    package = PackageFile.from_filename(str(dist_path), comment=None)
    package.add_attestations(attestation_paths)
    fields = Repository._convert_metadata_to_list_of_tuples(package.metadata_dictionary())

    response = post_upload(
        app, RECORDED.dist, [(":action", "file_upload"), ("protocol_version", "1"), *fields], alice
    )

    assert response.status_int == 200, response.text
    (bundle,) = _stored_provenance(session, RECORDED.dist.filename).attestation_bundles
    assert len(bundle.attestations) == 2


@pytest.mark.usefixtures("bound")
def test_one_attestation_is_enough(app, alice, session):
    upload(app, RECORDED.dist, alice, attestations=RECORDED.field(SLSA_V1), status=200)

    (bundle,) = _stored_provenance(session, RECORDED.dist.filename).attestation_bundles
    assert [a.statement["predicateType"] for a in bundle.attestations] == [SLSA_V1]


def test_a_gitlab_publisher_verifies_too(app, alice, session, create_project, bind):
    create_project(GITLAB.dist.name)
    bind(GITLAB.dist.name, GITLAB.publisher)

    upload(app, GITLAB.dist, alice, attestations=GITLAB.field(PUBLISH_V1), status=200)

    (bundle,) = _stored_provenance(session, GITLAB.dist.filename).attestation_bundles
    assert bundle.publisher.kind == "GitLab"


@pytest.mark.usefixtures("bound")
def test_an_upload_without_attestations_stores_no_provenance(app, alice, session):
    upload(app, RECORDED.dist, alice, status=200)

    dist_file = session.scalars(select(File).where(File.filename == RECORDED.dist.filename)).one()
    assert dist_file.has_provenance is False
    assert session.scalars(select(FileProvenance)).all() == []


@pytest.mark.usefixtures("bound")
def test_an_attestation_for_other_bytes_is_refused(app, alice, unchanged):
    # The same filename, other contents: the attestation's subject digest is the real file's.
    impostor = build_sdist(RECORDED.dist.name, RECORDED.dist.version)
    assert impostor.filename == RECORDED.dist.filename
    with unchanged():
        response = upload(app, impostor, alice, attestations=RECORDED.field(PUBLISH_V1))
    assert_refused(response, 400, "subject does not match distribution digest")


def test_an_attestation_for_another_file_is_refused(app, alice, unchanged, bind):
    upload(app, GITLAB.dist, alice, status=200)
    bind(GITLAB.dist.name, GITLAB.publisher)
    # A new version, so that only the attestation is wrong: it names pypi-attestations' sdist.
    other = build_sdist(GITLAB.dist.name, "0.0.4")
    other_publisher = RECORDED.attestations[PUBLISH_V1]
    with unchanged():
        response = upload(app, other, alice, attestations=json.dumps([other_publisher]))
    line = assert_refused(response, 400, "Attestation 1 (https://docs.pypi.org/")
    assert "does not verify for 'gitlab_oidc_project-0.0.4.tar.gz'" in line


@pytest.mark.parametrize(
    ("bound_to", "reason"),
    [
        (
            PublisherIdentity.github("trailofbits/pypi-attestations", "other.yml"),
            (
                "its certificate names the workflow https://github.com/trailofbits/"
                "pypi-attestations/.github/workflows/release.yml@refs/tags/v0.0.19"
            ),
        ),
        (
            PublisherIdentity.github("someone/pypi-attestations", "release.yml"),
            "expected https://github.com/someone/pypi-attestations",
        ),
        (
            PublisherIdentity.gitlab("trailofbits/pypi-attestations", "release.yml"),
            "expected https://gitlab.com",
        ),
    ],
    ids=["other workflow", "other repository", "other kind"],
    indirect=["bound_to"],
)
def test_an_attestation_by_another_publisher_is_refused(app, alice, unchanged, bound_to, reason):
    with unchanged():
        response = upload(app, RECORDED.dist, alice, attestations=RECORDED.field(PUBLISH_V1))
    line = assert_refused(response, 400, reason)
    assert f"the project's trusted publisher ({bound_to.describe()})" in line


@pytest.mark.usefixtures("bound")
def test_an_unknown_predicate_type_is_refused(app, alice, unchanged):
    unknown = with_statement(
        RECORDED.attestations[PUBLISH_V1], predicateType="https://example.com/trust-me/v1"
    )
    with unchanged():
        response = upload(app, RECORDED.dist, alice, attestations=json.dumps([unknown]))
    line = assert_refused(
        response, 400, "Attestation 1 has the unknown predicate type 'https://example.com/"
    )
    assert PUBLISH_V1 in line
    assert SLSA_V1 in line


@pytest.mark.usefixtures("bound")
def test_two_attestations_of_one_predicate_type_are_refused(app, alice, unchanged):
    with unchanged():
        response = upload(
            app, RECORDED.dist, alice, attestations=RECORDED.field(PUBLISH_V1, SLSA_V1, PUBLISH_V1)
        )
    assert_refused(
        response, 400, f"Attestations 1 and 3 are both of the predicate type {PUBLISH_V1!r}"
    )


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("not json", "not valid JSON (Expecting value"),
        ("", "not valid JSON"),
        ('{"version": 1}', "a JSON object, not a list"),
        ("[]", "an empty list"),
        ("[1]", "attestation 1 is not a PEP 740 attestation object"),
        ('[{"version": 1}]', "attestation 1 is not a PEP 740 attestation object"),
        ("[" * 100_000, "not valid JSON"),
    ],
    ids=["not JSON", "empty", "an object", "an empty list", "a number", "incomplete", "deep"],
)
@pytest.mark.usefixtures("bound")
def test_malformed_attestations_are_refused(app, alice, unchanged, field, reason):
    with unchanged():
        response = upload(app, RECORDED.dist, alice, attestations=field)
    line = assert_refused(response, 400, f"Invalid attestations: {reason}")
    assert "must be a JSON list of PEP 740 attestation objects" in line


@pytest.mark.usefixtures("bound")
def test_a_statement_that_is_not_json_is_refused(app, alice, unchanged):
    broken = json.loads(RECORDED.field(PUBLISH_V1))
    broken[0]["envelope"]["statement"] = "bm90IGpzb24="  # base64("not json")
    with unchanged():
        response = upload(app, RECORDED.dist, alice, attestations=json.dumps(broken))
    assert_refused(response, 400, "attestation 1's statement is not an in-toto statement")


@pytest.mark.usefixtures("bound")
def test_the_attestations_field_sent_twice_is_refused(app, alice, unchanged):
    field = RECORDED.field(PUBLISH_V1)
    with unchanged():
        response = upload(app, RECORDED.dist, alice, attestations=[field, field])
    assert_refused(response, 400, "the field was sent 2 times, not once")


def test_attestations_for_a_project_without_a_publisher_are_refused(
    app, alice, unchanged, create_project
):
    create_project(RECORDED.dist.name)
    with unchanged():
        response = upload(app, RECORDED.dist, alice, attestations=RECORDED.field(PUBLISH_V1))
    assert_refused(
        response,
        400,
        "Attestations need a trusted publisher bound to the project 'pypi-attestations'",
    )


def test_attestations_for_a_new_project_are_refused(app, alice, unchanged):
    # No project yet, so no publisher: the first release goes up without attestations.
    with unchanged():
        response = upload(app, RECORDED.dist, alice, attestations=RECORDED.field(PUBLISH_V1))
    assert_refused(response, 400, "Attestations need a trusted publisher bound to the project")


@pytest.mark.usefixtures("bound")
def test_a_publisher_rebound_during_verification_refuses_the_upload(
    app, alice, unchanged, session, monkeypatch
):
    verify = attestation_services.verify_attestations

    def verify_then_rebind(*args, **kwargs):
        provenance = verify(*args, **kwargs)
        project = session.scalars(
            select(Project).where(Project.normalized_name == "pypi-attestations")
        ).one()
        PublisherService(session).bind(project, PublisherIdentity.github("a/b", "c.yml"))
        session.commit()
        return provenance

    monkeypatch.setattr(attestation_services, "verify_attestations", verify_then_rebind)
    with unchanged():
        response = upload(app, RECORDED.dist, alice, attestations=RECORDED.field(PUBLISH_V1))
    assert_refused(response, 400, "The trusted publisher of 'pypi-attestations' changed")


@pytest.mark.usefixtures("bound")
def test_verification_holds_no_write_lock(app, alice, settings, monkeypatch):
    """Verifying may take a while (online, it fetches Sigstore's trust root): meanwhile other
    uploads must be able to write. On SQLite, take the write lock ourselves while it runs.
    """
    if not settings.is_sqlite:
        pytest.skip("PostgreSQL has no database-wide write lock")
    database = settings.effective_database_url.removeprefix("sqlite:///")
    verify = attestation_services.verify_attestations
    writable = []

    def verify_while_writing(*args, **kwargs):
        other = sqlite3.connect(database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            writable.append(True)
        finally:
            other.close()
        return verify(*args, **kwargs)

    monkeypatch.setattr(attestation_services, "verify_attestations", verify_while_writing)
    upload(app, RECORDED.dist, alice, attestations=RECORDED.field(PUBLISH_V1), status=200)
    assert writable == [True]
