"""The sandbox: inspections run in a limited child process that a hostile file can only kill.

The limits below are lowered (and the budget's caps raised out of the way) so that a bomb gets
past every cap of the inspector itself and meets the process limits instead.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path

import pytest

from bastion.inspection.errors import RefusedArchiveError
from bastion.inspection.limits import GiB, InspectionLimits
from bastion.inspection.sandbox import Sandbox, UnverifiableArchiveError
from tests.factories.dists import build_wheel
from tests.inspection import hostile

# Caps the inspector checks itself, out of the way: only the process limits remain.
NO_CAPS = InspectionLimits(
    max_total_bytes=1000 * GiB,
    max_ratio=10**9,
    max_nested_archive_bytes=4 * GiB,
)


def _write(tmp_path: Path, bad: hostile.Hostile) -> Path:
    path = tmp_path / bad.filename
    path.write_bytes(bad.content)
    return path


def test_honest_wheel_passes_through_the_sandbox(tmp_path):
    wheel = build_wheel()
    path = tmp_path / wheel.filename
    path.write_bytes(wheel.content)
    report = Sandbox(InspectionLimits(), concurrency=1).inspect(path, wheel.filename)
    assert report.core_metadata == wheel.metadata


def test_refusal_crosses_the_sandbox_with_its_reason(tmp_path):
    bad = hostile.lying_record()
    with pytest.raises(RefusedArchiveError, match=r"does not match its hash or size in RECORD"):
        Sandbox(InspectionLimits(), concurrency=1).inspect(_write(tmp_path, bad), bad.filename)


def test_wall_time_limit_kills_a_slow_inspection(tmp_path):
    bad = hostile.gzip_bomb()
    sandbox = Sandbox(dataclasses.replace(NO_CAPS, timeout_seconds=1.0), concurrency=1)
    started = time.monotonic()
    with pytest.raises(UnverifiableArchiveError, match=r"could not be verified: .*longer than"):
        sandbox.inspect(_write(tmp_path, bad), bad.filename)
    assert time.monotonic() - started < 5


def test_cpu_limit_kills_a_busy_inspection(tmp_path):
    bad = hostile.gzip_bomb()
    sandbox = Sandbox(dataclasses.replace(NO_CAPS, cpu_seconds=1), concurrency=1)
    with pytest.raises(UnverifiableArchiveError, match=r"could not be verified: .*signal"):
        sandbox.inspect(_write(tmp_path, bad), bad.filename)


def test_memory_limit_stops_an_inspection_that_would_hold_too_much(tmp_path):
    # A member that claims to be a ZIP and inflates to 300 MB: following it means holding it.
    fake_nested = b"PK\x03\x04" + b"\0" * (300 * 1024 * 1024)
    bad = hostile.wheel(hostile.wheel_members({"sample_project/data.zip": fake_nested}))
    sandbox = Sandbox(dataclasses.replace(NO_CAPS, memory_bytes=200 * 1024 * 1024), concurrency=1)
    with pytest.raises(UnverifiableArchiveError, match=r"could not be verified: .*memory"):
        sandbox.inspect(_write(tmp_path, bad), bad.filename)


def test_the_caller_keeps_working_while_an_inspection_runs(tmp_path):
    bad = hostile.gzip_bomb()
    sandbox = Sandbox(dataclasses.replace(NO_CAPS, timeout_seconds=2.0), concurrency=1)
    outcome: list[BaseException] = []

    def inspect() -> None:
        try:
            sandbox.inspect(_write(tmp_path, bad), bad.filename)
        except RefusedArchiveError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=inspect)
    worker.start()
    # The inspection burns CPU in another process; this thread still gets work done promptly.
    ticks = 0
    while worker.is_alive():
        started = time.monotonic()
        time.sleep(0.01)
        assert time.monotonic() - started < 0.5
        ticks += 1
    worker.join()
    assert ticks > 10
    assert isinstance(outcome[0], UnverifiableArchiveError)
