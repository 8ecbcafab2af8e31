"""Markdown tables from the measurements: absolute numbers and Bastion/peer ratios."""

from __future__ import annotations

import dataclasses
import os
import platform
import statistics
import subprocess
from collections.abc import Sequence
from pathlib import Path


def machine_line() -> str:
    """`- machine: <CPU model>, N CPUs, Python X.Y.Z`, for a report's environment."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"- machine: {cpu}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def bastion_version(repo: Path) -> str:
    """`Bastion <short commit>`, saying so when src/ has uncommitted changes."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    dirty = " + uncommitted src changes" if git("status", "--porcelain", "src") else ""
    return f"Bastion {git('rev-parse', '--short', 'HEAD')}{dirty}"


BASTION = "bastion"
PEERS = ("pypiserver", "devpi")
NOT_APPLICABLE = "n/a"


@dataclasses.dataclass(frozen=True)
class Sample:
    """One measured run of one endpoint on one server."""

    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # server CPU time per request
    errors: int


@dataclasses.dataclass
class SizeResults:
    """Everything measured at one index size."""

    projects: int
    servers: list[str]
    endpoints: list[tuple[str, str]]  # (key, label)
    # (endpoint key, server) -> samples; absent when the server does not serve the endpoint.
    samples: dict[tuple[str, str], list[Sample]] = dataclasses.field(default_factory=dict)
    uploads_per_s: dict[str, float] = dataclasses.field(default_factory=dict)
    uploads_token_per_s: dict[str, float] = dataclasses.field(default_factory=dict)
    rss_mib: dict[str, float] = dataclasses.field(default_factory=dict)
    pss_mib: dict[str, float] = dataclasses.field(default_factory=dict)
    rss_after_uploads_mib: dict[str, float] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)

    def median(self, endpoint: str, server: str, field: str) -> float | None:
        """The median over rounds of `field`, or None when not measured."""
        samples = self.samples.get((endpoint, server))
        if not samples:
            return None
        return statistics.median(getattr(s, field) for s in samples)

    def errors(self, endpoint: str, server: str) -> int:
        return sum(s.errors for s in self.samples.get((endpoint, server), []))


# Sample field, row label, number format.
_METRICS: list[tuple[str, str, str]] = [
    ("rps", "req/s", "{:,.0f}"),
    ("p50_ms", "p50 ms", "{:.1f}"),
    ("p99_ms", "p99 ms", "{:.1f}"),
    ("cpu_ms", "CPU ms/req", "{:.2f}"),
]


def _cell(value: float | None, fmt: str) -> str:
    return NOT_APPLICABLE if value is None else fmt.format(value)


def _ratio(ours: float | None, theirs: float | None) -> str:
    if ours is None or theirs is None or theirs == 0:
        return NOT_APPLICABLE
    return f"{ours / theirs:.2f}x"


def _row(label: str, values: dict[str, float | None], servers: Sequence[str], fmt: str) -> str:
    cells = [_cell(values.get(s), fmt) for s in servers]
    peers = [p for p in PEERS if p in servers]
    ratios = [_ratio(values.get(BASTION), values.get(p)) for p in peers]
    return "| " + " | ".join([label, *cells, *ratios]) + " |"


def size_table(results: SizeResults) -> str:
    """One Markdown table for one index size."""
    servers = results.servers
    peers = [p for p in PEERS if p in servers]
    header = ["endpoint / metric", *servers, *(f"{BASTION}/{p}" for p in peers)]
    lines = [
        f"### {results.projects:,} projects",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["--:"] * (len(header) - 1)) + "|",
    ]
    for key, label in results.endpoints:
        for field, metric, fmt in _METRICS:
            values = {s: results.median(key, s, field) for s in servers}
            lines.append(_row(f"{label}: {metric}", values, servers, fmt))
        failed = {s: results.errors(key, s) for s in servers if results.errors(key, s)}
        if failed:
            results.notes.append(f"{label}: non-2xx/socket errors {failed}")
    extra: list[tuple[str, dict[str, float], str]] = [
        ("uploads/s (HTTP Basic per request, as twine)", results.uploads_per_s, "{:.1f}"),
        (
            "uploads/s (token: Bastion API token as twine sends it, devpi-client's login token)",
            results.uploads_token_per_s,
            "{:.1f}",
        ),
        ("RSS MiB after the read runs", results.rss_mib, "{:.0f}"),
        ("PSS MiB after the read runs", results.pss_mib, "{:.0f}"),
        ("RSS MiB after the uploads", results.rss_after_uploads_mib, "{:.0f}"),
    ]
    for label, values, fmt in extra:
        if values:
            lines.append(_row(label, dict(values), servers, fmt))
    if results.notes:
        lines += ["", *(f"- {note}" for note in results.notes)]
    return "\n".join(lines)


def scaling_table(all_results: Sequence[SizeResults], endpoints: list[tuple[str, str]]) -> str:
    """Bastion's cost per request at each size, and largest/smallest: flat means ~1.00x."""
    if len(all_results) < 2:
        return ""
    first, last = all_results[0], all_results[-1]
    sizes = [f"{r.projects:,}" for r in all_results]
    header = ["Bastion endpoint", *(f"CPU ms/req @{s}" for s in sizes), "ratio", "req/s ratio"]
    lines = [
        "### Bastion from smallest to largest index",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["--:"] * (len(header) - 1)) + "|",
    ]
    for key, label in endpoints:
        cpu = [r.median(key, BASTION, "cpu_ms") for r in all_results]
        rps_first = first.median(key, BASTION, "rps")
        rps_last = last.median(key, BASTION, "rps")
        cells = [_cell(v, "{:.2f}") for v in cpu]
        lines.append(
            "| "
            + " | ".join([label, *cells, _ratio(cpu[-1], cpu[0]), _ratio(rps_last, rps_first)])
            + " |"
        )
    return "\n".join(lines)


def target_lines(
    all_results: Sequence[SizeResults], *, project_key: str, flat_keys: Sequence[str]
) -> list[str]:
    """The issue's targets, each with the measured value and a verdict."""
    largest = all_results[-1]
    lines = [f"Targets (issue 2), at {largest.projects:,} projects:"]
    ours = largest.median(project_key, BASTION, "rps")
    for peer, factor in (("pypiserver", 5.0), ("devpi", 1.0)):
        theirs = largest.median(project_key, peer, "rps")
        if ours is None or theirs is None:
            continue
        verdict = "met" if ours >= factor * theirs else "MISSED"
        lines.append(
            f"- /simple/<project>/ >= {factor:g}x {peer}: {ours / theirs:.2f}x ({verdict})"
        )
    rss = largest.rss_mib.get(BASTION)
    if rss is not None:
        lines.append(f"- RSS < 200 MiB: {rss:.0f} MiB ({'met' if rss < 200 else 'MISSED'})")
    if len(all_results) > 1:
        smallest = all_results[0]
        for key in flat_keys:
            before = smallest.median(key, BASTION, "cpu_ms")
            after = largest.median(key, BASTION, "cpu_ms")
            if before and after:
                verdict = "flat" if after / before <= 1.25 else "NOT flat"
                lines.append(
                    f"- {key} CPU/request {smallest.projects:,} -> {largest.projects:,}: "
                    f"{after / before:.2f}x ({verdict})"
                )
    return lines
