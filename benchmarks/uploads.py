"""Legacy-API uploads (what twine sends) over HTTP, to any of the three servers.

Used both to fill devpi-server (which has no faster correct way in) and to measure uploads/s.
"""

from __future__ import annotations

import base64
import dataclasses
import http.client
import queue
import threading
import time
import uuid

from dists import Wheel


@dataclasses.dataclass(frozen=True)
class Target:
    """Where to upload, and the authentication headers to send."""

    port: int
    path: str
    auth_headers: dict[str, str]


@dataclasses.dataclass(frozen=True)
class UploadRun:
    """What a bounded upload run achieved."""

    uploaded: int
    failed: int
    seconds: float
    first_error: str

    @property
    def per_second(self) -> float:
        return self.uploaded / self.seconds if self.seconds else 0.0


def encode_upload(wheel: Wheel) -> tuple[bytes, str]:
    """The multipart/form-data body twine would send for `wheel`, and its Content-Type."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in wheel.upload_fields().items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
        f'filename="{wheel.filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + wheel.content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def basic_auth(username: str, password: str) -> dict[str, str]:
    """HTTP Basic credentials, as twine sends them."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def upload_one(connection: http.client.HTTPConnection, target: Target, wheel: Wheel) -> str:
    """POST one wheel; '' on success, else the status line."""
    body, content_type = encode_upload(wheel)
    headers = {"Content-Type": content_type, **target.auth_headers}
    connection.request("POST", target.path, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    if 200 <= response.status < 300:
        return ""
    return f"{response.status} {response.reason}"


def upload_all(
    target: Target, wheels: list[Wheel], *, concurrency: int, max_seconds: float
) -> UploadRun:
    """Upload `wheels` with `concurrency` keep-alive clients, stopping after `max_seconds`."""
    work: queue.SimpleQueue[Wheel] = queue.SimpleQueue()
    for wheel in wheels:
        work.put(wheel)
    deadline = time.monotonic() + max_seconds
    lock = threading.Lock()
    counts = {"ok": 0, "failed": 0}
    errors: list[str] = []

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=120)
        try:
            while time.monotonic() < deadline:
                try:
                    wheel = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    error = upload_one(connection, target, wheel)
                except (OSError, http.client.HTTPException) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=120)
                with lock:
                    counts["failed" if error else "ok"] += 1
                    if error:
                        errors.append(error)
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return UploadRun(counts["ok"], counts["failed"], elapsed, errors[0] if errors else "")
