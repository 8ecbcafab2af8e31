"""Inspecting one distribution file, in the current process (the sandbox runs this).

Use `sandbox.Sandbox` to inspect uploads: this module trusts its process to survive whatever a
file makes it do, and only the sandbox guarantees that.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from bastion.inspection.budget import Budget
from bastion.inspection.descriptions import check_description_renders
from bastion.inspection.errors import RefusedArchiveError
from bastion.inspection.limits import InspectionLimits
from bastion.inspection.sdists import inspect_sdist
from bastion.inspection.wheels import inspect_wheel

if TYPE_CHECKING:
    from bastion.malware.scanner import ScanResult


@dataclasses.dataclass(frozen=True)
class InspectionReport:
    """What a file that passed inspection holds."""

    core_metadata: bytes
    members: int
    uncompressed_bytes: int
    # The malware scanner's verdict, when the sandbox was asked to scan (it runs after the
    # inspection has accepted the file, in the same limited process).
    scan: ScanResult | None = None


def inspect_distribution(path: Path, filename: str, limits: InspectionLimits) -> InspectionReport:
    """Check the distribution at `path`, uploaded as `filename`, throughout.

    Raises:
        RefusedArchiveError: the file is refused; its `reason` says why in one line.
    """
    size = path.stat().st_size
    budget = Budget(limits, size)
    with path.open("rb") as fh:
        if filename.endswith(".whl"):
            metadata = inspect_wheel(fh, size, filename, budget, limits)
        elif filename.endswith(".tar.gz"):
            metadata = inspect_sdist(fh, size, filename, budget, limits)
        else:
            raise RefusedArchiveError("only .whl and .tar.gz files are inspected")
    check_description_renders(metadata)
    return InspectionReport(
        core_metadata=metadata, members=budget.members, uncompressed_bytes=budget.total_bytes
    )
