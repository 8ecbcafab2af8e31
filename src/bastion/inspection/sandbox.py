"""Running an inspection in a child process that a hostile file can only kill, never escape.

Each inspection runs in a fresh process forked from a small preloaded server process
(multiprocessing's "forkserver": cheap to fork, and never a copy of the web worker with its
database connections). Before touching the file the child caps its address space, CPU time,
file size (it may write nothing) and file descriptors. A file that gets past every budget check
kills only that child; the upload is then refused as "could not be verified", and the web
process carries on serving.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import resource
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bastion.inspection.errors import RefusedArchiveError
from bastion.inspection.inspector import InspectionReport, inspect_distribution
from bastion.inspection.limits import InspectionLimits
from bastion.malware.uploads import scan_upload

logger = logging.getLogger(__name__)

_OK, _REFUSED, _UNVERIFIABLE = "ok", "refused", "unverifiable"
# File descriptors the child may open beyond those it has: the file, and a little slack.
_SPARE_DESCRIPTORS = 4
# What every child needs, imported once by the fork server. Each child also re-imports the
# parent's main module (multiprocessing does, to find pickled functions); under `bastion serve`
# that is bastion.server, which imports little: preloaded, it costs nothing.
_PRELOAD = [
    "__main__",
    __name__,
    # Imports readme_renderer and renders sample descriptions, so children inherit what
    # docutils and Pygments import on first use (else 250-500 ms per upload).
    "bastion.inspection.warmup",
    # Compiles the malware scanner's YARA rules once, for every child to inherit.
    "bastion.malware.warmup",
]


class UnverifiableArchiveError(RefusedArchiveError):
    """The inspection could not finish: the child ran out of a resource, or died."""


class Sandbox:
    """Inspects files in limited child processes, at most `concurrency` at a time."""

    def __init__(self, limits: InspectionLimits, *, concurrency: int, scan: bool = False) -> None:
        self.limits = limits
        # Whether each child also runs the malware scanner on the file it accepted.
        self.scan = scan
        self._context = multiprocessing.get_context("forkserver")
        # The child forks from a server that has imported everything an inspection needs,
        # so no inspection pays for importing docutils.
        self._context.set_forkserver_preload(_PRELOAD)
        self._slots = threading.BoundedSemaphore(concurrency)

    def inspect(self, path: Path, filename: str) -> InspectionReport:
        """Inspect the file at `path`, uploaded as `filename`.

        Raises:
            RefusedArchiveError: refused, with its reason.
            UnverifiableArchiveError: the inspection could not finish within its limits.
        """
        with self._slots:
            kind, payload = self._run(path, filename)
        if kind == _OK:
            return payload  # type: ignore[no-any-return]
        if kind == _REFUSED:
            raise RefusedArchiveError(payload)
        raise UnverifiableArchiveError(f"the file could not be verified: {payload}")

    def _run(self, path: Path, filename: str) -> tuple[str, Any]:
        receiver, sender = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=_child_main,
            args=(str(path), filename, self.limits, self.scan, sender),
            daemon=True,
        )
        process.start()
        sender.close()
        try:
            if not receiver.poll(self.limits.timeout_seconds):
                return _UNVERIFIABLE, f"inspection took longer than {self.limits.timeout_seconds} s"
            try:
                return receiver.recv()  # type: ignore[no-any-return]
            except EOFError:
                process.join(timeout=5)
                logger.warning(
                    "inspection of %s died with exit code %s", filename, process.exitcode
                )
                return _UNVERIFIABLE, _describe_death(process.exitcode)
        finally:
            receiver.close()
            if process.is_alive():
                process.kill()
            process.join()
            process.close()


def _describe_death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"the inspection process was killed by signal {-exitcode} (a resource limit)"
    return "the inspection process failed"


def _child_main(
    path: str,
    filename: str,
    limits: InspectionLimits,
    scan: bool,  # noqa: FBT001 - multiprocessing passes the arguments by position
    sender: Connection,
) -> None:
    """The child: limit itself, inspect (and scan), send back one (kind, payload) pair."""
    _limit_resources(limits)
    try:
        report = inspect_distribution(Path(path), filename, limits)
        if scan:
            report = dataclasses.replace(report, scan=scan_upload(Path(path)))
    except RefusedArchiveError as exc:
        sender.send((_REFUSED, exc.reason))
    except MemoryError:
        sender.send((_UNVERIFIABLE, "it needs more memory than inspection may use"))
    except RecursionError:
        sender.send((_UNVERIFIABLE, "it nests too deeply to inspect"))
    else:
        sender.send((_OK, report))
    finally:
        sender.close()


def _limit_resources(limits: InspectionLimits) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    # SIGXCPU at the soft limit, SIGKILL a second later if that is caught.
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    # The child writes no files; a write to one kills it (SIGXFSZ). Pipes are not files.
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    descriptors = _highest_open_descriptor() + 1 + _SPARE_DESCRIPTORS
    resource.setrlimit(resource.RLIMIT_NOFILE, (descriptors, descriptors))


def _highest_open_descriptor() -> int:
    try:
        return max(int(fd.name) for fd in Path("/proc/self/fd").iterdir())
    except (OSError, ValueError):
        return 64
