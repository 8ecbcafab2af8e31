"""Core metadata from the upload form and from the artifact, and their agreement."""

from __future__ import annotations

import pytest

from bastion.packaging.errors import InvalidMetadataError, MetadataMismatchError
from bastion.packaging.metadata import (
    check_agreement,
    metadata_from_bytes,
    metadata_from_form,
    sent_metadata_keys,
    to_json_info,
)
from tests.factories.dists import core_metadata, metadata_document

BASE = {"metadata_version": ["2.4"], "name": ["Sample.Project"], "version": ["1.0"]}


def _form(**fields: list[str]) -> dict[str, list[str]]:
    return {**BASE, **fields}


def test_form_fields_become_metadata_as_twine_names_them():
    metadata = metadata_from_form(
        _form(
            summary=["A summary"],
            platform=["linux", "win32"],
            supported_platform=["RedHat 7.2"],
            license_expression=["MIT"],
            license_file=["LICENSE", "NOTICE"],
            classifiers=["Programming Language :: Python :: 3"],
            requires_dist=["requests>=2", 'pytest; extra == "test"'],
            provides_extra=["test"],
            project_urls=["Source, https://example.org/src", "Docs,https://example.org/docs"],
            keywords=["index, packaging", "pep"],
        )
    )
    assert metadata.name == "Sample.Project"
    assert str(metadata.version) == "1.0"
    assert metadata.platforms == ["linux", "win32"]
    assert metadata.supported_platforms == ["RedHat 7.2"]
    assert metadata.license_expression == "MIT"
    assert metadata.license_files == ["LICENSE", "NOTICE"]
    assert [str(r) for r in metadata.requires_dist] == ["requests>=2", 'pytest; extra == "test"']
    assert metadata.project_urls == {
        "Source": "https://example.org/src",
        "Docs": "https://example.org/docs",
    }
    assert metadata.keywords == ["index", "packaging", "pep"]


def test_transport_and_unknown_form_fields_are_ignored_and_blank_values_dropped():
    metadata = metadata_from_form(
        _form(
            filetype=["bdist_wheel"],
            comment=["hello"],
            not_a_field=["x"],
            summary=["  "],
            author=[""],
        )
    )
    assert metadata.summary is None
    assert metadata.author is None


@pytest.mark.parametrize("missing", ["metadata_version", "name", "version"])
def test_a_form_without_a_required_field_is_refused(missing):
    fields = _form()
    fields[missing] = [" "]
    with pytest.raises(InvalidMetadataError, match=f"the required field '{missing}' is missing"):
        metadata_from_form(fields)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"project_urls": ["no comma here"]}, "is not 'label, url'"),
        ({"requires_dist": ["not a requirement!!"]}, "invalid for 'requires-dist'"),
        ({"metadata_version": ["2.0"]}, "'2.0' is not a valid metadata version"),
        ({"metadata_version": ["1.1"], "requires_python": [">=3.9"]}, "introduced in"),
        ({"dynamic": ["Name"]}, "not allowed as a dynamic field"),
        ({"license_expression": ["MIT OR"]}, "license-expression"),
        ({"license_file": ["../LICENSE"]}, "license-file"),
    ],
)
def test_invalid_form_metadata_is_refused_with_the_reason(fields, reason):
    with pytest.raises(InvalidMetadataError) as refused:
        metadata_from_form(_form(**fields))
    assert reason in str(refused.value)
    assert "\n" not in str(refused.value)


def test_metadata_bytes_parse_with_their_long_description():
    document = core_metadata(
        "sample-project",
        "1.0",
        requires_python=">=3.9",
        description="# Title\n\nBody.\n",
        description_content_type="text/markdown",
    )
    metadata = metadata_from_bytes(document)
    assert (metadata.name, str(metadata.version)) == ("sample-project", "1.0")
    assert metadata.description == "# Title\n\nBody.\n"
    assert str(metadata.requires_python) == ">=3.9"


def test_unknown_headers_in_metadata_bytes_are_tolerated():
    document = metadata_document(
        [("Metadata-Version", "2.1"), ("Name", "a"), ("Version", "1"), ("X-Tool", "yes")]
    )
    assert metadata_from_bytes(document).name == "a"


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2", "2.1", "2.2", "2.3"])
def test_a_license_file_before_metadata_2_4_is_dropped_not_refused(version):
    # setuptools wrote it under 2.1 for years; twine (and PyPI) let those files through.
    document = metadata_document(
        [("Metadata-Version", version), ("Name", "a"), ("Version", "1"), ("License-File", "L")]
    )
    assert metadata_from_bytes(document).license_files is None


def test_a_license_file_in_metadata_2_4_is_kept():
    document = metadata_document(
        [("Metadata-Version", "2.4"), ("Name", "a"), ("Version", "1"), ("License-File", "L")]
    )
    assert metadata_from_bytes(document).license_files == ["L"]


def test_metadata_bytes_that_are_invalid_are_refused():
    document = core_metadata("a", "1", requires_dist=("not a requirement!!",))
    with pytest.raises(InvalidMetadataError, match="invalid for 'requires-dist'"):
        metadata_from_bytes(document)


def test_metadata_bytes_without_a_version_are_refused():
    document = metadata_document([("Metadata-Version", "2.1"), ("Name", "a")])
    with pytest.raises(InvalidMetadataError, match="'version' is missing"):
        metadata_from_bytes(document)


@pytest.mark.parametrize(
    ("form_name", "form_version"),
    [("Sample.Project", "1.0"), ("sample_project", "1.0.0"), ("SAMPLE-PROJECT", "1.0")],
)
def test_form_and_artifact_agree_on_normalized_name_and_equal_version(form_name, form_version):
    fields = _form(name=[form_name], version=[form_version])
    artifact = metadata_from_bytes(core_metadata("sample-project", "1.0"))
    check_agreement(metadata_from_form(fields), artifact, sent_metadata_keys(fields))


@pytest.mark.parametrize(
    ("form_name", "form_version", "field"),
    [("other-project", "1.0", "name"), ("sample-project", "1.0.post1", "version")],
)
def test_form_and_artifact_that_disagree_are_refused(form_name, form_version, field):
    fields = _form(name=[form_name], version=[form_version])
    artifact = metadata_from_bytes(core_metadata("sample-project", "1.0"))
    with pytest.raises(MetadataMismatchError, match=f"The uploaded {field} "):
        check_agreement(metadata_from_form(fields), artifact, sent_metadata_keys(fields))


def test_json_info_uses_pypi_field_names():
    metadata = metadata_from_form(
        _form(
            platform=["linux", "mac"],
            keywords=["a, b"],
            requires_dist=["requests"],
            provides_extra=["test"],
            dynamic=["Requires-Dist"],
        )
    )
    info = to_json_info(metadata)
    assert info["platform"] == "linux, mac"
    assert info["keywords"] == "a,b"
    assert info["requires_dist"] == ["requests"]
    assert info["provides_extra"] == ["test"]
    assert info["classifiers"] == []
    assert info["project_urls"] is None
    assert [d.lower() for d in info["dynamic"]] == ["requires-dist"]
