"""Every core-metadata version twine sends (1.0 to 2.4) is accepted and served back.

Each case is a real wheel (or sdist) whose METADATA uses the fields its version introduced; the
form is what twine itself derives from that file, so form and artifact agree as they do in
practice. The JSON API then shows the fields.
"""

from __future__ import annotations

import pytest

from tests.factories.dists import (
    build_sdist,
    build_wheel,
    metadata_document,
    post_upload,
    twine_fields,
    upload,
)
from tests.upload.checks import assert_refused

BASE = [("Name", "sample-project"), ("Version", "1.0"), ("Summary", "A test project")]

CASES = {
    "1.0": (
        [
            ("Platform", "any"),
            ("Keywords", "index, packaging"),
            ("Home-page", "https://example.org/home"),
            ("Author", "Alice Example"),
            ("Author-email", "alice@example.org"),
            ("License", "MIT"),
            ("Description", "The long description, in a header as 1.0 had it."),
        ],
        {
            "author": "Alice Example",
            "author_email": "alice@example.org",
            "home_page": "https://example.org/home",
            "license": "MIT",
            "platform": "any",
            "description": "The long description, in a header as 1.0 had it.",
        },
    ),
    "1.1": (
        [
            ("Classifier", "Programming Language :: Python :: 3"),
            ("Classifier", "License :: OSI Approved :: MIT License"),
            ("Download-URL", "https://example.org/download"),
            ("Supported-Platform", "RedHat 7.2"),
        ],
        {
            "classifiers": [
                "Programming Language :: Python :: 3",
                "License :: OSI Approved :: MIT License",
            ],
            "download_url": "https://example.org/download",
        },
    ),
    "1.2": (
        [
            ("Maintainer", "Bob Example"),
            ("Maintainer-email", "bob@example.org"),
            ("Requires-Dist", "requests>=2"),
            ("Requires-Python", ">=3.9"),
            ("Requires-External", "libpq"),
            ("Project-URL", "Source, https://example.org/src"),
        ],
        {
            "maintainer": "Bob Example",
            "maintainer_email": "bob@example.org",
            "requires_dist": ["requests>=2"],
            "requires_python": ">=3.9",
            "project_urls": {"Source": "https://example.org/src"},
        },
    ),
    "2.1": (
        [
            ("Description-Content-Type", "text/markdown"),
            ("Provides-Extra", "test"),
            ("Requires-Dist", 'pytest; extra == "test"'),
        ],
        {
            "description_content_type": "text/markdown",
            "provides_extra": ["test"],
            "requires_dist": ['pytest; extra == "test"'],
        },
    ),
    "2.2": (
        [("Dynamic", "Requires-Dist"), ("Requires-Dist", "attrs")],
        {"requires_dist": ["attrs"]},
    ),
    "2.3": (
        [("Provides-Extra", "dev-tools"), ("Requires-Dist", 'ruff; extra == "dev-tools"')],
        {"provides_extra": ["dev-tools"], "requires_dist": ['ruff; extra == "dev-tools"']},
    ),
    "2.4": (
        [("License-Expression", "MIT OR Apache-2.0"), ("License-File", "LICENSE")],
        {"license_expression": "MIT OR Apache-2.0", "license_files": ["LICENSE"]},
    ),
}
BODY = "# Sample\n\nA long description in the body, as 2.1 and later put it.\n"


@pytest.mark.parametrize("metadata_version", sorted(CASES))
def test_each_metadata_version_twine_sends_is_accepted(app, alice, tmp_path, metadata_version):
    headers, expected = CASES[metadata_version]
    metadata = metadata_document(
        [("Metadata-Version", metadata_version), *BASE, *headers],
        description=BODY if metadata_version >= "2.1" else "",
    )
    # Dynamic (PEP 643) is what an sdist declares; the others go in wheels.
    build = build_sdist if metadata_version == "2.2" else build_wheel
    dist = build(metadata=metadata)
    fields = twine_fields(dist, tmp_path)
    assert ("metadata_version", metadata_version) in fields

    assert post_upload(app, dist, fields, alice).status_int == 200

    info = app.get("/pypi/sample-project/json").json["info"]
    assert (info["name"], info["version"], info["summary"]) == (
        "sample-project",
        "1.0",
        "A test project",
    )
    assert {key: info[key] for key in expected} == expected
    if metadata_version >= "2.1":
        assert info["description"].strip() == BODY.strip()


def test_metadata_2_2_reports_its_dynamic_fields(app, alice, tmp_path):
    metadata = metadata_document(
        [("Metadata-Version", "2.2"), *BASE, ("Dynamic", "Requires-Dist"), ("Dynamic", "Author")]
    )
    dist = build_sdist(metadata=metadata)
    assert post_upload(app, dist, twine_fields(dist, tmp_path), alice).status_int == 200
    dynamic = app.get("/pypi/sample-project/json").json["info"]["dynamic"]
    assert sorted(d.lower() for d in dynamic) == ["author", "requires-dist"]


def test_keywords_of_any_version_are_served(app, alice, tmp_path):
    metadata = metadata_document([("Metadata-Version", "1.0"), *BASE, ("Keywords", "index, pep")])
    dist = build_wheel(metadata=metadata)
    assert post_upload(app, dist, twine_fields(dist, tmp_path), alice).status_int == 200
    keywords = app.get("/pypi/sample-project/json").json["info"]["keywords"]
    assert [k.strip() for k in keywords.split(",")] == ["index", "pep"]


def test_a_setuptools_style_license_file_under_metadata_2_1_is_accepted(app, alice, tmp_path):
    # setuptools wrote License-File with Metadata-Version 2.1 long before PEP 639 (2.4)
    # defined it; twine drops it from the form, and the file itself must not be refused.
    metadata = metadata_document([("Metadata-Version", "2.1"), *BASE, ("License-File", "LICENSE")])
    dist = build_wheel(metadata=metadata)
    fields = twine_fields(dist, tmp_path)
    assert not any(key == "license_file" for key, _ in fields)
    assert post_upload(app, dist, fields, alice).status_int == 200


def test_metadata_2_0_which_no_specification_defines_is_refused(app, alice, unchanged):
    # Metadata 2.0 was a draft that never became a standard; packaging and twine refuse it.
    dist = build_wheel(metadata_version="2.0")
    with unchanged():
        response = upload(app, dist, alice, metadata_version="2.0")
    assert_refused(response, 400, "'2.0' is not a valid metadata version")
