"""Requests refused before any metadata is looked at: not an upload form, or not this protocol.

Each refusal answers 400 with the one-line reason in the status line and the body, and leaves
no row, no stored blob and no spooled request body (even half a file) behind.
"""

from __future__ import annotations

import pytest

from tests.factories.dists import build_wheel, upload, upload_fields
from tests.upload.checks import assert_refused


def _post_body(app, headers, body: bytes, content_type: str):
    """POST exactly `body` under exactly `content_type` (WebTest re-encodes nothing here)."""
    return app.request(
        "/legacy/",
        method="POST",
        body=body,
        headers={**headers, "Content-Type": content_type},
        expect_errors=True,
    )


def _multipart(app, dist, **overrides) -> tuple[str, bytes]:
    """The multipart body (and its Content-Type) a client would send for `dist`."""
    return app.encode_multipart(
        upload_fields(dist, **overrides), [("content", dist.filename, dist.content)]
    )


def _post_files(app, headers, dist, files: list[tuple[str, str, bytes]]):
    """POST `dist`'s fields with exactly these file parts (none, or under other names)."""
    content_type, body = app.encode_multipart(upload_fields(dist), files)
    return _post_body(app, headers, body, content_type)


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",  # no boundary
        "text/plain; boundary=xyz",
    ],
)
def test_a_body_that_is_not_multipart_form_data_is_refused(app, alice, unchanged, content_type):
    with unchanged():
        response = _post_body(app, alice, b'{"name": "sample-project"}', content_type)
    assert_refused(response, 400, "the body must be multipart/form-data with a boundary")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"garbage, no boundary anywhere", "malformed multipart body"),
        (b"--xyz\r\nnot a header line\r\n\r\n", "malformed multipart body"),
        (b"", "the 'content' file field is missing"),
    ],
)
def test_garbage_under_a_multipart_content_type_is_refused(app, alice, unchanged, body, reason):
    with unchanged():
        response = _post_body(app, alice, body, "multipart/form-data; boundary=xyz")
    assert_refused(response, 400, reason)


@pytest.mark.parametrize("keep", [0.95, 0.6])
def test_a_multipart_body_cut_off_in_the_file_is_refused_and_its_spool_removed(
    app, alice, unchanged, keep
):
    content_type, body = _multipart(app, build_wheel(module_source="X = 1\n" * 500))
    with unchanged():
        response = _post_body(app, alice, body[: int(len(body) * keep)], content_type)
    assert_refused(response, 400, "the multipart body ended in the middle of a part")


def test_a_form_without_the_content_file_is_refused(app, alice, unchanged):
    with unchanged():
        response = _post_files(app, alice, build_wheel(), [])
    assert_refused(response, 400, "the 'content' file field is missing")


def test_a_file_under_another_field_name_is_refused(app, alice, unchanged):
    dist = build_wheel()
    with unchanged():
        response = _post_files(app, alice, dist, [("file", dist.filename, dist.content)])
    assert_refused(response, 400, "unexpected file field 'file'")


def test_two_files_in_one_request_are_refused(app, alice, unchanged):
    dist = build_wheel()
    with unchanged():
        response = _post_files(app, alice, dist, [("content", dist.filename, dist.content)] * 2)
    assert_refused(response, 400, "only one file may be uploaded per request")


def test_fields_that_are_not_utf8_are_refused(app, alice, unchanged):
    content_type, body = _multipart(app, build_wheel(), summary="SUMMARY-MARKER")
    body = body.replace(b"SUMMARY-MARKER", b"caf\xe9")
    with unchanged():
        response = _post_body(app, alice, body, content_type)
    assert_refused(response, 400, "form fields must be UTF-8")


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({":action": None}, id="no-action"),
        pytest.param({":action": "submit"}, id="register-action"),
        pytest.param({":action": "doc_upload"}, id="doc-upload"),
        pytest.param({"protocol_version": "2"}, id="protocol-2"),
        pytest.param({"protocol_version": None}, id="no-protocol-version"),
    ],
)
def test_anything_but_file_upload_protocol_1_is_refused(app, alice, unchanged, overrides):
    with unchanged():
        response = upload(app, build_wheel(), alice, **overrides)
    assert_refused(response, 400, "only file_upload with protocol_version 1 is accepted")
