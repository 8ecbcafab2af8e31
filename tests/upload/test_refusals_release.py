"""Uploads refused because of what they say they are: name, version, filename, metadata.

Each refusal answers 400 with the one-line reason in the status line and the body, and leaves
no row, no stored blob and no spooled request body behind.
"""

from __future__ import annotations

import pytest

from tests.factories.dists import build_sdist, build_wheel, core_metadata, upload
from tests.upload.checks import assert_refused


@pytest.mark.parametrize("build", [build_wheel, build_sdist], ids=["wheel", "sdist"])
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(("1.0-garbage!", "1.0-garbage!"), id="not-pep-440"),
        pytest.param(("1.0+local", "Invalid version '1.0+local': local versions"), id="local"),
    ],
)
def test_a_version_that_is_not_a_public_pep_440_version_is_refused(
    app, alice, unchanged, build, case
):
    version, reason = case
    with unchanged():
        response = upload(app, build(version=version), alice)
    assert_refused(response, 400, reason)


def test_a_non_pep_440_version_in_the_form_is_refused(app, alice, unchanged):
    with unchanged():
        response = upload(app, build_wheel(), alice, version="1.0-garbage!")
    assert_refused(response, 400, "Invalid core metadata: '1.0-garbage!' is invalid for 'version'")


def test_a_name_that_is_not_pep_508_is_refused(app, alice, unchanged):
    with unchanged():
        response = upload(app, build_wheel(), alice, name="sample project!")
    assert_refused(response, 400, "'sample project!' is invalid for 'name'")


@pytest.mark.parametrize(
    ("filename", "reason"),
    [
        ("other_project-1.0-py3-none-any.whl", "its project name should be 'sample-project'"),
        ("sample_project-2.0-py3-none-any.whl", "its version should be '1.0'"),
    ],
)
def test_a_wheel_filename_that_disagrees_with_the_metadata_is_refused(
    app, alice, unchanged, filename, reason
):
    with unchanged():
        response = upload(app, build_wheel(filename=filename), alice)
    assert_refused(
        response, 400, f"The filename {filename!r} does not match the metadata: {reason}"
    )


def test_an_sdist_filename_that_disagrees_with_the_metadata_is_refused(app, alice, unchanged):
    dist = build_sdist(filename="sample_project-1.1.tar.gz")
    with unchanged():
        response = upload(app, dist, alice)
    assert_refused(response, 400, "its version should be '1.0'")


def test_a_legacy_sdist_filename_is_accepted_as_on_pypi(app, alice):
    # requests-oauthlib's newest sdist is still requests-oauthlib-2.0.0.tar.gz.
    legacy = "Sample.Project-1.0"
    dist = build_sdist(name="Sample.Project", filename=f"{legacy}.tar.gz", top=legacy)
    assert upload(app, dist, alice).status_code == 200


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param("sample_project-1.0", "Sample.Project-1.0", id="legacy-spelling"),
        pytest.param("sample_project-1.0", "sample_project-1.0.0", id="same-release-version"),
    ],
)
def test_a_second_sdist_of_a_release_is_refused(app, alice, unchanged, first, second):
    name, version = second.rsplit("-", 1)
    assert upload(app, build_sdist(), alice).status_code == 200
    other = build_sdist(name=name, version=version, filename=f"{second}.tar.gz", top=second)
    with unchanged():
        response = upload(app, other, alice)
    assert_refused(
        response,
        400,
        f"Only one sdist may be uploaded per release: this release already has "
        f"'{first}.tar.gz', so '{second}.tar.gz' is refused.",
    )


@pytest.mark.parametrize(
    ("inside", "field"),
    [(("other-project", "1.0"), "name"), (("sample-project", "2.0"), "version")],
)
def test_form_and_artifact_metadata_that_disagree_are_refused(app, alice, unchanged, inside, field):
    dist = build_wheel("sample-project", "1.0", metadata=core_metadata(*inside))
    with unchanged():
        response = upload(app, dist, alice)
    assert_refused(response, 400, f"The uploaded {field} ")


@pytest.mark.parametrize(
    ("suffix", "filetype"),
    [
        (".exe", "bdist_wininst"),
        (".egg", "bdist_egg"),
        (".zip", "sdist"),
        (".tar.bz2", "sdist"),
        (".tar", "sdist"),
    ],
)
def test_distribution_kinds_other_than_wheel_and_tar_gz_sdist_are_refused(
    app, alice, unchanged, suffix, filetype
):
    dist = build_sdist(filename=f"sample_project-1.0{suffix}")
    with unchanged():
        response = upload(app, dist, alice, filetype=filetype)
    assert_refused(response, 400, "only .tar.gz source distributions and .whl wheels are accepted")


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"requires_dist": "not a requirement!!"}, id="requires-dist"),
        pytest.param({"requires_python": ">=three"}, id="requires-python"),
        pytest.param({"metadata_version": "9.9"}, id="metadata-version-9.9"),
        pytest.param({"metadata_version": "1.0", "requires_dist": "requests"}, id="field-too-new"),
        pytest.param({"version": None}, id="no-version"),
    ],
)
def test_invalid_form_metadata_is_refused(app, alice, unchanged, overrides):
    with unchanged():
        response = upload(app, build_wheel(), alice, **overrides)
    assert_refused(response, 400, "Invalid core metadata: ")


def test_invalid_metadata_inside_the_artifact_is_refused(app, alice, unchanged):
    dist = build_wheel(requires_dist=("not a requirement!!",))
    with unchanged():
        response = upload(app, dist, alice)
    assert_refused(response, 400, "'not a requirement!!' is invalid for 'requires-dist'")
