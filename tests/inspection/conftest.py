"""Fixtures for inspecting files on disk, as the upload pipeline hands them over."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bastion.inspection.inspector import InspectionReport, inspect_distribution
from bastion.inspection.limits import InspectionLimits


@pytest.fixture
def inspect(tmp_path: Path) -> Callable[..., InspectionReport]:
    """Write `content` as `filename` and inspect it in process (limits overridable)."""

    def run(filename: str, content: bytes, **limits: int) -> InspectionReport:
        path = tmp_path / filename
        path.write_bytes(content)
        return inspect_distribution(path, filename, InspectionLimits(**limits))

    return run
