"""Putting the same corpus into each server (not measured, but bounded in time).

- Bastion: `bastion init` and `bastion user create` through the CLI, then every wheel through
  Bastion's own UploadService in this process (the same validation, archive inspection, rows
  and content-addressed files as an HTTP upload, without one argon2 password check and one
  sandbox process per file).
- pypiserver: the wheel files in its package directory, which is all it reads.
- devpi-server: the legacy upload API over HTTP with a few concurrent clients; devpi has no
  faster correct way in (devpi-import needs devpi's own export format).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import servers
import transaction
import uploads
import zope.sqlalchemy
from dists import Wheel
from sqlalchemy.orm import Session

from bastion.accounts.security import Identity
from bastion.accounts.services import UserService
from bastion.config import Settings
from bastion.db.engine import make_engines
from bastion.inspection.inspector import InspectionReport, inspect_distribution
from bastion.inspection.limits import InspectionLimits
from bastion.upload.forms import UploadedFile, UploadForm
from bastion.upload.services import UploadService

USERNAME = "bench"
PASSWORD = "bench-password-0123"  # noqa: S105 - a throwaway account on a loopback server
DEVPI_INDEX = f"{USERNAME}/dev"
_BATCH = 500


class _DirectStorage:
    """Bastion's Storage protocol over a directory, without fsync (the fill is rebuildable)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put_file(self, key: str, source: Path) -> None:
        self.put_bytes(key, source.read_bytes())

    def put_bytes(self, key: str, data: bytes) -> None:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def delete(self, key: str) -> None:
        (self.root / key).unlink(missing_ok=True)


class _InProcessInspector:
    """The same inspection as the upload sandbox runs, without a child process per file."""

    def __init__(self, limits: InspectionLimits) -> None:
        self.limits = limits

    def inspect(self, path: Path, filename: str) -> InspectionReport:
        return inspect_distribution(path, filename, self.limits)


def bastion_cli(data_dir: Path) -> list[str]:
    """The `bastion` command for `data_dir`."""
    return [str(Path(sys.executable).parent / "bastion"), "--data-dir", str(data_dir)]


def fill_bastion(data_dir: Path, wheels: list[Wheel]) -> None:
    """Create the data directory, the benchmark user, and every wheel's project and file."""
    subprocess.run([*bastion_cli(data_dir), "init"], check=True, capture_output=True)
    subprocess.run(
        [*bastion_cli(data_dir), "user", "create", USERNAME, "--email", "bench@example.invalid"],
        check=True,
        capture_output=True,
        # No Pwned Passwords look-up of a throwaway password: no host but loopback is asked.
        env={**os.environ, "BASTION_PASSWORD": PASSWORD, "BASTION_BREACHED_PASSWORD_CHECK": "off"},
    )
    settings = Settings(data_dir=data_dir)
    engines = make_engines(settings)
    storage = _DirectStorage(settings.storage_dir)
    inspector = _InProcessInspector(InspectionLimits.from_settings(settings))
    spool = Path(tempfile.mkdtemp(dir=data_dir))
    try:
        for start in range(0, len(wheels), _BATCH):
            with Session(engines.writer) as session:
                zope.sqlalchemy.register(session)
                uploader = UserService(session).find_by_username(USERNAME)
                # What the security policy makes of the user's HTTP Basic password.
                identity = Identity(
                    user_id=uploader.id,
                    username=uploader.username,
                    is_admin=uploader.is_admin,
                    method="password",
                )
                service = UploadService(session, storage, inspector)  # type: ignore[arg-type]
                for wheel in wheels[start : start + _BATCH]:
                    service.upload(_form(wheel, spool), identity)
                transaction.commit()
    finally:
        engines.dispose()
        for leftover in spool.iterdir():
            leftover.unlink()
        spool.rmdir()


def _form(wheel: Wheel, spool: Path) -> UploadForm:
    path = spool / wheel.filename
    path.write_bytes(wheel.content)
    fields = wheel.upload_fields()
    uploaded = UploadedFile(
        filename=wheel.filename,
        path=path,
        size=len(wheel.content),
        md5=fields["md5_digest"],
        sha256=fields["sha256_digest"],
        blake2_256=fields["blake2_256_digest"],
    )
    return UploadForm(fields={k: [v] for k, v in fields.items()}, file=uploaded)


def fill_pypiserver(package_dir: Path, wheels: list[Wheel]) -> None:
    """pypiserver serves a flat directory of files."""
    package_dir.mkdir(parents=True, exist_ok=True)
    for wheel in wheels:
        (package_dir / wheel.filename).write_bytes(wheel.content)
    htpasswd = package_dir.parent / "htpasswd"
    htpasswd.write_text(f"{USERNAME}:{_apr1(PASSWORD)}\n")


def _apr1(password: str) -> str:
    """An Apache htpasswd hash, made with openssl (pypiserver checks it through passlib)."""
    result = subprocess.run(
        ["openssl", "passwd", "-apr1", password], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def start_devpi(bin_dir: Path, server_dir: Path, log_path: Path) -> servers.Server:
    """devpi-server with its defaults (waitress, 50 threads), on a free loopback port."""
    port = servers.free_port()
    return servers.start(
        "devpi",
        [
            str(bin_dir / "devpi-server"),
            "--serverdir",
            str(server_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        port=port,
        simple_root=f"/{DEVPI_INDEX}/+simple/",
        upload_path=f"/{DEVPI_INDEX}/",
        log_path=log_path,
        env={"PYTHONWARNINGS": "ignore"},
    )


def fill_devpi(bin_dir: Path, server_dir: Path, wheels: list[Wheel], *, max_seconds: float) -> int:
    """Initialise devpi, create the user and a stand-alone index, upload every wheel.

    Returns how many wheels were uploaded within `max_seconds` (all of them, normally).
    """
    subprocess.run(
        [str(bin_dir / "devpi-init"), "--serverdir", str(server_dir), "--no-root-pypi"],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    port = servers.free_port()
    # Start with the index path not yet existing: readiness is checked on "/".
    command = [str(bin_dir / "devpi-server"), "--serverdir", str(server_dir)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    server = servers.start(
        "devpi-fill",
        command,
        port=port,
        simple_root="/",
        upload_path=f"/{DEVPI_INDEX}/",
        log_path=server_dir.parent / "devpi-fill.log",
        env={"PYTHONWARNINGS": "ignore"},
    )
    try:
        _devpi_put(port, f"/{USERNAME}", {"password": PASSWORD, "email": "bench@example.invalid"})
        _devpi_put(
            port,
            f"/{DEVPI_INDEX}",
            {"type": "stage", "bases": [], "volatile": True},
            auth=True,
        )
        target = uploads.Target(port, f"/{DEVPI_INDEX}/", devpi_login(port))
        started = time.monotonic()
        run = uploads.upload_all(target, wheels, concurrency=4, max_seconds=max_seconds)
        print(
            f"  devpi: {run.uploaded} uploads in {time.monotonic() - started:.0f}s"
            + (f", {run.failed} failed (first: {run.first_error})" if run.failed else ""),
            flush=True,
        )
        return run.uploaded
    finally:
        server.stop()


def devpi_login(port: int) -> dict[str, str]:
    """Log in as devpi-client does: one password check, then a signed token per request."""
    body = _devpi_json(port, "POST", "/+login", {"user": USERNAME, "password": PASSWORD})
    token = body["result"]["password"]
    credentials = base64.b64encode(f"{USERNAME}:{token}".encode()).decode()
    return {"X-Devpi-Auth": credentials}


def _devpi_put(port: int, path: str, payload: dict[str, object], *, auth: bool = False) -> None:
    headers = uploads.basic_auth(USERNAME, PASSWORD) if auth else {}
    _devpi_json(port, "PUT", path, payload, headers)


def _devpi_json(
    port: int,
    method: str,
    path: str,
    payload: dict[str, object],
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    all_headers = {"Content-Type": "application/json", "Accept": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            method, path, body=json.dumps(payload), headers={**all_headers, **(headers or {})}
        )
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status not in {200, 201}:
        raise RuntimeError(f"devpi {method} {path}: {response.status} {body[:300]!r}")
    result: dict[str, Any] = json.loads(body or b"{}")
    return result
