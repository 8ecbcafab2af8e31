"""The caps that keep inspecting a hostile file cheap. Each is a setting with a safe default."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bastion.config import Settings

MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclasses.dataclass(frozen=True, kw_only=True)
class InspectionLimits:
    """How much one inspection may read, decompress, hold and spend."""

    # Members in the file, nested archives' members included.
    max_members: int = 50_000
    # Decompressed bytes, nested archives included.
    max_total_bytes: int = GiB
    # Decompressed bytes per byte of the uploaded file, checked once past ratio_floor_bytes
    # (small files of zeros compress well and are harmless).
    max_ratio: int = 100
    ratio_floor_bytes: int = 16 * MiB
    # How deep archives inside archives are followed, and the largest one held in memory to
    # follow it (a larger nested archive is counted as plain bytes and never decompressed).
    max_nesting: int = 3
    max_nested_archive_bytes: int = 16 * MiB
    # How much of a nested archive's other members is decompressed (see nested.py).
    nested_sample_bytes: int = MiB
    # PKG-INFO / METADATA / WHEEL / RECORD are read into memory; honest ones are far smaller.
    max_metadata_bytes: int = 8 * MiB
    max_record_bytes: int = 32 * MiB
    max_name_length: int = 1024
    # The sandboxed process: address space, CPU time and wall time.
    memory_bytes: int = 256 * MiB
    cpu_seconds: int = 30
    timeout_seconds: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> InspectionLimits:
        """The limits an index's settings ask for."""
        return cls(
            max_members=settings.inspection_max_members,
            max_total_bytes=settings.inspection_max_total_bytes,
            max_ratio=settings.inspection_max_ratio,
            ratio_floor_bytes=settings.inspection_ratio_floor_bytes,
            max_nesting=settings.inspection_max_nesting,
            memory_bytes=settings.inspection_memory_bytes,
            cpu_seconds=settings.inspection_cpu_seconds,
            timeout_seconds=settings.inspection_timeout_seconds,
        )
