"""Installing, starting and watching the servers under test.

Peers go into throwaway virtual environments below the cache directory. Every server binds
127.0.0.1 on a free port, runs in its own process group (so its whole tree can be stopped),
and is measured through /proc: CPU time and memory of the process and all its descendants.
"""

from __future__ import annotations

import dataclasses
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE_KIB = 1024


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_venv(directory: Path, requirements: list[str]) -> Path:
    """A virtual environment at `directory` with `requirements` installed; its bin/ dir.

    Reused while the requirement list is unchanged (a stamp file records it).
    """
    stamp = directory / ".requirements"
    wanted = "\n".join(requirements)
    if stamp.is_file() and stamp.read_text() == wanted:
        return directory / "bin"
    shutil.rmtree(directory, ignore_errors=True)
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    print(f"  installing {' '.join(requirements)} into {directory}", flush=True)
    if uv:
        subprocess.run([uv, "venv", "-q", "-p", sys.executable, str(directory)], check=True)
        python = directory / "bin" / "python"
        subprocess.run([uv, "pip", "install", "-q", "-p", str(python), *requirements], check=True)
    else:
        subprocess.run([sys.executable, "-m", "venv", str(directory)], check=True)
        pip = [str(directory / "bin" / "python"), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, *requirements], check=True)
    stamp.write_text(wanted)
    return directory / "bin"


def installed_version(bin_dir: Path, distribution: str) -> str:
    """The version of `distribution` in the venv of `bin_dir`."""
    code = f"import importlib.metadata as m; print(m.version({distribution!r}))"
    result = subprocess.run(
        [str(bin_dir / "python"), "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


@dataclasses.dataclass
class Server:
    """A running server and where its endpoints are."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    simple_root: str  # path of the simple index, e.g. "/simple/"
    upload_path: str
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        """Stop the server's process group (TERM, then KILL after 15 s)."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)


def start(
    name: str,
    command: list[str],
    *,
    port: int,
    simple_root: str,
    upload_path: str,
    log_path: Path,
    env: dict[str, str] | None = None,
    ready_timeout: float = 120,
) -> Server:
    """Start `command` and wait until `simple_root` answers on `port`."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    server = Server(name, port, process, simple_root, upload_path, log_path)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")
        if http_status(port, simple_root) == 200:
            return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} did not answer on port {port} within {ready_timeout}s")


def http_get(
    port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 120
) -> tuple[int, dict[str, str], bytes]:
    """One GET on 127.0.0.1: status, headers (lower-case names) and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


def http_status(port: int, path: str) -> int:
    """The status of GET `path`, or 0 when nothing answers."""
    try:
        return http_get(port, path, timeout=10)[0]
    except OSError:
        return 0


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    tree = _children()
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(tree.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by `pid` and its descendants."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the command name: state is field 0, utime 11, stime 12.
        total += int(fields[11]) + int(fields[12])
    return total / _CLOCK_TICKS


@dataclasses.dataclass(frozen=True)
class Memory:
    """Memory of a process tree in MiB: summed RSS (counts shared pages once per process)
    and summed PSS (shares split between processes: the tree's real footprint)."""

    rss_mib: float
    pss_mib: float
    processes: int


def memory(pid: int) -> Memory:
    """The current memory of `pid` and its descendants."""
    rss_kib = pss_kib = 0
    members = process_tree(pid)
    for member in members:
        rss_kib += _kib_field(Path(f"/proc/{member}/status"), "VmRSS:")
        pss_kib += _kib_field(Path(f"/proc/{member}/smaps_rollup"), "Pss:")
    return Memory(rss_kib / _PAGE_KIB, pss_kib / _PAGE_KIB, len(members))


def memory_breakdown(pid: int) -> list[tuple[str, float]]:
    """Each process of `pid`'s tree, `pid` first: what it is, and its RSS in MiB."""
    found = []
    for member in process_tree(pid):
        try:
            argv = Path(f"/proc/{member}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        rss = _kib_field(Path(f"/proc/{member}/status"), "VmRSS:") / _PAGE_KIB
        found.append((_label(argv.split("\0"), is_root=member == pid), rss))
    return found


def _label(argv: list[str], *, is_root: bool) -> str:
    """A multiprocessing helper by its role, else the program (a child of the root says so)."""
    for helper in ("forkserver", "resource_tracker"):
        if any(f"multiprocessing.{helper}" in arg for arg in argv):
            return helper
    args = [arg for arg in argv if arg]
    if "-m" in args[:-1]:  # python -m module
        program = args[args.index("-m") + 1]
    else:
        names = [Path(arg).name for arg in args]
        program = next((name for name in names if not name.startswith(("python", "-"))), "?")
    return program if is_root else f"{program} child"


def _kib_field(path: Path, label: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(label):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
