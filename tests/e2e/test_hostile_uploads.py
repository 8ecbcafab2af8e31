"""Hostile uploads against a live server: refused fast, within memory, without stopping service.

The server's memory is measured from outside: every process of its tree (gunicorn master and
workers, the inspection forkserver and its short-lived children) is sampled from /proc while
the hostile files go in.

Uploads and reads share the live server's threads (see conftest); since the inspection behind
each refusal takes milliseconds in its sandbox, reads wait at most for a few of them.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Self

import pytest

from tests.conftest import PASSWORD, basic_auth
from tests.e2e.conftest import USERNAME, HttpResponse, LiveServer
from tests.factories.dists import Dist, build_wheel, multipart_upload
from tests.inspection import hostile

pytestmark = pytest.mark.e2e

MiB = 1024 * 1024
PEAK_RSS_LIMIT = 300 * MiB
REFUSAL_SECONDS = 5
# The heavy ones, and one of each family of the rest (all of them run in tests/upload).
CASES = [
    "gzip bomb (10 MB -> 10 GB)",
    "overlapping zip bomb",
    "42.zip-style nesting",
    "tar path traversal",
    "tar symlink to /",
    "polyglot gzip and zip",
    "wheel RECORD lies",
    "wheel bogus platform tag",
]


def _post(server: LiveServer, dist: Dist) -> HttpResponse:
    body, content_type = multipart_upload(dist)
    headers = {**basic_auth(USERNAME, PASSWORD), "Content-Type": content_type}
    return server.request("/legacy/", method="POST", data=body, headers=headers)


def _tree_rss(root_pid: int) -> dict[int, int]:
    """RSS in bytes of `root_pid` and all its descendants, by pid."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * 4096
    tree = {root_pid}
    grew = True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        grew = bool(children)
        tree |= children
    return {pid: rss[pid] for pid in tree if pid in rss}


class PeakRss:
    """Samples a process tree's RSS in a thread.

    `peak` is the largest RSS any one process of the tree reached (a bomb inflated in memory
    would show there); `peak_total` the largest sum, reported for the record: with two workers,
    a master and their helpers, the sum is mostly the interpreters' own baseline.
    """

    def __init__(self, root_pid: int) -> None:
        self.root_pid = root_pid
        self.peak = 0
        self.peak_total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            sizes = _tree_rss(self.root_pid).values()
            self.peak = max(self.peak, *sizes, 0)
            self.peak_total = max(self.peak_total, sum(sizes))
            time.sleep(0.02)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def test_hostile_uploads_are_refused_quickly_and_within_memory(server: LiveServer) -> None:
    built = {label: hostile.HOSTILE[label]().as_dist() for label in CASES}
    with PeakRss(server.process.pid) as memory:
        for label, dist in built.items():
            started = time.monotonic()
            response = _post(server, dist)
            elapsed = time.monotonic() - started
            assert response.status == 400, (label, response.reason)
            assert hostile.HOSTILE[label]().reason in response.reason, (label, response.reason)
            assert elapsed < REFUSAL_SECONDS, (label, elapsed)
    report = f"peak RSS {memory.peak / MiB:.0f} MiB, tree {memory.peak_total / MiB:.0f} MiB"
    assert 0 < memory.peak < PEAK_RSS_LIMIT, report
    # Nothing of any of them was kept: not even the project they would have created.
    assert server.request(f"/simple/{hostile.NAME}/").status == 404


def test_honest_upload_and_reads_go_on_during_hostile_uploads(server: LiveServer) -> None:
    bombs = [hostile.gzip_bomb().as_dist() for _ in range(8)]
    honest = build_wheel("e2e-during-bombs", "1.0")
    stop = threading.Event()
    reads: list[tuple[int, float]] = []

    def keep_reading() -> None:
        while not stop.is_set():
            started = time.monotonic()
            status = server.request("/simple/", timeout=60).status
            reads.append((status, time.monotonic() - started))

    reader = threading.Thread(target=keep_reading)
    reader.start()
    try:
        with ThreadPoolExecutor(len(bombs) + 1) as pool:
            refused = [pool.submit(_post, server, bomb) for bomb in bombs]
            accepted = pool.submit(_post, server, honest)
            assert accepted.result().status == 200
            assert all(future.result().status == 400 for future in refused)
    finally:
        stop.set()
        reader.join()
    assert reads
    assert all(status == 200 for status, _ in reads)
    assert max(seconds for _, seconds in reads) < REFUSAL_SECONDS
    assert honest.filename in server.files_of("e2e-during-bombs")
