"""The streaming multipart reader: fields, the file and its digests, and the limits it
enforces while reading (never after buffering the whole body).
"""

from __future__ import annotations

import hashlib
import io

import pytest

from bastion.upload.errors import FileTooLargeError, FormTooLargeError, InvalidFormError
from bastion.upload.forms import UploadFormReader

BOUNDARY = "bastion-test-boundary"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
LIMIT = 256 * 1024


def _field(name: str, value: bytes) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value
        + b"\r\n"
    )


def _file_header(filename: str = "foo-1.0.tar.gz") -> bytes:
    return (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="content"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()


def _body(fields: list[tuple[str, bytes]], content: bytes) -> bytes:
    parts = b"".join(_field(name, value) for name, value in fields)
    return parts + _file_header() + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def _reader(tmp_path, *, max_file_bytes: int = LIMIT, max_fields_bytes: int = LIMIT):
    return UploadFormReader(
        temp_dir=tmp_path, max_file_bytes=max_file_bytes, max_fields_bytes=max_fields_bytes
    )


class EndlessUpload(io.RawIOBase):
    """A request body that never ends: a file part whose data keeps coming. Counts reads."""

    def __init__(self) -> None:
        self.pending = _file_header()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = 64 * 1024 if size is None or size < 0 else size
        chunk, self.pending = self.pending[:size], self.pending[size:]
        chunk += b"\x00" * (size - len(chunk))
        self.bytes_read += len(chunk)
        return chunk


def test_fields_repeat_and_the_file_is_spooled_with_its_digests(tmp_path):
    content = bytes(range(256)) * 1000
    body = _body([("name", b"foo"), ("classifiers", b"A"), ("classifiers", b"B")], content)
    form = _reader(tmp_path).read(CONTENT_TYPE, io.BytesIO(body))
    assert form.get("name") == "foo"
    assert form.get("missing") == ""
    assert form.fields["classifiers"] == ["A", "B"]
    assert form.file.filename == "foo-1.0.tar.gz"
    assert form.file.path.read_bytes() == content
    assert form.file.path.parent == tmp_path
    assert (form.file.size, form.file.md5, form.file.sha256, form.file.blake2_256) == (
        len(content),
        hashlib.md5(content, usedforsecurity=False).hexdigest(),
        hashlib.sha256(content).hexdigest(),
        hashlib.blake2b(content, digest_size=32).hexdigest(),
    )


def test_an_endless_file_is_refused_after_the_limit_not_after_the_body(tmp_path):
    stream = EndlessUpload()
    with pytest.raises(FileTooLargeError) as refused:
        _reader(tmp_path).read(CONTENT_TYPE, stream)
    assert refused.value.status_code == 413
    assert LIMIT < stream.bytes_read <= LIMIT + 2 * 64 * 1024
    assert list(tmp_path.iterdir()) == []


def test_a_file_of_exactly_the_limit_is_read(tmp_path):
    body = _body([], b"x" * LIMIT)
    assert _reader(tmp_path).read(CONTENT_TYPE, io.BytesIO(body)).file.size == LIMIT


def test_one_byte_over_the_limit_is_refused_and_nothing_kept(tmp_path):
    body = _body([], b"x" * (LIMIT + 1))
    with pytest.raises(FileTooLargeError):
        _reader(tmp_path).read(CONTENT_TYPE, io.BytesIO(body))
    assert list(tmp_path.iterdir()) == []


def test_fields_over_their_limit_are_refused(tmp_path):
    body = _body([("description", b"d" * 2000), ("summary", b"s" * 2000)], b"x")
    with pytest.raises(FormTooLargeError) as refused:
        _reader(tmp_path, max_fields_bytes=3000).read(CONTENT_TYPE, io.BytesIO(body))
    assert refused.value.status_code == 413


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        ("application/json", b"{}", "multipart/form-data with a boundary"),
        ("multipart/form-data", b"", "multipart/form-data with a boundary"),
        (CONTENT_TYPE, _field("name", b"foo") + f"--{BOUNDARY}--\r\n".encode(), "is missing"),
        (CONTENT_TYPE, _body([], b"x" * 1000)[:-600], "ended in the middle of a part"),
        (CONTENT_TYPE, b"--" + BOUNDARY.encode() + b"\r\nbroken header\r\n\r\n", "malformed"),
        (CONTENT_TYPE, _body([("name", b"caf\xe9")], b"x"), "must be UTF-8"),
        (CONTENT_TYPE, _body([], b"x").replace(b'name="content"', b'name="other"'), "unexpected"),
        (
            CONTENT_TYPE,
            _body([], b"x").replace(b"Content-Disposition: form-data", b"Content-Disposition: x"),
            "no Content-Disposition form-data name",
        ),
    ],
)
def test_malformed_bodies_are_refused_and_nothing_kept(tmp_path, content_type, body, reason):
    with pytest.raises(InvalidFormError, match=reason):
        _reader(tmp_path).read(content_type, io.BytesIO(body))
    assert list(tmp_path.iterdir()) == []


def test_a_second_file_is_refused_and_both_spools_removed(tmp_path):
    body = _body([], b"first")
    body = body.replace(
        f"--{BOUNDARY}--".encode(), _file_header() + b"second\r\n" + f"--{BOUNDARY}--".encode()
    )
    with pytest.raises(InvalidFormError, match="only one file"):
        _reader(tmp_path).read(CONTENT_TYPE, io.BytesIO(body))
    assert list(tmp_path.iterdir()) == []
