"""The benchmark corpus: small, real wheels, byte-identical for every server.

N projects with one release and one wheel each, plus one project with many releases (the big
page). Wheels are built in memory with fixed timestamps, so the same corpus has the same digests
on every run and every server.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import zipfile
from pathlib import Path

BIG_PROJECT = "bigproject"
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)


@dataclasses.dataclass(frozen=True)
class Wheel:
    """One wheel: its name, version, filename, bytes and the METADATA inside it."""

    name: str
    version: str
    filename: str
    content: bytes
    metadata: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def upload_fields(self) -> dict[str, str]:
        """The form fields twine sends with this file (legacy upload API)."""
        return {
            ":action": "file_upload",
            "protocol_version": "1",
            "metadata_version": "2.1",
            "name": self.name,
            "version": self.version,
            "summary": f"Benchmark project {self.name}",
            "requires_python": ">=3.8",
            "filetype": "bdist_wheel",
            "pyversion": "py3",
            "md5_digest": hashlib.md5(self.content, usedforsecurity=False).hexdigest(),
            "sha256_digest": self.sha256,
            "blake2_256_digest": hashlib.blake2b(self.content, digest_size=32).hexdigest(),
        }


def project_name(index: int) -> str:
    """The (already normalized) name of the index-th small project."""
    return f"project-{index:05d}"


def build_wheel(name: str, version: str) -> Wheel:
    """A pure-Python wheel of `name` `version` with one small module (about 1.5 KB)."""
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: {name}\n"
        f"Version: {version}\n"
        f"Summary: Benchmark project {name}\n"
        "Requires-Python: >=3.8\n"
    ).encode()
    members = {
        f"{module}/__init__.py": (
            f'"""{name} {version}: a benchmark fixture."""\n\n'
            + "".join(f"VALUE_{i} = {i * 7919 % 1000}\n" for i in range(40))
        ).encode(),
        f"{dist_info}/METADATA": metadata,
        f"{dist_info}/WHEEL": (
            b"Wheel-Version: 1.0\nGenerator: bastion-benchmark\n"
            b"Root-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in members.items())
    members[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in members.items():
            archive.writestr(zipfile.ZipInfo(path, date_time=_ZIP_DATE), data)
    filename = f"{module}-{version}-py3-none-any.whl"
    return Wheel(name, version, filename, buffer.getvalue(), metadata)


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def corpus(projects: int, big_files: int) -> list[Wheel]:
    """`projects` one-wheel projects, then `big_files` releases of BIG_PROJECT."""
    wheels = [build_wheel(project_name(i), "1.0") for i in range(projects)]
    wheels += [build_wheel(BIG_PROJECT, f"1.0.{i}") for i in range(big_files)]
    return wheels


def upload_wheels(prefix: str, count: int) -> list[Wheel]:
    """Wheels of new projects, for measuring uploads (a prefix per server keeps them apart)."""
    return [build_wheel(f"{prefix}-{i:05d}", "1.0") for i in range(count)]


def write_wheels(wheels: list[Wheel], directory: Path) -> None:
    """Write every wheel into `directory` (flat, as pypiserver serves it)."""
    directory.mkdir(parents=True, exist_ok=True)
    for wheel in wheels:
        (directory / wheel.filename).write_bytes(wheel.content)
