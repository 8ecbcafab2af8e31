"""Real distribution files built in memory: wheels (PEP 427) and sdists (PEP 517 layout).

They are genuine archives with genuine metadata, built without a build backend so unit and
functional tests stay fast; tests/e2e builds projects with a real backend instead.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import tarfile
import uuid
import zipfile

from packaging.metadata import parse_email
from packaging.utils import canonicalize_name


@dataclasses.dataclass(frozen=True)
class Dist:
    """A built distribution: its filename, bytes and the metadata inside it."""

    filename: str
    content: bytes
    metadata: bytes
    filetype: str
    name: str
    version: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def md5(self) -> str:
        return hashlib.md5(self.content, usedforsecurity=False).hexdigest()

    @property
    def blake2_256(self) -> str:
        return hashlib.blake2b(self.content, digest_size=32).hexdigest()


def core_metadata(
    name: str,
    version: str,
    *,
    metadata_version: str = "2.1",
    summary: str = "A test project",
    requires_python: str | None = None,
    requires_dist: tuple[str, ...] = (),
    description: str = "",
    description_content_type: str | None = None,
) -> bytes:
    """An email-style METADATA / PKG-INFO document."""
    lines = [
        f"Metadata-Version: {metadata_version}",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {summary}",
    ]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Requires-Dist: {req}" for req in requires_dist]
    if description_content_type:
        lines.append(f"Description-Content-Type: {description_content_type}")
    body = "\n".join(lines) + "\n"
    if description:
        body += "\n" + description
    return body.encode()


def _escaped(name: str) -> str:
    return canonicalize_name(name).replace("-", "_")


def build_wheel(
    name: str = "sample-project",
    version: str = "1.0",
    *,
    tag: str = "py3-none-any",
    filename: str | None = None,
    metadata: bytes | None = None,
    module_source: str = "VALUE = 1\n",
    extra_files: dict[str, bytes] | None = None,
    **metadata_fields: object,
) -> Dist:
    """A pure-Python wheel with METADATA, WHEEL and a correct RECORD (plus `extra_files`)."""
    stem = f"{_escaped(name)}-{version}"
    dist_info = f"{stem}.dist-info"
    metadata = metadata or core_metadata(name, version, **metadata_fields)  # type: ignore[arg-type]
    members = {
        f"{_escaped(name)}/__init__.py": module_source.encode(),
        f"{dist_info}/METADATA": metadata,
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: bastion-tests\nRoot-Is-Purelib: true\nTag: "
        + tag.encode()
        + b"\n",
        **(extra_files or {}),
    }
    record_lines = [
        f"{path},sha256={_urlsafe_digest(data)},{len(data)}" for path, data in members.items()
    ]
    record_lines.append(f"{dist_info}/RECORD,,")
    members[f"{dist_info}/RECORD"] = ("\n".join(record_lines) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in members.items():
            archive.writestr(path, data)
    return Dist(
        filename=filename or f"{stem}-{tag}.whl",
        content=buffer.getvalue(),
        metadata=metadata,
        filetype="bdist_wheel",
        name=name,
        version=version,
    )


def build_sdist(
    name: str = "sample-project",
    version: str = "1.0",
    *,
    filename: str | None = None,
    top: str | None = None,
    metadata: bytes | None = None,
    extra_files: dict[str, bytes] | None = None,
    **metadata_fields: object,
) -> Dist:
    """An sdist: one top-level `{name}-{version}/` (or `top`) with PKG-INFO and pyproject.toml.

    `extra_files` are added (or replace members) under the top-level directory.
    """
    top = top or f"{_escaped(name)}-{version}"
    metadata = metadata or core_metadata(name, version, **metadata_fields)  # type: ignore[arg-type]
    members = {
        f"{top}/PKG-INFO": metadata,
        f"{top}/pyproject.toml": b'[build-system]\nrequires = ["flit_core"]\nbuild-backend = "flit_core.buildapi"\n',
        f"{top}/{_escaped(name)}/__init__.py": b"VALUE = 1\n",
        **{f"{top}/{path}": data for path, data in (extra_files or {}).items()},
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", format=tarfile.PAX_FORMAT) as archive:
        for path, data in members.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return Dist(
        filename=filename or f"{top}.tar.gz",
        content=buffer.getvalue(),
        metadata=metadata,
        filetype="sdist",
        name=name,
        version=version,
    )


def _urlsafe_digest(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def upload_fields(dist: Dist, **overrides: str | list[str] | None) -> list[tuple[str, str]]:
    """The form fields twine would send for `dist` (override or drop with None)."""
    # Like twine, send what the file's own metadata says.
    raw, _ = parse_email(dist.metadata)
    fields: dict[str, str | list[str] | None] = {
        ":action": "file_upload",
        "protocol_version": "1",
        "metadata_version": raw.get("metadata_version", "2.1"),
        "name": dist.name,
        "version": dist.version,
        "filetype": dist.filetype,
        "pyversion": "py3" if dist.filetype == "bdist_wheel" else "source",
        "summary": raw.get("summary"),
        "md5_digest": dist.md5,
        "sha256_digest": dist.sha256,
        "blake2_256_digest": dist.blake2_256,
    }
    fields.update(overrides)
    pairs: list[tuple[str, str]] = []
    for key, value in fields.items():
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, item))
    return pairs


def upload(app, dist: Dist, headers: dict[str, str], *, status: int | str = "*", **overrides):
    """POST `dist` to the legacy upload API of a WebTest app."""
    return app.post(
        "/legacy/",
        params=upload_fields(dist, **overrides),
        upload_files=[("content", dist.filename, dist.content)],
        headers=headers,
        status=status,
    )


def metadata_document(headers: list[tuple[str, str]], description: str = "") -> bytes:
    """A METADATA / PKG-INFO document with exactly these headers (and a body, if given)."""
    body = "".join(f"{key}: {value}\n" for key, value in headers)
    if description:
        body += "\n" + description
    return body.encode()


def twine_fields(dist: Dist, directory) -> list[tuple[str, str]]:
    """The form fields twine itself sends for `dist`, read back from the file as twine does."""
    from twine.package import PackageFile  # noqa: PLC0415 - only some tests need twine
    from twine.repository import Repository  # noqa: PLC0415

    path = directory / dist.filename
    path.write_bytes(dist.content)
    package = PackageFile.from_filename(str(path), comment=None)
    metadata = Repository._convert_metadata_to_list_of_tuples(package.metadata_dictionary())
    return [(":action", "file_upload"), ("protocol_version", "1"), *metadata]


def post_upload(app, dist: Dist, fields: list[tuple[str, str]], headers, *, status="*"):
    """POST `dist` with exactly `fields` (no defaults added) to the legacy upload API."""
    return app.post(
        "/legacy/",
        params=fields,
        upload_files=[("content", dist.filename, dist.content)],
        headers=headers,
        status=status,
    )


def multipart_upload(dist: Dist, **overrides: str | list[str] | None) -> tuple[bytes, str]:
    """The body and Content-Type of a legacy upload of `dist`, as twine sends it over HTTP."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in upload_fields(dist, **overrides)
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
        f'filename="{dist.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + dist.content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
