"""PEP 740 in the simple API: `provenance` (JSON) and `data-provenance` (HTML) for attested files.

The value is the file's Integrity API URL, relative to the page like the file URLs, so a page's
bytes do not depend on the host it was requested under (pages are signed as TUF targets).
A file without provenance has neither key nor attribute (PEP 740 makes both optional).
"""

from __future__ import annotations

import pytest

from tests.attestations.recorded import PUBLISH_V1, RECORDED
from tests.factories.dists import upload
from tests.simple.pages import HTML, JSON, LEGACY_HTML, MEDIA_TYPES, fetch_project

INTEGRITY_PATH = "/integrity/pypi-attestations/0.0.19/pypi_attestations-0.0.19.tar.gz/provenance"


@pytest.fixture
def attested(app, alice, create_project, bind):
    """pypi-attestations 0.0.1 without attestations, 0.0.19 with its recorded one."""
    create_project(RECORDED.dist.name)
    bind(RECORDED.dist.name, RECORDED.publisher)
    upload(app, RECORDED.dist, alice, attestations=RECORDED.field(PUBLISH_V1), status=200)


@pytest.mark.parametrize("media_type", MEDIA_TYPES)
@pytest.mark.usefixtures("attested")
def test_an_attested_file_links_its_provenance(app, media_type):
    page = fetch_project(app, "pypi-attestations", media_type)

    assert page.files[RECORDED.dist.filename].provenance == INTEGRITY_PATH
    assert page.files["pypi_attestations-0.0.1.tar.gz"].provenance is None
    # The link leads to the provenance.
    response = app.get(INTEGRITY_PATH)
    assert response.json["attestation_bundles"][0]["publisher"]["kind"] == "GitHub"


@pytest.mark.usefixtures("attested")
def test_the_json_page_spells_it_as_pep_740_does(app):
    files = {
        f["filename"]: f
        for f in fetch_project(app, "pypi-attestations", JSON).response.json["files"]
    }

    assert files[RECORDED.dist.filename]["provenance"] == "../.." + INTEGRITY_PATH
    # Left out, not null, for a file without: the page of an unattested project is unchanged.
    assert "provenance" not in files["pypi_attestations-0.0.1.tar.gz"]


@pytest.mark.parametrize("media_type", [LEGACY_HTML, HTML])
@pytest.mark.usefixtures("attested")
def test_the_html_page_spells_it_as_pep_740_does(app, media_type):
    text = fetch_project(app, "pypi-attestations", media_type).response.text

    assert f'data-provenance="../..{INTEGRITY_PATH}"' in text
    assert text.count("data-provenance=") == 1


@pytest.mark.usefixtures("attested")
def test_the_pages_do_not_depend_on_the_host(app):
    for media_type in MEDIA_TYPES:
        here = app.get("/simple/pypi-attestations/", headers={"Accept": media_type})
        there = app.get(
            "/simple/pypi-attestations/",
            headers={"Accept": media_type},
            extra_environ={"HTTP_HOST": "mirror.example.org"},
        )
        assert here.body == there.body
