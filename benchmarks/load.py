"""The load generator: wrk when installed, else a bounded Python keep-alive client.

Each run is a fixed concurrency for a fixed duration against one server. A run with several
paths cycles through them in order (wrk via a Lua `request` function), which is how the
"every project" endpoint visits all N projects.
"""

from __future__ import annotations

import dataclasses
import http.client
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

_RESULT = re.compile(r"^BENCH (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", re.MULTILINE)


@dataclasses.dataclass(frozen=True)
class LoadResult:
    """Requests completed, errors, and latency percentiles of one run."""

    requests: int
    seconds: float
    errors: int  # connect/read/write/timeout errors and non-2xx/3xx answers
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def has_wrk() -> bool:
    """Whether wrk is on PATH."""
    return shutil.which("wrk") is not None


def run(
    port: int,
    paths: list[str],
    headers: dict[str, str],
    *,
    seconds: float,
    connections: int,
    wrk_threads: int,
    use_wrk: bool,
) -> LoadResult:
    """Load 127.0.0.1:`port` with GETs of `paths` (cycled, from the first) for `seconds`.

    A caller that wants a later run to go on where this one stopped passes the list rotated
    by `LoadResult.requests` (see serve.py).
    """
    if use_wrk:
        return _run_wrk(
            port, paths, headers, seconds=seconds, connections=connections, threads=wrk_threads
        )
    return _run_python(port, paths, headers, seconds, connections)


# Each wrk thread starts at its own share of the list (thread i at i * len / threads), so
# several threads do not request the same paths one after the other.
_LUA = """
local paths = {%(paths)s}
local threads = %(threads)d
local created = 0
n = 0
setup = function(thread)
  thread:set("n", math.floor(created * #paths / threads))
  created = created + 1
end
request = function()
  n = n %% #paths + 1
  return wrk.format("GET", paths[n])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _run_wrk(
    port: int,
    paths: list[str],
    headers: dict[str, str],
    *,
    seconds: float,
    connections: int,
    threads: int,
) -> LoadResult:
    lua_paths = ",".join(f'"{path}"' for path in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_LUA % {"paths": lua_paths, "threads": threads})
    try:
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            script.name,
        ]
        for name, value in headers.items():
            command += ["-H", f"{name}: {value}"]
        command.append(f"http://127.0.0.1:{port}{paths[0]}")
        output = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=seconds + 60
        ).stdout
    finally:
        Path(script.name).unlink()
    match = _RESULT.search(output)
    if match is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    requests, duration_us, socket_errors, status_errors, p50_us, p99_us = map(int, match.groups())
    return LoadResult(
        requests=requests,
        seconds=duration_us / 1e6,
        errors=socket_errors + status_errors,
        p50_ms=p50_us / 1000,
        p99_ms=p99_us / 1000,
    )


def _run_python(
    port: int, paths: list[str], headers: dict[str, str], seconds: float, connections: int
) -> LoadResult:
    """Threads with keep-alive http.client connections; bounded by `seconds`.

    Slower than wrk (the GIL caps it well below what the servers can do): numbers measured
    with it compare servers only roughly.
    """
    deadline = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections

    def client(slot: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        index = slot
        while time.monotonic() < deadline:
            path = paths[index % len(paths)]
            index += connections
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    errors[slot] += 1
            except (OSError, http.client.HTTPException):
                errors[slot] += 1
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            latencies[slot].append(time.perf_counter() - started)
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(slot,)) for slot in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    merged = sorted(value for slot in latencies for value in slot)
    return LoadResult(
        requests=len(merged),
        seconds=elapsed,
        errors=sum(errors),
        p50_ms=_percentile(merged, 50) * 1000,
        p99_ms=_percentile(merged, 99) * 1000,
    )


def _percentile(sorted_values: list[float], percent: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, round(percent / 100 * (len(sorted_values) - 1)))
    return sorted_values[index]
