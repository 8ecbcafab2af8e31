"""Inspection speed and false refusals on the most-downloaded projects' real files.

The benchmark behind `benchmarks/inspect.py` (which only runs `main` here). Run with the
project's venv (it imports bastion and twine):

    .venv/bin/python benchmarks/inspect.py                 # the top 200 projects
    .venv/bin/python benchmarks/inspect.py --projects 20   # a quick run
    .venv/bin/python benchmarks/inspect.py --only numpy --only six   # investigate a few
    .venv/bin/python benchmarks/inspect.py --help

1. **Names**: the N most-downloaded PyPI projects, by the `rank_among_15000_most_downloaded`
   column of the environment's PyPI list (`/work/.library/env/packages/pypi.tsv`, a snapshot
   of PyPI's download ranking; `--ranking` points elsewhere, `--names-file` takes one name a
   line instead).
2. **Files**, cached in `~/.cache/bastion-bench/inspect/` (outside the repo, reused; a
   download that failed is tried again on the next run), each fetched in a subprocess with a
   timeout:
   - one newest wheel per project: `pip download --no-deps --only-binary :all:` for CPython
     3.13 on manylinux x86_64, glibc up to 2.39 (pip prefers the most specific wheel; a pure
     project gets its py3-none-any wheel). pip takes the newest version that has such a
     wheel: where that is not the sdist's version the report says so;
   - the newest sdist: `benchmarks/inspect_fetch.py`, pip's own finder and session (see its
     docstring for why `pip download --no-binary :all:` cannot be used).
   pip runs with PIP_CONFIG_FILE=/dev/null and without PIP_FIND_LINKS: this machine's pip
   config adds local wheel folders and file:// mirrors, and every file here must be the
   registry's own. PIP_INDEX_URL, if set, is honoured.
3. **Measures** every file, interleaved (file by file, each method in turn, so background load
   hits all three alike):
   - Bastion in process: `inspect_distribution(path, filename, InspectionLimits())`;
   - Bastion sandboxed: `Sandbox(InspectionLimits(), concurrency=1).inspect(...)`, one fresh
     forkserver child per file as in production;
   - `twine check`, called in process (`twine.commands.check._check_file`, what `twine check`
     runs per file: read the metadata, render the description), so neither side pays for
     starting an interpreter.
   Then the checks an upload applies to the artifact's metadata after inspection (parse and
   validate it, name and version against the filename, classifiers) are run, untimed: a
   refusal there refuses the upload too.
4. **Reports** one Markdown table (files, MB, MB/s, ms per file: mean, p50, p95, max), every
   refusal of a real file (a false refusal) with its reason, twine's failures, and the
   slowest files; printed and written to `benchmarks/results/inspect-<date>.md`. Raw
   per-file results go to `<cache>/results.json` (not rewritten by an `--only` run).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_RANKING = Path("/work/.library/env/packages/pypi.tsv")
RANK_COLUMN = "rank_among_15000_most_downloaded"
DEFAULT_CACHE = Path.home() / ".cache" / "bastion-bench" / "inspect"
# What `pip download` is asked to pick wheels for: a current CPython on x86_64 Linux with
# glibc 2.39. pip does not widen a given --platform to older glibc versions, so each is named,
# most preferred first (pip ranks wheels by the order of these tags).
_MANYLINUX = [f"manylinux_2_{minor}_x86_64" for minor in range(39, 16, -1)] + [
    "manylinux2014_x86_64",
    "manylinux_2_12_x86_64",
    "manylinux2010_x86_64",
    "manylinux_2_5_x86_64",
    "manylinux1_x86_64",
]
WHEEL_TARGET = (
    "--python-version",
    "3.13",
    "--implementation",
    "cp",
    *(option for platform_tag in _MANYLINUX for option in ("--platform", platform_tag)),
)
# Recorded with each cached wheel: a wheel picked for another target is downloaded again.
WHEEL_TARGET_KEY = "wheel-target"
MB = 1_000_000
WHEEL, SDIST = "wheel", "sdist"


# -- names ---------------------------------------------------------------------------------


def top_projects(ranking: Path, count: int) -> list[str]:
    """The `count` best-ranked names in the tab-separated `ranking` (a header row first)."""
    with ranking.open(encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        name_at, rank_at = header.index("name"), header.index(RANK_COLUMN)
        ranked: list[tuple[int, str]] = []
        for line in fh:
            fields = line.rstrip("\n").split("\t")
            if len(fields) > rank_at and fields[rank_at].strip():
                ranked.append((int(fields[rank_at]), fields[name_at]))
    ranked.sort()
    return [name for _, name in ranked[:count]]


# -- downloads -----------------------------------------------------------------------------


@dataclasses.dataclass
class Fetched:
    """One file the benchmark wanted: where it is, or why it is not."""

    project: str
    kind: str
    filename: str | None = None
    error: str | None = None


def registry_env() -> dict[str, str]:
    """pip's environment with this machine's local mirrors and wheel folders left out."""
    env = {k: v for k, v in os.environ.items() if k not in {"PIP_FIND_LINKS", "PIP_NO_INDEX"}}
    env["PIP_CONFIG_FILE"] = os.devnull
    env.pop("PIP_EXTRA_INDEX_URL", None)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run_fetch(argv: list[str], timeout: float) -> tuple[bool, str]:
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, env=registry_env(), check=False
        )
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout:.0f} s"
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        return False, (lines[-1] if lines else f"exit code {done.returncode}")[:300]
    return True, done.stdout


def fetch(project: str, kind: str, files: Path, timeout: float) -> Fetched:
    """Download `project`'s newest file of `kind` into `files`."""
    with tempfile.TemporaryDirectory(dir=files.parent, prefix="download-") as scratch:
        if kind == WHEEL:
            argv = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary"]
            argv += [":all:", *WHEEL_TARGET, "--dest", scratch, "--quiet", project]
        else:
            argv = [sys.executable, str(HERE / "inspect_fetch.py"), project, scratch]
        ok, output = _run_fetch(argv, timeout)
        if not ok:
            return Fetched(project, kind, error=output)
        suffix = ".whl" if kind == WHEEL else ".tar.gz"
        found = [p for p in Path(scratch).iterdir() if p.name.endswith(suffix)]
        if len(found) != 1:
            names = sorted(p.name for p in Path(scratch).iterdir())
            return Fetched(project, kind, error=f"expected one {suffix}, got {names}")
        shutil.move(found[0], files / found[0].name)
        return Fetched(project, kind, filename=found[0].name)


def fetch_all(projects: list[str], cache: Path, args: argparse.Namespace) -> list[Fetched]:
    """Every project's wheel and sdist, from the cache's manifest or the registry."""
    files = cache / "files"
    files.mkdir(parents=True, exist_ok=True)
    manifest_path = cache / "manifest.json"
    manifest: dict[str, dict[str, str]] = (
        json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    )
    wanted = [(project, kind) for project in projects for kind in (WHEEL, SDIST)]
    results: dict[tuple[str, str], Fetched] = {}
    missing = []
    for project, kind in wanted:
        entry = manifest.get(project, {})
        cached = entry.get(kind)
        stale = kind == WHEEL and entry.get(WHEEL_TARGET_KEY) != " ".join(WHEEL_TARGET)
        if cached and (files / cached).is_file() and not stale and not args.refresh:
            results[project, kind] = Fetched(project, kind, filename=cached)
        elif args.offline:
            results[project, kind] = Fetched(project, kind, error="not in the cache (--offline)")
        else:
            missing.append((project, kind))
    if missing:
        print(f"downloading {len(missing)} files ({args.jobs} at a time) into {files}")
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {
            pool.submit(fetch, project, kind, files, args.download_timeout): (project, kind)
            for project, kind in missing
        }
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            result = future.result()
            results[futures[future]] = result
            if result.filename:
                entry = manifest.setdefault(result.project, {})
                entry[result.kind] = result.filename
                if result.kind == WHEEL:
                    entry[WHEEL_TARGET_KEY] = " ".join(WHEEL_TARGET)
                # Written as it goes: an interrupted run keeps what it fetched.
                manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
            shown = result.filename or f"FAILED: {result.error}"
            print(f"  [{done}/{len(missing)}] {result.project} {result.kind}: {shown}")
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return [results[key] for key in wanted]


# -- measuring -----------------------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    """One method on one file: how long it took and what it said."""

    seconds: float
    refusal: str | None = None  # the file was refused, with this reason


@dataclasses.dataclass
class FileResult:
    """Everything measured on one file."""

    project: str
    kind: str
    filename: str
    size: int
    outcomes: dict[str, Outcome] = dataclasses.field(default_factory=dict)
    metadata_refusal: str | None = None


Method = Callable[[Path, str], str | None]


def _timed(method: Method, path: Path, filename: str) -> Outcome:
    start = time.perf_counter()
    try:
        refusal = method(path, filename)
    except Exception as exc:  # noqa: BLE001 - anything else is a crash, reported as such
        refusal = f"CRASH {type(exc).__name__}: {exc}"
    return Outcome(time.perf_counter() - start, " ".join(str(refusal).split()) if refusal else None)


def bastion_in_process() -> Method:
    """Bastion's inspector, in this process."""
    from bastion.inspection.errors import RefusedArchiveError  # noqa: PLC0415
    from bastion.inspection.inspector import inspect_distribution  # noqa: PLC0415
    from bastion.inspection.limits import InspectionLimits  # noqa: PLC0415

    limits = InspectionLimits()

    def run(path: Path, filename: str) -> str | None:
        try:
            inspect_distribution(path, filename, limits)
        except RefusedArchiveError as exc:
            return exc.reason
        return None

    return run


@contextlib.contextmanager
def bastion_sandboxed() -> Iterator[Method]:
    """Bastion's inspector in a limited child process per file, as uploads are inspected."""
    from bastion.inspection.errors import RefusedArchiveError  # noqa: PLC0415
    from bastion.inspection.limits import InspectionLimits  # noqa: PLC0415
    from bastion.inspection.sandbox import Sandbox  # noqa: PLC0415

    sandbox = Sandbox(InspectionLimits(), concurrency=1)

    def run(path: Path, filename: str) -> str | None:
        try:
            sandbox.inspect(path, filename)
        except RefusedArchiveError as exc:
            return exc.reason
        return None

    yield run


def twine_check() -> Method:
    """What `twine check FILE` does for one file, called in process."""
    from twine.commands import check  # noqa: PLC0415

    def run(path: Path, _filename: str) -> str | None:
        warnings = check._WarningStream()  # noqa: SLF001 - twine check's own per-file step
        _, ok = check._check_file(str(path), warnings)  # noqa: SLF001
        return None if ok else f"the description does not render: {str(warnings)[:300]}"

    return run


def upload_metadata_checks(path: Path, filename: str) -> str | None:
    """What the upload checks in the artifact's metadata after inspection; None if it passes."""
    from bastion.errors import BastionError  # noqa: PLC0415
    from bastion.inspection.errors import RefusedArchiveError  # noqa: PLC0415
    from bastion.inspection.inspector import inspect_distribution  # noqa: PLC0415
    from bastion.inspection.limits import InspectionLimits  # noqa: PLC0415
    from bastion.packaging import filenames, metadata, names, versions  # noqa: PLC0415

    try:
        dist = filenames.parse_distribution_filename(filename)
        core = inspect_distribution(path, filename, InspectionLimits()).core_metadata
        artifact = metadata.metadata_from_bytes(core)
        filenames.check_filename_matches(
            dist,
            normalized_name=names.validate_name(artifact.name),
            version=versions.parse_public_version(str(artifact.version)),
        )
        metadata.check_classifiers(artifact)
    except RefusedArchiveError:
        return None  # counted as an inspection refusal already
    except BastionError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def measure(fetched: list[Fetched], files: Path, args: argparse.Namespace) -> list[FileResult]:
    """Run every method on every downloaded file, file by file."""
    # Import what each method needs before timing, so no file pays for an import.
    import readme_renderer.markdown  # noqa: PLC0415
    import readme_renderer.rst  # noqa: F401, PLC0415

    methods: dict[str, Method] = {"bastion": bastion_in_process()}
    if not args.no_twine:
        methods["twine"] = twine_check()
    present = [f for f in fetched if f.filename]
    results: list[FileResult] = []
    with contextlib.ExitStack() as stack:
        if not args.no_sandbox:
            methods["sandbox"] = stack.enter_context(bastion_sandboxed())
        if present:  # warm-up, untimed: imports, the forkserver, the page cache
            first = present[0].filename
            assert first is not None  # noqa: S101
            for method in methods.values():
                method(files / first, first)
        for index, item in enumerate(present, 1):
            assert item.filename is not None  # noqa: S101
            path = files / item.filename
            result = FileResult(item.project, item.kind, item.filename, path.stat().st_size)
            for key, method in methods.items():
                result.outcomes[key] = _timed(method, path, item.filename)
            result.metadata_refusal = upload_metadata_checks(path, item.filename)
            results.append(result)
            _print_progress(index, len(present), result)
    return results


def _print_progress(index: int, total: int, result: FileResult) -> None:
    times = "  ".join(f"{k} {o.seconds * 1000:7.1f} ms" for k, o in result.outcomes.items())
    refusals = [f"{k}: {o.refusal}" for k, o in result.outcomes.items() if o.refusal]
    if result.metadata_refusal:
        refusals.append(f"metadata: {result.metadata_refusal}")
    flag = f"  REFUSED {refusals}" if refusals else ""
    print(
        f"  [{index}/{total}] {result.filename} {result.size / MB:.2f} MB  {times}{flag}",
        flush=True,
    )


# -- reporting -----------------------------------------------------------------------------

LABELS = {
    "bastion": "Bastion, in process",
    "sandbox": "Bastion, sandboxed",
    "twine": "twine check (in process)",
}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def speed_table(results: list[FileResult], methods: list[str]) -> list[str]:
    """One row per method (and per kind of file): size, throughput, latency, refusals."""
    lines = [
        "| method | kind | files | MB | MB/s | mean ms | p50 ms | p95 ms | max ms | refused |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind_label, kinds in (("all", (WHEEL, SDIST)), ("wheels", (WHEEL,)), ("sdists", (SDIST,))):
        subset = [r for r in results if r.kind in kinds]
        if not subset:
            continue
        megabytes = sum(r.size for r in subset) / MB
        for method in methods:
            times = [r.outcomes[method].seconds * 1000 for r in subset]
            refused = sum(1 for r in subset if r.outcomes[method].refusal)
            total_s = sum(times) / 1000
            lines.append(
                f"| {LABELS[method]} | {kind_label} | {len(subset)} | {megabytes:,.1f} | "
                f"{megabytes / total_s:,.1f} | {statistics.fmean(times):,.1f} | "
                f"{_percentile(times, 0.5):,.1f} | {_percentile(times, 0.95):,.1f} | "
                f"{max(times):,.1f} | {refused} |"
            )
    return lines


def refusal_lines(results: list[FileResult], methods: list[str]) -> list[str]:
    """Every refusal of a real file by Bastion (any stage), one row each."""
    rows = []
    for result in results:
        stages = [
            (LABELS[m], result.outcomes[m].refusal)
            for m in methods
            if m != "twine" and result.outcomes[m].refusal
        ]
        if result.metadata_refusal:
            stages.append(("upload metadata checks", result.metadata_refusal))
        rows += [f"| {result.filename} | {stage} | {_cell(reason)} |" for stage, reason in stages]
    if not rows:
        return ["None: every file passed."]
    return ["| file | refused by | reason |", "|---|---|---|", *rows]


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|")[:400]


def twine_lines(results: list[FileResult]) -> list[str]:
    """The files twine check fails, for comparison."""
    rows = [
        f"| {r.filename} | {_cell(r.outcomes['twine'].refusal)} |"
        for r in results
        if "twine" in r.outcomes and r.outcomes["twine"].refusal
    ]
    if not rows:
        return ["None."]
    return ["| file | twine check says |", "|---|---|", *rows]


def slowest_lines(results: list[FileResult], methods: list[str], count: int = 10) -> list[str]:
    """The files Bastion took longest on, with every method's time."""
    header = "| file | MB | " + " | ".join(f"{LABELS[m]} ms" for m in methods) + " |"
    lines = [header, "|---|---:|" + "---:|" * len(methods)]
    ordered = sorted(results, key=lambda r: r.outcomes["bastion"].seconds, reverse=True)
    for r in ordered[:count]:
        times = " | ".join(f"{r.outcomes[m].seconds * 1000:,.0f}" for m in methods)
        lines.append(f"| {r.filename} | {r.size / MB:.1f} | {times} |")
    return lines


def render(
    projects: list[str],
    fetched: list[Fetched],
    results: list[FileResult],
    methods: list[str],
    args: argparse.Namespace,
    *,
    load: tuple[float, float],
) -> str:
    """The whole report, as Markdown; `load` is the 1-minute load average before and after."""
    import pip  # noqa: PLC0415
    import twine  # noqa: PLC0415

    failed = [f for f in fetched if f.error]
    wheels = sum(1 for r in results if r.kind == WHEEL)
    sdists = len(results) - wheels
    refused_files = sum(
        1
        for r in results
        if r.metadata_refusal or any(r.outcomes[m].refusal for m in methods if m != "twine")
    )
    source = args.names_file or f"{args.ranking} (column {RANK_COLUMN})"
    out = [
        f"# Inspection benchmark, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"- Projects: the top {len(projects)} by PyPI downloads, from {source}.",
        (
            f"- Files: {len(results)} ({wheels} wheels, {sdists} sdists), "
            f"{sum(r.size for r in results) / MB:,.1f} MB; {len(failed)} of "
            f"{len(fetched)} wanted could not be downloaded (listed below)."
        ),
        (
            f"- Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, pip {pip.__version__}, twine {twine.__version__}; "
            "default `InspectionLimits()`. MB = 10^6 bytes; MB/s = total MB / total time."
        ),
        (
            "- Times are one run per file and method, interleaved file by file; twine check is "
            "called in process (`twine.commands.check._check_file`), as is Bastion's in-process "
            "inspector; the sandboxed time includes forking and limiting a child per file."
        ),
        (
            f"- 1-minute load average {load[0]:.1f} before measuring, {load[1]:.1f} after "
            f"({os.cpu_count()} cores; about 1 is this benchmark alone: more means other work "
            "shared the CPUs and the times are inflated, the refusals are not affected)."
        ),
        "",
        *speed_table(results, methods),
        "",
        f"## False refusals: {refused_files} of {len(results)} real files",
        "",
        *refusal_lines(results, methods),
        "",
        "## twine check failures (for comparison)",
        "",
        *(twine_lines(results) if "twine" in methods else ["twine check was not run."]),
        "",
        "## Slowest files (by Bastion in process)",
        "",
        *slowest_lines(results, methods),
        "",
        "## Downloads that failed",
        "",
        *([f"- {f.project} {f.kind}: {_cell(f.error)}" for f in failed] or ["None."]),
        "",
        "## Wheel and sdist of different versions",
        "",
        *skew_lines(fetched),
        "",
    ]
    return "\n".join(out)


def skew_lines(fetched: list[Fetched]) -> list[str]:
    """Projects whose wheel is not of the sdist's version (no wheel of it for the target).

    Filenames are read by the index's own parser (legacy sdist names included, as it accepts
    them), so the benchmark never holds a filename rule of its own.
    """
    from bastion.errors import BastionError  # noqa: PLC0415
    from bastion.packaging.filenames import parse_distribution_filename  # noqa: PLC0415

    versions: dict[str, dict[str, str]] = {}
    for item in fetched:
        if item.filename:
            try:
                version = str(parse_distribution_filename(item.filename).version)
            except BastionError:
                continue  # refused by the index: reported with the upload metadata checks
            versions.setdefault(item.project, {})[item.kind] = version
    rows = [
        f"- {project}: wheel {found[WHEEL]}, sdist {found[SDIST]}"
        for project, found in versions.items()
        if WHEEL in found and SDIST in found and found[WHEEL] != found[SDIST]
    ]
    return rows or ["None."]


def save_raw(cache: Path, results: list[FileResult]) -> None:
    """Per-file results as JSON, for a closer look."""
    (cache / "results.json").write_text(
        json.dumps([dataclasses.asdict(r) for r in results], indent=1)
    )


# -- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--projects", type=int, default=200, help="how many top projects")
    parser.add_argument("--ranking", type=Path, default=DEFAULT_RANKING)
    parser.add_argument("--names-file", type=Path, help="one project name a line, in rank order")
    parser.add_argument("--only", action="append", help="just these projects (repeatable)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--jobs", type=int, default=4, help="downloads at a time")
    parser.add_argument("--download-timeout", type=float, default=300.0, help="s per file")
    parser.add_argument("--offline", action="store_true", help="use cached files only")
    parser.add_argument("--refresh", action="store_true", help="download every file again")
    parser.add_argument("--download-only", action="store_true", help="fill the cache, stop")
    parser.add_argument("--no-sandbox", action="store_true")
    parser.add_argument("--no-twine", action="store_true")
    parser.add_argument("--output", type=Path, help="default: benchmarks/results/inspect-DATE.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Download, measure, report."""
    args = parse_args(argv)
    sys.path.insert(0, str(REPO / "src"))
    if args.only:
        projects = args.only
    elif args.names_file:
        lines = args.names_file.read_text().splitlines()
        projects = [line.strip() for line in lines if line.strip()][: args.projects]
    else:
        projects = top_projects(args.ranking, args.projects)
    cache = args.cache.expanduser().resolve()
    fetched = fetch_all(projects, cache, args)
    if args.download_only:
        print(f"{sum(1 for f in fetched if f.filename)} of {len(fetched)} files in {cache}")
        return 0
    load_before = os.getloadavg()[0]
    results = measure(fetched, cache / "files", args)
    load = (load_before, os.getloadavg()[0])
    if not args.only:  # a run of a few projects keeps the full run's raw results
        save_raw(cache, results)
    methods = ["bastion"] + ([] if args.no_sandbox else ["sandbox"])
    methods += [] if args.no_twine else ["twine"]
    report = render(projects, fetched, results, methods, args, load=load)
    print()
    print(report)
    date = datetime.datetime.now(datetime.UTC).date().isoformat()
    output = args.output or HERE / "results" / f"inspect-{date}{'-only' if args.only else ''}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report)
    print(f"written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
