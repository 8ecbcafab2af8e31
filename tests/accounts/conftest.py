"""A stand-in for Have I Been Pwned's range API, served over real HTTP on 127.0.0.1.

It answers `GET /range/{PREFIX}` the way api.pwnedpasswords.com does (`SUFFIX:COUNT` lines,
CRLF), adds count-0 decoys when asked with `Add-Padding: true`, and records every request it
saw, so a test can show what left the server.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import re
import socket
import threading
from collections.abc import Iterator

import pytest

# Famous, and strong by zxcvbn's measure: only the breach check refuses it.
BREACHED_PASSWORD = "correct horse battery staple"
CLEAN_PASSWORD = "violet quantum harbour lamp"
# Listed with count 0 only, as a padding decoy would be: not breached.
DECOY_PASSWORD = "amber lattice over marshland"
PADDING_LINES = 40


def sha1_hex(password: str) -> str:
    return hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()


@dataclasses.dataclass
class SeenRequest:
    path: str
    raw: str  # request line and headers, as received
    headers: dict[str, str]


@dataclasses.dataclass
class RangeServer:
    url: str
    # Full SHA-1 (upper-case hex) -> count; count 0 is listed like padding.
    hashes: dict[str, int]
    requests: list[SeenRequest] = dataclasses.field(default_factory=list)
    status: int = 200
    body_override: bytes | None = None
    delay_s: float = 0.0
    release: threading.Event = dataclasses.field(default_factory=threading.Event)

    def range_body(self, prefix: str, *, padded: bool) -> bytes:
        lines = [f"{h[5:]}:{n}" for h, n in sorted(self.hashes.items()) if h.startswith(prefix)]
        if padded:
            # Decoys are suffixes no password here hashes to, each with count 0.
            lines += [f"{sha1_hex(f'pad{i}').upper()[5:]}:0" for i in range(PADDING_LINES)]
        return "".join(f"{line}\r\n" for line in lines).encode()


_RANGE_PATH = re.compile(r"/range/([0-9A-F]{5})")


def _handler(state: RangeServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.requests.append(
                SeenRequest(
                    path=self.path,
                    raw=f"{self.requestline}\r\n{self.headers}",
                    headers=dict(self.headers.items()),
                )
            )
            if state.delay_s:
                # A service that answers too late: by then the client has given up.
                state.release.wait(state.delay_s)
                return
            match = _RANGE_PATH.fullmatch(self.path)
            if state.status != 200 or match is None:
                self.send_error(state.status if state.status != 200 else 404)
                return
            padded = self.headers.get("Add-Padding", "").lower() == "true"
            body = state.body_override
            if body is None:
                body = state.range_body(match[1], padded=padded)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    return Handler


@pytest.fixture
def range_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RangeServer]:
    """A range API on 127.0.0.1 that lists BREACHED_PASSWORD (and DECOY_PASSWORD at count 0)."""
    # Whatever proxy the machine names, 127.0.0.1 is asked directly.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    state = RangeServer(
        url="",
        hashes={sha1_hex(BREACHED_PASSWORD): 184, sha1_hex(DECOY_PASSWORD): 0},
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}/range"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def unreachable_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/range"
