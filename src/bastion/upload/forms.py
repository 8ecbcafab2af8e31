"""Reading the upload request: a multipart form, parsed as it streams in.

The file part goes to a temporary file in the data directory while its MD5, SHA-256 and
BLAKE2b-256 are computed; the limit is checked on every chunk, so an oversized upload is refused
after at most `max_upload_bytes` (plus one chunk) have been read, never after buffering it all.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import IO, BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from bastion.upload.errors import FileTooLargeError, FormTooLargeError, InvalidFormError

_CHUNK_BYTES = 64 * 1024
_FILE_FIELD = "content"


@dataclasses.dataclass
class UploadedFile:
    """The received file: on disk, with its digests computed as it arrived."""

    filename: str
    path: Path
    size: int
    md5: str
    sha256: str
    blake2_256: str


@dataclasses.dataclass
class UploadForm:
    """The fields of an upload (each possibly repeated) and its one file."""

    fields: dict[str, list[str]]
    file: UploadedFile

    def get(self, name: str) -> str:
        """The first value of field `name`, or '' when absent."""
        values = self.fields.get(name)
        return values[0] if values else ""


class _PartSink:
    """Collects one multipart part: a small text field in memory, or the file on disk."""

    def __init__(self, name: str, filename: str | None, temp_dir: Path) -> None:
        self.name = name
        self.filename = filename
        self.size = 0
        self.buffer = bytearray()
        self.handle: IO[bytes] | None = None
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha256 = hashlib.sha256()
        self.blake2_256 = hashlib.blake2b(digest_size=32)
        if filename is not None:
            self.handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by the reader
                dir=temp_dir, prefix="upload-", delete=False
            )

    def write(self, data: bytes) -> None:
        self.size += len(data)
        if self.handle is None:
            self.buffer += data
            return
        self.handle.write(data)
        self.md5.update(data)
        self.sha256.update(data)
        self.blake2_256.update(data)


class UploadFormReader:
    """Parses one upload request body; `read()` returns the form or raises an UploadError.

    On any failure the temporary file is removed: a refused upload leaves nothing on disk.
    """

    def __init__(self, *, temp_dir: Path, max_file_bytes: int, max_fields_bytes: int) -> None:
        self.temp_dir = temp_dir
        self.max_file_bytes = max_file_bytes
        self.max_fields_bytes = max_fields_bytes
        self._fields: defaultdict[str, list[str]] = defaultdict(list)
        self._fields_bytes = 0
        self._file: UploadedFile | None = None
        self._part: _PartSink | None = None
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}

    def read(self, content_type: str, body: BinaryIO) -> UploadForm:
        """Parse `body` (the request's input stream) as `multipart/form-data`.

        Raises:
            InvalidFormError: not multipart, malformed, no file part, or fields not UTF-8.
            FileTooLargeError: the file passed `max_file_bytes`.
            FormTooLargeError: the other fields together passed `max_fields_bytes`.
        """
        try:
            return self._read(content_type, body)
        except MultipartParseError as exc:
            self.discard()
            raise InvalidFormError(f"malformed multipart body ({exc})") from None
        except BaseException:
            self.discard()
            raise

    def _read(self, content_type: str, body: BinaryIO) -> UploadForm:
        parser = self._parser(content_type)
        while chunk := body.read(_CHUNK_BYTES):
            parser.write(chunk)
        parser.finalize()
        if self._part is not None:
            raise InvalidFormError("the multipart body ended in the middle of a part")
        if self._file is None:
            raise InvalidFormError(f"the {_FILE_FIELD!r} file field is missing")
        return UploadForm(fields=dict(self._fields), file=self._file)

    def discard(self) -> None:
        """Remove whatever was written to disk so far."""
        for path in self._temp_paths():
            path.unlink(missing_ok=True)

    def _temp_paths(self) -> list[Path]:
        paths = []
        if self._file is not None:
            paths.append(self._file.path)
        if self._part is not None and self._part.handle is not None:
            self._part.handle.close()
            paths.append(Path(self._part.handle.name))
        return paths

    def _parser(self, content_type: str) -> MultipartParser:
        media_type, params = parse_options_header(content_type)
        boundary = params.get(b"boundary")
        if media_type != b"multipart/form-data" or not boundary:
            raise InvalidFormError("the body must be multipart/form-data with a boundary")
        return MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": self._on_header_field,
                "on_header_value": self._on_header_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": self._on_headers_finished,
                "on_part_data": self._on_part_data,
                "on_part_end": self._on_part_end,
            },
        )

    def _on_part_begin(self) -> None:
        self._headers = {}
        self._header_field = self._header_value = b""

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def _on_headers_finished(self) -> None:
        disposition, params = parse_options_header(self._headers.get(b"content-disposition", b""))
        name = params.get(b"name")
        if disposition != b"form-data" or name is None:
            raise InvalidFormError("a part has no Content-Disposition form-data name")
        filename = params.get(b"filename")
        if filename is not None and name.decode("latin-1") != _FILE_FIELD:
            raise InvalidFormError(f"unexpected file field {name.decode('latin-1')!r}")
        if filename is not None and self._file is not None:
            raise InvalidFormError("only one file may be uploaded per request")
        self._part = _PartSink(
            name.decode("utf-8", "replace"),
            None if filename is None else _decode(filename),
            self.temp_dir,
        )

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self._part
        if part is None:  # pragma: no cover - the parser calls part_begin first
            return
        part.write(data[start:end])
        if part.handle is not None:
            if part.size > self.max_file_bytes:
                raise FileTooLargeError(part.filename or "", self.max_file_bytes)
        else:
            self._fields_bytes += end - start
            if self._fields_bytes > self.max_fields_bytes:
                raise FormTooLargeError(self.max_fields_bytes)

    def _on_part_end(self) -> None:
        part, self._part = self._part, None
        if part is None:  # pragma: no cover
            return
        if part.handle is None:
            self._fields[part.name].append(_decode(bytes(part.buffer)))
            return
        part.handle.close()
        self._file = UploadedFile(
            filename=part.filename or "",
            path=Path(part.handle.name),
            size=part.size,
            md5=part.md5.hexdigest(),
            sha256=part.sha256.hexdigest(),
            blake2_256=part.blake2_256.hexdigest(),
        )


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidFormError("form fields must be UTF-8") from None
