"""Uploads refused because the bytes are not what they claim: digests, size, archive shape.

Each refusal answers its status with the one-line reason in the status line and the body, and
leaves no row, no stored blob and no spooled request body behind.
"""

from __future__ import annotations

import dataclasses
import io
import secrets
import zipfile

import pytest

from tests.factories.dists import build_sdist, build_wheel, upload
from tests.upload.checks import assert_refused


@pytest.mark.parametrize("algorithm", ["md5", "sha256", "blake2_256"])
def test_a_digest_that_disagrees_with_the_bytes_is_refused(app, alice, unchanged, algorithm):
    dist = build_wheel()
    wrong = {f"{algorithm}_digest": "0" * len(getattr(dist, algorithm))}
    with unchanged():
        response = upload(app, dist, alice, **wrong)
    assert_refused(response, 400, f"The {algorithm} digest supplied does not match")


def test_digests_compare_without_regard_to_case(app, alice):
    dist = build_wheel()
    response = upload(app, dist, alice, sha256_digest=dist.sha256.upper())
    assert response.status_int == 200


def test_an_upload_without_md5_or_sha256_digest_is_refused(app, alice, unchanged):
    with unchanged():
        response = upload(app, build_wheel(), alice, md5_digest=None, sha256_digest=None)
    assert_refused(response, 400, "Include at least one message digest")


@pytest.mark.parametrize("digest", ["md5_digest", "sha256_digest"])
def test_one_digest_is_enough(app, alice, digest):
    dist = build_wheel()
    others = {d: None for d in ("md5_digest", "sha256_digest", "blake2_256_digest") if d != digest}
    assert upload(app, dist, alice, **others).status_int == 200


def _incompressible_wheel(size_hint: int):
    return build_wheel(module_source=f"DATA = {secrets.token_hex(size_hint)!r}\n")


def test_a_file_over_the_size_limit_is_refused_with_413(app_with, alice, unchanged):
    dist = _incompressible_wheel(4096)
    small = app_with(max_upload_bytes=1024)
    with unchanged():
        response = upload(small, dist, alice)
    line = assert_refused(response, 413, f"File too large: {dist.filename!r} exceeds the limit")
    assert "(1024 bytes)" in line


def test_a_file_of_exactly_the_size_limit_is_accepted(app_with, alice, unchanged):
    dist = _incompressible_wheel(1024)
    with unchanged():
        refused = upload(app_with(max_upload_bytes=len(dist.content) - 1), dist, alice)
    assert refused.status_int == 413
    accepted = upload(app_with(max_upload_bytes=len(dist.content)), dist, alice)
    assert accepted.status_int == 200


def test_metadata_fields_over_their_limit_are_refused_with_413(app_with, alice, unchanged):
    small = app_with(max_form_fields_bytes=2048)
    with unchanged():
        response = upload(small, build_wheel(), alice, description="x" * 4096)
    assert_refused(response, 413, "metadata fields exceed 2048 bytes")


def test_a_wheel_that_is_not_a_zip_archive_is_refused(app, alice, unchanged):
    dist = dataclasses.replace(build_wheel(), content=b"MZ\x90\x00 not a zip at all" * 10)
    with unchanged():
        response = upload(app, dist, alice)
    line = assert_refused(response, 400, f"Invalid distribution file {dist.filename!r}: ")
    assert "ZIP" in line


def test_an_sdist_that_is_not_a_gzipped_tar_is_refused(app, alice, unchanged):
    dist = dataclasses.replace(build_sdist(), content=build_wheel().content)
    with unchanged():
        response = upload(app, dist, alice)
    line = assert_refused(response, 400, f"Invalid distribution file {dist.filename!r}: ")
    assert "tar" in line


def _without_member(dist, member: str):
    """`dist` rebuilt without one archive member (its digests change with it)."""
    rebuilt = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(dist.content)) as source,
        zipfile.ZipFile(rebuilt, "w") as target,
    ):
        for info in source.infolist():
            if info.filename != member:
                target.writestr(info, source.read(info))
    return dataclasses.replace(dist, content=rebuilt.getvalue())


def test_a_wheel_without_its_metadata_file_is_refused(app, alice, unchanged):
    dist = _without_member(build_wheel(), "sample_project-1.0.dist-info/METADATA")
    with unchanged():
        response = upload(app, dist, alice)
    line = assert_refused(response, 400, f"Invalid distribution file {dist.filename!r}: ")
    assert "METADATA" in line


def test_a_filetype_that_disagrees_with_the_extension_is_refused(app, alice, unchanged):
    dist = build_wheel()
    with unchanged():
        response = upload(app, dist, alice, filetype="sdist")
    assert_refused(response, 400, "The filetype 'sdist' does not match")
