"""Detection of the upload malware scanner: recall on real malware, false positives on honest
packages, time per package, side by side with GuardDog on the same files in the same run.

    .venv/bin/python benchmarks/detection.py            # ~1,100 honest projects, whole corpus
    .venv/bin/python benchmarks/detection.py --quick    # 100 projects + 100 samples, no GuardDog
    .venv/bin/python benchmarks/detection.py --help

1. **Honest files** (`detection_data.py`): the newest wheel of the `--names` most-downloaded
   projects plus the hard honest cases (`HARD_HONEST`), and the newest sdist of the top
   `--sdist-names` and of the hard cases, cached in `~/.cache/bastion-bench/honest/`.
2. **Malware**: `shared/corpus/malware-train.zip`, each archive's bytes written to a temporary
   directory outside the project tree and deleted at exit. Skipped, saying so, when absent.
3. **Bastion**: the scanner command (`--scanner-cmd`, default `.venv/bin/bastion scan --json`)
   on `--batch` paths per process, files of both sides shuffled together; the time per package
   is the `ms` the scanner reports for it. A batch whose process dies is scanned again one path
   per process, so the file that kills it is found.
4. **GuardDog** (unless `--no-guarddog`): installed into `benchmarks/.work/guarddog/` when
   missing; `guarddog pypi scan --output-format json FILE` per file (it has no batch mode),
   timed by wall clock, on the same files or a seeded subset (`--guarddog-limit N`: N honest
   files and N samples; Bastion's figures on that subset are shown beside it). GuardDog 3
   scores a package 0-10 and labels it; `guarddog_verdicts` maps that to Bastion's verdicts.
5. **Report**: recall at `block` and at review-or-worse, per sample and per cluster (a cluster
   is caught when every one of its samples in the run is), also by `where_code_runs`;
   false-positive rate at `block` and at review-or-worse with the Wilson 95% upper bound, for
   wheels, sdists and all; median and p99 ms per package; errors; the targets; then the honest
   files flagged and the samples not blocked (package names and rule ids only: no code from
   the malware is printed or written). Printed, written to `benchmarks/results/`, and as JSON
   with `--json-out`. An `error` verdict counts as neither caught nor flagged, and is counted.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import datetime
import json
import math
import os
import random
import shlex
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import detection_data as data
from inspect_bench import DEFAULT_RANKING, registry_env

HERE = Path(__file__).resolve().parent
GUARDDOG_VENV = HERE / ".work" / "guarddog"  # git-ignored
T = TypeVar("T")
FLAGGED = ("review", "block")
Z95 = 1.959964  # two-sided 95% normal quantile, for the Wilson score interval


@dataclasses.dataclass(frozen=True)
class Item:
    """A file in the run: an honest package's or a malware sample."""

    path: Path
    honest: data.HonestFile | None = None
    sample: data.CorpusSample | None = None


# -- GuardDog's install --------------------------------------------------------------------


def ensure_guarddog(venv: Path) -> tuple[Path | None, str]:
    """GuardDog's executable and version, installing it into `venv` when missing; or None and
    why it could not be installed."""
    exe, python = venv / "bin" / "guarddog", venv / "bin" / "python"
    if not exe.exists():
        print(f"installing GuardDog into {venv} (about a minute)")
        install = [str(python), "-m", "pip", "install", "--quiet", "guarddog"]
        for argv in ([sys.executable, "-m", "venv", str(venv)], install):
            try:
                done = data.run_captured(argv, timeout=900, env=registry_env())
            except subprocess.TimeoutExpired:
                return None, f"`{shlex.join(argv)}` timed out"
            if done.returncode != 0:
                lines = [s for s in done.stderr.splitlines() if s.strip()] or ["no output"]
                return None, f"`{shlex.join(argv)}` failed: {lines[-1][:300]}"
    probe = "import importlib.metadata as m; print(m.version('guarddog'))"
    done = data.run_captured([str(python), "-c", probe])
    return (exe, done.stdout.strip()) if done.returncode == 0 else (None, done.stderr[-300:])


# -- figures -------------------------------------------------------------------------------


def wilson_upper(k: int, n: int, z: float = Z95) -> float:
    """Upper end of the Wilson score interval for k successes in n trials."""
    if n == 0:
        return 1.0
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return min(1.0, (centre + spread) / (1 + z * z / n))


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p99 of 100 values is the largest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else math.nan


@dataclasses.dataclass
class Tally:
    """How many of n were at block, at review-or-worse, errors."""

    n: int = 0
    block: int = 0
    flagged: int = 0
    errors: int = 0

    def add(self, verdicts: Sequence[str]) -> None:
        """Count one unit (a file, or a cluster caught only when all its files are)."""
        self.n += 1
        self.block += all(v == "block" for v in verdicts)
        self.flagged += all(v in FLAGGED for v in verdicts)
        self.errors += any(v == "error" for v in verdicts)


def scanner_figures(results: dict[Path, data.Verdict], items: Sequence[Item]) -> dict[str, Any]:
    """Every figure of the report for one scanner, on the items it scanned."""
    scanned = [i for i in items if i.path in results]
    samples, clusters = Tally(), Tally()
    by_where: dict[str, Tally] = collections.defaultdict(Tally)
    cluster_verdicts: dict[str, list[str]] = collections.defaultdict(list)
    honest: dict[str, Tally] = {data.WHEEL: Tally(), data.SDIST: Tally(), "all": Tally()}
    for item in scanned:
        verdict = results[item.path].verdict
        if item.sample:
            samples.add([verdict])
            by_where[item.sample.where_code_runs].add([verdict])
            cluster_verdicts[item.sample.cluster_id].append(verdict)
        elif item.honest:
            honest[item.honest.kind].add([verdict])
            honest["all"].add([verdict])
    for verdicts in cluster_verdicts.values():
        clusters.add(verdicts)
    ms = {
        side: [
            results[i.path].ms
            for i in scanned
            if (side == "all" or bool(i.sample) == (side == "corpus"))
            and not math.isnan(results[i.path].ms)  # a crash reports no time
        ]
        for side in ("all", "honest", "corpus")
    }
    return {
        "samples": samples,
        "clusters": clusters,
        "by_where": dict(sorted(by_where.items())),
        "honest": honest,
        "ms": {
            side: (statistics.median(v), percentile(v, 0.99)) if v else None
            for side, v in ms.items()
        },
        "errors": sum(1 for i in scanned if results[i.path].verdict == "error"),
        "n": len(scanned),
    }


def target_checks(figures: dict[str, Any]) -> list[tuple[str, str, bool | None]]:
    """(target, value, met) for the issue's targets; met is None where nothing was measured."""
    clusters, honest, ms = figures["clusters"], figures["honest"]["all"], figures["ms"]["all"]
    review = clusters.flagged / clusters.n if clusters.n else None
    block = clusters.block / clusters.n if clusters.n else None
    false_review = honest.flagged / honest.n if honest.n else None
    targets: list[tuple[str, float | None, str, Callable[[float], bool]]] = [
        ("per-cluster recall at review-or-worse >= 95%", review, "{:.1%}", lambda v: v >= 0.95),
        ("per-cluster recall at block >= 85%", block, "{:.1%}", lambda v: v >= 0.85),
        ("no honest file at block", honest.block if honest.n else None, "{}", lambda v: v == 0),
        ("honest at review-or-worse <= 2%", false_review, "{:.2%}", lambda v: v <= 0.02),
        ("median <= 200 ms per package", ms[0] if ms else None, "{:.1f} ms", lambda v: v <= 200),
    ]
    return [
        (label, "n/a" if v is None else shown.format(v), None if v is None else met(v))
        for label, v, shown, met in targets
    ]


# -- report --------------------------------------------------------------------------------


def _pct(k: int, n: int) -> str:
    return f"{k / n:.1%} ({k}/{n})" if n else "n/a"


def _fp(k: int, n: int) -> str:
    return f"{k}/{n} = {k / n:.2%} (<= {wilson_upper(k, n):.2%})" if n else "n/a"


def _ms(pair: tuple[float, float] | None) -> str:
    return f"{pair[0]:.1f} / {pair[1]:.1f}" if pair else "n/a"


def render_tables(columns: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The side-by-side tables: one column per scanner (or scanner on a subset)."""
    lines: list[str] = []

    def table(title: str, rows: list[tuple[str, Callable[[dict[str, Any]], str]]]) -> None:
        lines.extend([f"### {title}", "", "| | " + " | ".join(n for n, _ in columns) + " |"])
        lines.append("|---|" + "---:|" * len(columns))
        lines.extend(
            f"| {label} | " + " | ".join(cell(f) for _, f in columns) + " |" for label, cell in rows
        )
        lines.append("")

    table(
        "Malware corpus: recall",
        [
            ("samples (clusters)", lambda f: f"{f['samples'].n} ({f['clusters'].n})"),
            ("per sample, block", lambda f: _pct(f["samples"].block, f["samples"].n)),
            ("per sample, review-or-worse", lambda f: _pct(f["samples"].flagged, f["samples"].n)),
            ("per cluster, block", lambda f: _pct(f["clusters"].block, f["clusters"].n)),
            (
                "per cluster, review-or-worse",
                lambda f: _pct(f["clusters"].flagged, f["clusters"].n),
            ),
            ("errors", lambda f: str(f["samples"].errors)),
        ],
    )
    wheres = sorted({w for _, f in columns for w in f["by_where"]})

    def where_cell(where: str) -> Callable[[dict[str, Any]], str]:
        def cell(f: dict[str, Any]) -> str:
            t = f["by_where"].get(where)
            return f"{t.block / t.n:.1%} / {t.flagged / t.n:.1%} of {t.n}" if t else "n/a"

        return cell

    table(
        "Recall by `where_code_runs` (per sample; block / review-or-worse)",
        [(f"`{w}`", where_cell(w)) for w in wheres],
    )

    def honest_cell(kind: str, count: str | None) -> Callable[[dict[str, Any]], str]:
        def cell(f: dict[str, Any]) -> str:
            t = f["honest"][kind]
            return str(t.n) if count is None else _fp(getattr(t, count), t.n)

        return cell

    rows = [("errors", lambda f: str(f["honest"]["all"].errors))]
    for kind in reversed((data.WHEEL, data.SDIST, "all")):
        rows[:0] = [
            (f"{kind}: files", honest_cell(kind, None)),
            (f"{kind}: at block", honest_cell(kind, "block")),
            (f"{kind}: review-or-worse", honest_cell(kind, "flagged")),
        ]
    table("Honest packages: false positives (rate, Wilson 95% upper bound)", rows)

    def ms_cell(side: str) -> Callable[[dict[str, Any]], str]:
        return lambda f: _ms(f["ms"][side])

    sides = ("all", "honest", "corpus")
    table("Time per package, ms (median / p99)", [(side, ms_cell(side)) for side in sides])
    targets = {name: target_checks(f) for name, f in columns}
    first = next(iter(targets.values()), [])
    lines.extend(["### Targets", "", "| target | " + " | ".join(n for n, _ in columns) + " |"])
    lines.append("|---|" + "---|" * len(columns))
    for index, (target, _, _) in enumerate(first):
        cells = []
        for name, _ in columns:
            _, value, met = targets[name][index]
            cells.append(f"{'n/a' if met is None else 'PASS' if met else 'FAIL'} {value}")
        lines.append(f"| {target} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def _describe(item: Item) -> str:
    if item.honest:
        return f"{item.honest.name} {item.honest.kind} `{item.honest.file}`"
    assert item.sample is not None  # noqa: S101 - an item is one or the other
    return f"{item.sample.package} {item.sample.version} [{item.sample.where_code_runs}]"


def _listing(entries: list[str], show: int) -> list[str]:
    shown = entries[:show] or ["None."]
    return shown + ([f"... and {len(entries) - show} more (--show)"] if len(entries) > show else [])


def detail_lines(
    name: str, results: dict[Path, data.Verdict], items: Sequence[Item], show: int
) -> list[str]:
    """The honest files `name` flagged and the samples it did not block: names and rule ids only."""
    severity = {"block": 0, "review": 1, "error": 2, "pass": 3}
    flagged = sorted(
        (i for i in items if i.honest and i.path in results and results[i.path].verdict in FLAGGED),
        key=lambda i: (severity[results[i.path].verdict], _describe(i)),
    )
    missed = sorted(
        (i for i in items if i.sample and i.path in results and results[i.path].verdict != "block"),
        key=lambda i: (-severity[results[i.path].verdict], _describe(i)),
    )

    def line(item: Item, rules: list[str]) -> str:
        v = results[item.path]
        why = f" ({v.error})" if v.error else ""
        return f"- {_describe(item)}: **{v.verdict}**{why}; rules: {', '.join(rules) or '-'}"

    lines = [f"### {name}: honest files flagged ({len(flagged)})", ""]
    lines += _listing([line(i, results[i.path].top_rules()) for i in flagged], show)
    lines += ["", f"### {name}: malware samples not blocked ({len(missed)})", ""]
    lines += _listing([line(i, results[i.path].first_rules()) for i in missed], show)
    return [*lines, ""]


def json_report(
    runs: dict[str, dict[Path, data.Verdict]],
    columns: list[tuple[str, dict[str, Any]]],
    items: Sequence[Item],
    meta: dict[str, Any],
) -> dict[str, Any]:
    """The machine-readable copy: figures per column, and every file's verdicts (no snippets)."""

    def plain(value: Any) -> Any:
        if isinstance(value, Tally):
            return dataclasses.asdict(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    files = []
    for item in items:
        entry: dict[str, Any] = {"file": item.path.name}
        if item.honest:
            entry |= {"side": "honest", "name": item.honest.name, "kind": item.honest.kind}
        elif item.sample:
            s = item.sample
            entry |= {"side": "corpus", "name": s.package, "version": s.version}
            entry |= {"cluster_id": s.cluster_id, "where_code_runs": s.where_code_runs}
        entry["results"] = {
            name: {
                "verdict": v.verdict,
                "score": v.score,
                "ms": round(v.ms, 2),
                "rules": v.first_rules(10),
                "error": v.error,
            }
            for name, results in runs.items()
            if (v := results.get(item.path))
        }
        files.append(entry)
    figures = {name: plain(f) | {"targets": target_checks(f)} for name, f in columns}
    return {"run": meta, "figures": figures, "files": files}


# -- main ----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add = parser.add_argument
    add("--names", type=int, default=1100, help="top projects by downloads (default 1100)")
    add("--sdist-names", type=int, default=200, help="top projects whose sdist is also scanned")
    add("--ranking", type=Path, default=DEFAULT_RANKING)
    add("--cache", type=Path, default=data.DEFAULT_CACHE, help="honest files (outside the repo)")
    add("--corpus", type=Path, default=data.DEFAULT_CORPUS, help="malware-train.zip and .tsv")
    add("--limit-honest", type=int, help="N projects, a seeded sample (hard cases always in)")
    add("--limit-corpus", type=int, help="N malware samples, a seeded sample")
    add("--sample-seed", type=int, default=0)
    add("--quick", action="store_true", help="100 projects + 100 samples, no GuardDog")
    add("--scanner-cmd", help="Bastion's scanner (default: .venv/bin/bastion scan --json)")
    add("--batch", type=int, default=50, help="paths per scanner process (default 50)")
    add("--scan-timeout-s", type=float, default=300.0, help="per file, Bastion (default 300)")
    add("--no-guarddog", action="store_true")
    add("--guarddog-limit", type=int, help="GuardDog on N honest files and N samples only")
    add("--guarddog-jobs", type=int, default=1, help="GuardDog processes at a time (default 1)")
    add("--guarddog-timeout-s", type=float, default=300.0, help="per file (default 300)")
    add("--jobs", type=int, default=4, help="downloads at a time (default 4)")
    add("--download-budget-s", type=float, default=3600.0, help="no new download after this")
    add("--download-timeout-s", type=float, default=600.0, help="per file")
    add(
        "--index-url",
        default=os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple/"),
        help="for sdists' PEP 691 pages",
    )
    add("--offline", action="store_true", help="cached honest files only")
    add("--download-only", action="store_true", help="fill the honest cache and stop")
    add("--show", type=int, default=25, help="lines of flagged and missed files per scanner")
    add("--json-out", type=Path, help="a machine-readable copy of the report")
    add("--output", type=Path, help="default: benchmarks/results/detection-DATE.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.limit_honest = args.limit_honest or 100
        args.limit_corpus = args.limit_corpus or 100
        args.no_guarddog = True
    return args


def _sample(
    values: list[T], count: int | None, rng: random.Random, keep: Callable[[T], bool]
) -> list[T]:
    """`count` of `values`, those `keep` selects always among them, in their original order."""
    if count is None or count >= len(values):
        return values
    kept = [i for i, v in enumerate(values) if keep(v)]
    others = [i for i, v in enumerate(values) if not keep(v)]
    chosen = set(kept) | set(rng.sample(others, max(0, min(len(others), count - len(kept)))))
    return [v for i, v in enumerate(values) if i in chosen]


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    # SystemExit unwinds through staged_corpus's finally, which deletes the samples.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Fetch, scan, report."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    rng = random.Random(args.sample_seed)  # noqa: S311 - a reproducible sample, not a secret
    names, sdist_names = data.honest_names(args.ranking, args.names, args.sdist_names)
    names = _sample(names, args.limit_honest, rng, lambda n: n in data.HARD_HONEST)
    cache = data.HonestCache(args.cache.expanduser().resolve())
    honest = data.ensure_honest(
        cache,
        names,
        sdist_names,
        jobs=args.jobs,
        budget_s=args.download_budget_s,
        timeout_s=args.download_timeout_s,
        index_url=args.index_url,
        offline=args.offline,
    )
    kinds = collections.Counter(f.kind for f in honest.files)
    summary = (
        f"honest: {len(names)} projects -> {kinds[data.WHEEL]} wheels, {kinds[data.SDIST]} sdists "
        f"({honest.downloaded} downloaded in {honest.download_s:.0f} s); {len(honest.no_wheel)} "
        f"projects have no wheel (skipped), {len(honest.failed)} downloads failed, "
        f"{honest.not_attempted} left for the next run; cache {cache.root}: "
        f"{cache.size_bytes() / 1e9:.2f} GB"
    )
    print(summary)
    for name, kind, reason in honest.failed[:20]:
        print(f"  failed: {name} {kind}: {reason}")
    if args.download_only:
        return 0
    zip_path, tsv = args.corpus / "malware-train.zip", args.corpus / "malware-train.tsv"
    samples: list[data.CorpusSample] = []
    if zip_path.is_file() and tsv.is_file():
        samples = _sample(data.read_corpus(tsv), args.limit_corpus, rng, lambda _: False)
    else:
        print(f"SKIPPED the malware side: no corpus at {args.corpus} (recall is not measured)")
    started = time.perf_counter()
    with data.staged_corpus(zip_path, samples) as staged:
        staged_s = time.perf_counter() - started
        notes = [summary, f"corpus: {len(staged)} samples staged in {staged_s:.0f} s"]
        print(notes[-1])
        items = [Item(cache.files / f.file, honest=f) for f in honest.files]
        items += [Item(path, sample=sample) for path, sample in staged.items()]
        order = list(items)
        rng.shuffle(order)  # both sides interleaved, so background load hits them alike
        load_before = os.getloadavg()[0]
        runs, subset = scan_all(args, order, rng, notes)
        load = (load_before, os.getloadavg()[0])
        return write_report(args, runs=runs, items=items, subset=subset, notes=notes, load=load)


def scan_all(
    args: argparse.Namespace, order: list[Item], rng: random.Random, notes: list[str]
) -> tuple[dict[str, dict[Path, data.Verdict]], list[Item]]:
    """Each scanner's verdicts by path, and the files GuardDog scanned; notes what happened."""
    runs: dict[str, dict[Path, data.Verdict]] = {}
    cmd = shlex.split(args.scanner_cmd) if args.scanner_cmd else data.default_scanner_cmd()
    print(f"Bastion: `{shlex.join(cmd)}` on {len(order)} files, {args.batch} per process")
    try:
        runs["Bastion"], wall = data.run_bastion(
            cmd, [i.path for i in order], batch=args.batch, timeout_s=args.scan_timeout_s
        )
        notes.append(
            f"Bastion: `{shlex.join(cmd)}`, {args.batch} paths per process: {wall:.0f} s wall "
            f"for {len(order)} files ({wall * 1000 / max(1, len(order)):.0f} ms per file "
            "with process start-up; the tables show the scanner's own `ms`)"
        )
    except data.ScannerUnavailableError as exc:
        notes.append(f"**Bastion did not run**: {exc}")
        print(notes[-1])
    if args.no_guarddog:
        return runs, order
    exe, version = ensure_guarddog(GUARDDOG_VENV)
    if exe is None:
        notes.append(f"**GuardDog could not be installed**, Bastion alone: {version}")
        print(notes[-1])
        return runs, order
    subset = order
    if args.guarddog_limit is not None:
        limit = args.guarddog_limit
        honest = _sample([i for i in order if i.honest], limit, rng, lambda _: False)
        corpus = _sample([i for i in order if i.sample], limit, rng, lambda _: False)
        subset = [i for i in order if i in set(honest) | set(corpus)]
    print(f"GuardDog {version}: {len(subset)} files, {args.guarddog_jobs} at a time")
    by_label, by_risk, wall = data.run_guarddog(
        exe, [i.path for i in subset], jobs=args.guarddog_jobs, timeout_s=args.guarddog_timeout_s
    )
    runs[f"GuardDog {version} (label)"], runs["GuardDog (risks)"] = by_label, by_risk
    notes.append(
        f"GuardDog {version}: {len(subset)} files, {args.guarddog_jobs} at a time, {wall:.0f} s "
        "wall. (label) is its own label: high_risk -> block, suspicious -> review, low and "
        "no_risks_detected -> pass. (risks): any risk of severity high -> block, any risk -> "
        "review, none -> pass."
    )
    return runs, subset


def write_report(
    args: argparse.Namespace,
    *,
    runs: dict[str, dict[Path, data.Verdict]],
    items: list[Item],
    subset: list[Item],
    notes: list[str],
    load: tuple[float, float],
) -> int:
    """Print the report, write it to benchmarks/results/ (and --json-out); 1 if nothing ran."""
    columns = [(name, scanner_figures(results, items)) for name, results in runs.items()]
    if "Bastion" in runs and len(subset) < len(items):
        columns.append(("Bastion, GuardDog's files", scanner_figures(runs["Bastion"], subset)))
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    lines = [f"## Detection: Bastion's upload scanner and GuardDog ({today})", ""]
    lines += [f"- {note}" for note in notes]
    lines += [f"- load average {load[0]:.1f} before, {load[1]:.1f} after (2 cores)", ""]
    lines += render_tables(columns) if columns else ["No scanner ran.", ""]
    for name, results in runs.items():
        if name != "GuardDog (risks)":
            lines += detail_lines(name, results, items, args.show)
    report = "\n".join(lines)
    print()
    print(report)
    suffix = "-quick" if args.quick else ""
    output = args.output or HERE / "results" / f"detection-{today}{suffix}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report)
    print(f"written to {output}")
    if args.json_out:
        meta: dict[str, Any] = {"date": today, "notes": notes, "load": load}
        meta["args"] = {k: str(v) for k, v in vars(args).items()}
        args.json_out.write_text(json.dumps(json_report(runs, columns, items, meta), indent=1))
        print(f"JSON written to {args.json_out}")
    return 0 if columns else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrupted (the staged malware samples were deleted)", file=sys.stderr)
        sys.exit(130)
