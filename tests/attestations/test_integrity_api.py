"""The Integrity API: `GET /integrity/<project>/<version>/<filename>/provenance`, as on PyPI.

200 with the stored provenance object; 404 with a JSON message saying what is missing; 406 for
a client that accepts neither JSON media type.
"""

from __future__ import annotations

import json

import pytest

from tests.attestations.recorded import PUBLISH_V1, RECORDED, SLSA_V1
from tests.factories.dists import upload

INTEGRITY_V1_JSON = "application/vnd.pypi.integrity.v1+json"
URL = "/integrity/pypi-attestations/0.0.19/pypi_attestations-0.0.19.tar.gz/provenance"


@pytest.fixture
def attested(app, alice, create_project, bind):
    """pypi-attestations 0.0.1 without attestations, 0.0.19 with both recorded ones."""
    create_project(RECORDED.dist.name)
    bind(RECORDED.dist.name, RECORDED.publisher)
    field = RECORDED.field(PUBLISH_V1, SLSA_V1)
    upload(app, RECORDED.dist, alice, attestations=field, status=200)


@pytest.mark.usefixtures("attested")
def test_the_provenance_object_of_an_attested_file(app):
    response = app.get(URL)

    assert response.content_type == INTEGRITY_V1_JSON
    assert response.headers["Vary"] == "Accept"
    body = response.json
    assert body["version"] == 1
    (bundle,) = body["attestation_bundles"]
    assert bundle["publisher"] == {
        "kind": "GitHub",
        "repository": "trailofbits/pypi-attestations",
        "workflow": "release.yml",
        "environment": None,
    }
    # The attestations as uploaded, in the order uploaded.
    assert bundle["attestations"] == [
        RECORDED.attestations[PUBLISH_V1],
        RECORDED.attestations[SLSA_V1],
    ]


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, INTEGRITY_V1_JSON),
        ("*/*", INTEGRITY_V1_JSON),
        ("application/json", "application/json"),
        (f"application/json;q=0.5, {INTEGRITY_V1_JSON}", INTEGRITY_V1_JSON),
    ],
)
@pytest.mark.usefixtures("attested")
def test_the_media_type_is_negotiated(app, accept, media_type):
    headers = {"Accept": accept} if accept else {}
    assert app.get(URL, headers=headers).content_type == media_type


@pytest.mark.usefixtures("attested")
def test_a_client_accepting_neither_json_type_gets_406(app):
    response = app.get(URL, headers={"Accept": "text/html"}, status=406)
    assert INTEGRITY_V1_JSON in response.json["message"]


@pytest.mark.usefixtures("attested")
def test_an_unchanged_provenance_is_not_sent_again(app):
    etag = app.get(URL).headers["ETag"]
    assert app.get(URL, headers={"If-None-Match": etag}, status=304).body == b""


@pytest.mark.usefixtures("attested")
def test_any_spelling_of_the_name_and_version_finds_the_file(app):
    url = "/integrity/PyPI_Attestations/0.0.19.0/pypi_attestations-0.0.19.tar.gz/provenance"
    assert app.get(url).json == app.get(URL).json


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "/integrity/pypi-attestations/0.0.1/pypi_attestations-0.0.1.tar.gz/provenance",
            (
                "No provenance for 'pypi_attestations-0.0.1.tar.gz': it was uploaded without "
                "attestations."
            ),
        ),
        (
            "/integrity/nothing-here/1.0/nothing_here-1.0.tar.gz/provenance",
            "No project named 'nothing-here' on this index.",
        ),
        (
            "/integrity/pypi-attestations/0.0.2/pypi_attestations-0.0.19.tar.gz/provenance",
            (
                "Project 'pypi-attestations' has no file 'pypi_attestations-0.0.19.tar.gz' in a "
                "release '0.0.2'."
            ),
        ),
        (
            "/integrity/pypi-attestations/0.0.19/pypi_attestations-0.0.20.tar.gz/provenance",
            (
                "Project 'pypi-attestations' has no file 'pypi_attestations-0.0.20.tar.gz' in a "
                "release '0.0.19'."
            ),
        ),
    ],
    ids=["no attestations", "no project", "other version", "no file"],
)
@pytest.mark.usefixtures("attested")
def test_a_missing_provenance_is_a_404_that_says_why(app, url, message):
    response = app.get(url, status=404)
    assert response.content_type == "application/json"
    assert json.loads(response.body) == {"message": message}
