"""Serving speed of Bastion against pypiserver and devpi-server on the same packages.

Run with the project's venv (it imports bastion to fill Bastion's database):

    .venv/bin/python benchmarks/serve.py                  # 1,000 and 10,000 projects
    .venv/bin/python benchmarks/serve.py --quick          # a smoke run, about two minutes

See benchmarks/README.md for what is measured and how.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import dists
import fill
import load
import report
import servers
import uploads

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
JSON_ACCEPT = "application/vnd.pypi.simple.v1+json"
# Bump when the corpus or the way it is filled changes: cached fills are then rebuilt.
FILL_FORMAT = 1

# Every upload measured creates a new project, and pypiserver and devpi have no limit on that;
# Bastion's default (20 new projects an hour per user) would answer most of them 429.
# The index's two-factor requirement for uploaders (on by default, as on PyPI) decides who may
# upload, not how fast: the benchmark account has no second factor, so it is off here.
BASTION_SERVE_ENV = {
    "BASTION_RATE_LIMIT_PROJECT_CREATION": "1000000/hour",
    "BASTION_REQUIRE_2FA": "false",
}
BASTION_TOKEN_FILE = "benchmark-token"  # noqa: S105 - a file name, not a secret

PYPISERVER_REQUIREMENTS = ["pypiserver[passlib,cache]", "waitress"]
DEVPI_REQUIREMENTS = ["devpi-server"]

ENDPOINTS = [
    ("index", "/simple/"),
    ("project", "/simple/<project>/ HTML"),
    ("project-json", "/simple/<project>/ JSON"),
    ("every-project", "/simple/<each project in turn>/ HTML"),
    ("big", "/simple/<project with many files>/ HTML"),
    ("download", "download of a 1.7 KB wheel"),
]


@dataclasses.dataclass(frozen=True)
class Options:
    """The command line, parsed."""

    sizes: list[int]
    big_files: int
    seconds: float
    warmup: float
    rounds: int
    connections: int
    wrk_threads: int
    uploads: int
    upload_seconds: float
    upload_concurrency: int
    bastion_workers: int
    bastion_threads: int
    servers: list[str]
    use_wrk: bool
    cache_dir: Path
    results: Path | None
    refill: bool
    devpi_fill_seconds: float


@dataclasses.dataclass(frozen=True)
class Request:
    """What to load one server's endpoint with."""

    paths: list[str]
    headers: dict[str, str]


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--big-files", type=int, default=200, help="files of the big project")
    parser.add_argument("--seconds", type=float, default=10, help="duration of each run")
    parser.add_argument("--warmup", type=float, default=2, help="unrecorded run before each")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--uploads", type=int, default=100, help="most uploads per server")
    parser.add_argument("--upload-seconds", type=float, default=30, help="upload time cap")
    parser.add_argument("--upload-concurrency", type=int, default=2)
    parser.add_argument("--bastion-workers", type=int, default=1)
    parser.add_argument("--bastion-threads", type=int, default=8)
    parser.add_argument("--servers", default="bastion,pypiserver,devpi")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--cache-dir", type=Path, default=HERE / ".cache")
    parser.add_argument("--no-write", action="store_true", help="only print the tables")
    parser.add_argument("--refill", action="store_true", help="rebuild cached fills")
    parser.add_argument("--devpi-fill-seconds", type=float, default=1800)
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 300 projects, short runs, one round"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.projects, args.big_files, args.seconds, args.warmup = [300], 50, 3, 1
        args.rounds, args.uploads, args.upload_seconds = 1, 10, 10
    use_wrk = args.loadgen == "wrk" or (args.loadgen == "auto" and load.has_wrk())
    today = datetime.datetime.now(tz=datetime.UTC).date().isoformat()
    suffix = "-quick" if args.quick else ""
    return Options(
        sizes=sorted(args.projects),
        big_files=args.big_files,
        seconds=args.seconds,
        warmup=args.warmup,
        rounds=args.rounds,
        connections=args.connections,
        wrk_threads=args.wrk_threads,
        uploads=args.uploads,
        upload_seconds=args.upload_seconds,
        upload_concurrency=args.upload_concurrency,
        bastion_workers=args.bastion_workers,
        bastion_threads=args.bastion_threads,
        servers=[s for s in args.servers.split(",") if s],
        use_wrk=use_wrk,
        cache_dir=args.cache_dir.resolve(),
        results=None if args.no_write else HERE / "results" / f"serve-{today}{suffix}.md",
        refill=args.refill,
        devpi_fill_seconds=args.devpi_fill_seconds,
    )


# --- filling ---------------------------------------------------------------------------------


def fill_key(server: str, projects: int, big_files: int, devpi_version: str) -> str:
    """The cache key of one server's fill: what its data depends on, and nothing else.

    Bastion's depends on its migrations, devpi's on devpi's version, pypiserver's on the corpus
    only: a new Bastion migration refills Bastion, not devpi (a 10,000-project devpi fill
    takes several minutes).
    """
    parts = [str(FILL_FORMAT), server, str(projects), str(big_files)]
    if server == "bastion":
        migrations = REPO / "src" / "bastion" / "db" / "migrations" / "versions"
        parts.append(",".join(sorted(p.name for p in migrations.glob("*.py"))))
    elif server == "devpi":
        parts.append(devpi_version)
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:10]
    return f"{server}-{projects}-{big_files}-{digest}"


def ensure_fill(
    options: Options, projects: int, devpi_bin: Path | None
) -> tuple[dict[str, Path], dict[str, int]]:
    """Each server's filled data for this size (built once, then reused from the cache).

    Returns where each server's filled directory is (`<root>/<server>/`, copied for each run),
    and how many wheels the corpus has and devpi holds.
    """
    devpi_version = servers.installed_version(devpi_bin, "devpi-server") if devpi_bin else "-"
    wheels: list[dists.Wheel] | None = None
    roots: dict[str, Path] = {}
    info = {"wheels": 0, "devpi_uploaded": 0}
    for server in options.servers:
        key = fill_key(server, projects, options.big_files, devpi_version)
        root = options.cache_dir / "fill" / key
        roots[server] = root / server
        done = root / "done.json"
        if done.is_file() and not options.refill:
            info.update(json.loads(done.read_text()))
            continue
        # This fill replaces any other of the same server and size (an older migration set
        # or devpi version): a 10,000-project fill takes about 1 GB.
        for stale in root.parent.glob(f"{server}-{projects}-{options.big_files}-*"):
            shutil.rmtree(stale, ignore_errors=True)
        root.mkdir(parents=True)
        if wheels is None:
            wheels = dists.corpus(projects, options.big_files)
        print(
            f"Filling {server}: {projects:,} projects + 1 with {options.big_files} files",
            flush=True,
        )
        started = time.monotonic()
        done_info = {"wheels": len(wheels)}
        if server == "bastion":
            fill.fill_bastion(root / server, wheels)
        elif server == "pypiserver":
            fill.fill_pypiserver(root / server / "packages", wheels)
        elif server == "devpi" and devpi_bin is not None:
            done_info["devpi_uploaded"] = fill.fill_devpi(
                devpi_bin, root / server / "server", wheels, max_seconds=options.devpi_fill_seconds
            )
        print(f"  {server}: {time.monotonic() - started:.0f}s", flush=True)
        done.write_text(json.dumps(done_info))
        info.update(done_info)
    return roots, info


# --- servers ---------------------------------------------------------------------------------


def start_servers(
    options: Options, run_dir: Path, bins: dict[str, Path]
) -> dict[str, servers.Server]:
    started: dict[str, servers.Server] = {}
    logs = run_dir / "logs"
    if "bastion" in options.servers:
        cli = fill.bastion_cli(run_dir / "bastion")
        # A no-op unless a migration was added since the fill (src/ may change during a run).
        subprocess.run([*cli, "db", "upgrade"], check=True, capture_output=True)
        # An account-wide API token, for the uploads twine sends as __token__.
        token = subprocess.run(
            [*cli, "token", "create", fill.USERNAME, "--name", "benchmark"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        (run_dir / BASTION_TOKEN_FILE).write_text(token)
        port = servers.free_port()
        command = [*fill.bastion_cli(run_dir / "bastion"), "serve", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--workers", str(options.bastion_workers)]
        command += ["--threads", str(options.bastion_threads)]
        started["bastion"] = servers.start(
            "bastion",
            command,
            port=port,
            simple_root="/simple/",
            upload_path="/legacy/",
            log_path=logs / "bastion.log",
            env=BASTION_SERVE_ENV,
        )
    if "pypiserver" in options.servers:
        port = servers.free_port()
        base = run_dir / "pypiserver"
        command = [str(bins["pypiserver"] / "pypi-server"), "run", "-i", "127.0.0.1"]
        command += ["-p", str(port), "-a", "update", "-P", str(base / "htpasswd")]
        command += [str(base / "packages")]
        started["pypiserver"] = servers.start(
            "pypiserver",
            command,
            port=port,
            simple_root="/simple/",
            upload_path="/",
            log_path=logs / "pypiserver.log",
        )
    if "devpi" in options.servers:
        started["devpi"] = fill.start_devpi(
            bins["devpi"], run_dir / "devpi" / "server", logs / "devpi.log"
        )
    return started


def requests_for(server: servers.Server, projects: int, big_files: int) -> dict[str, Request]:
    """Each endpoint's paths and headers on `server`, checked to serve the full corpus."""
    root = server.simple_root
    middle = dists.project_name(projects // 2)
    project_path = f"{root}{middle}/"
    every = [f"{root}{dists.project_name(i)}/" for i in range(projects)]
    random.Random(projects).shuffle(every)  # noqa: S311 - a fixed order, not a secret
    found: dict[str, Request] = {
        "index": Request([root], {}),
        "project": Request([project_path], {}),
        "every-project": Request(every, {}),
        "big": Request([f"{root}{dists.BIG_PROJECT}/"], {}),
    }
    status, _headers, body = servers.http_get(server.port, root)
    listed = body.count(b"<a ")
    _check(status == 200 and listed == projects + 1, server, f"{root} lists {listed} projects")
    status, _headers, body = servers.http_get(server.port, found["big"].paths[0])
    links = body.count(b"<a ")
    _check(status == 200 and links == big_files, server, f"big project has {links} links")
    status, _headers, body = servers.http_get(server.port, project_path)
    href = re.search(rb'href="([^"#]+)', body)
    _check(status == 200 and href is not None, server, f"{project_path} answered {status}")
    assert href is not None  # noqa: S101 - narrowed for the type checker
    file_path = urlsplit(urljoin(f"http://127.0.0.1{project_path}", href.group(1).decode())).path
    status, _headers, content = servers.http_get(server.port, file_path)
    expected = dists.build_wheel(middle, "1.0").content
    _check(status == 200 and content == expected, server, f"{file_path} is not the wheel")
    found["download"] = Request([file_path], {})
    status, headers, _body = servers.http_get(server.port, project_path, {"Accept": JSON_ACCEPT})
    if status == 200 and headers.get("content-type", "").startswith(JSON_ACCEPT):
        found["project-json"] = Request([project_path], {"Accept": JSON_ACCEPT})
    return found


def _check(condition: bool, server: servers.Server, message: str) -> None:  # noqa: FBT001
    if not condition:
        raise RuntimeError(f"{server.name}: {message}; see {server.log_path}")


# --- measuring -------------------------------------------------------------------------------


def measure(
    options: Options, server: servers.Server, request: Request, seconds: float, start: int = 0
) -> tuple[report.Sample, int]:
    """One run of `request` on `server`, from its `start`-th path: the sample and the requests.

    A run with several paths goes on from where the last one stopped (the caller passes the
    requests made so far as `start`): restarted from the first path, every run would ask again
    for what the last one cached, and the "each project in turn" row would measure the cache.
    """
    offset = start % len(request.paths)
    paths = request.paths[offset:] + request.paths[:offset]
    cpu_before = servers.cpu_seconds(server.pid)
    result = load.run(
        server.port,
        paths,
        request.headers,
        seconds=seconds,
        connections=options.connections,
        wrk_threads=options.wrk_threads,
        use_wrk=options.use_wrk,
    )
    cpu = servers.cpu_seconds(server.pid) - cpu_before
    cpu_ms = cpu * 1000 / result.requests if result.requests else 0.0
    sample = report.Sample(result.rps, result.p50_ms, result.p99_ms, cpu_ms, result.errors)
    return sample, result.requests


def measure_size(options: Options, projects: int, bins: dict[str, Path]) -> report.SizeResults:
    fill_roots, info = ensure_fill(options, projects, bins.get("devpi"))
    run_dir = options.cache_dir / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    for name in ("bastion", "pypiserver", "devpi"):
        if name in options.servers:
            subprocess.run(["cp", "-a", str(fill_roots[name]), str(run_dir / name)], check=True)
    results = report.SizeResults(projects, list(options.servers), ENDPOINTS)
    load_before = os.getloadavg()[0]
    if load_before > 1.5:
        print(f"  warning: load average {load_before:.1f}: other work shares the CPUs", flush=True)
    if "devpi" in options.servers and info["devpi_uploaded"] < info["wheels"]:
        results.notes.append(
            f"devpi holds only {info['devpi_uploaded']} of {info['wheels']} files "
            f"(fill capped at {options.devpi_fill_seconds:.0f}s)"
        )
    running = start_servers(options, run_dir, bins)
    try:
        measure_reads(options, running, results)
        for name, server in running.items():
            mem = servers.memory(server.pid)
            results.rss_mib[name], results.pss_mib[name] = mem.rss_mib, mem.pss_mib
        measure_uploads(options, running, results)
        for name, server in running.items():
            results.rss_after_uploads_mib[name] = servers.memory(server.pid).rss_mib
            breakdown = servers.memory_breakdown(server.pid)
            if len(breakdown) > 1:
                shown = ", ".join(f"{label} {rss:.0f}" for label, rss in breakdown)
                results.notes.append(f"{name} processes after the uploads, RSS MiB: {shown}")
    finally:
        for server in running.values():
            server.stop()
    # The servers' logs are kept (the last run's of each size); the data copies are not.
    logs = options.cache_dir / "logs" / str(projects)
    shutil.rmtree(logs, ignore_errors=True)
    if (run_dir / "logs").is_dir():
        shutil.copytree(run_dir / "logs", logs)
    shutil.rmtree(run_dir, ignore_errors=True)
    results.notes.append(
        f"1-minute load average {load_before:.1f} before the runs, {os.getloadavg()[0]:.1f} after "
        "(about 1 is wrk plus the server under test; more means other work shared the CPUs)"
    )
    return results


def measure_reads(
    options: Options, running: dict[str, servers.Server], results: report.SizeResults
) -> None:
    """Every endpoint: a warm-up per server, then rounds that interleave the servers."""
    plans = {
        name: requests_for(server, results.projects, options.big_files)
        for name, server in running.items()
    }
    for key, label in ENDPOINTS:
        serving = [name for name in options.servers if key in plans[name]]
        done = dict.fromkeys(serving, 0)  # requests so far: where the next run starts
        for name in serving:
            _, done[name] = measure(options, running[name], plans[name][key], options.warmup)
        for round_number in range(options.rounds):
            for name in serving:
                sample, requests = measure(
                    options, running[name], plans[name][key], options.seconds, done[name]
                )
                done[name] += requests
                results.samples.setdefault((key, name), []).append(sample)
                print(
                    f"  {results.projects:>6,} {label:<40} {name:<10} round {round_number + 1}: "
                    f"{sample.rps:8,.0f} req/s  p50 {sample.p50_ms:6.1f} ms  "
                    f"p99 {sample.p99_ms:6.1f} ms  {sample.cpu_ms:5.2f} CPU ms/req"
                    + (f"  {sample.errors} errors" if sample.errors else ""),
                    flush=True,
                )


def measure_uploads(
    options: Options, running: dict[str, servers.Server], results: report.SizeResults
) -> None:
    """Uploads of new projects' wheels over HTTP, bounded in count and time per server."""
    basic = uploads.basic_auth(fill.USERNAME, fill.PASSWORD)
    token_auth: dict[str, Callable[[servers.Server], dict[str, str]]] = {
        # twine's `-u __token__ -p <token>`: HTTP Basic, but no password hash to check.
        "bastion": lambda _server: uploads.basic_auth(
            "__token__", (options.cache_dir / "run" / BASTION_TOKEN_FILE).read_text().strip()
        ),
        # devpi-client logs in once, then sends a signed token with each request.
        "devpi": lambda server: fill.devpi_login(server.port),
    }
    runs = [("basic", results.uploads_per_s), ("token", results.uploads_token_per_s)]
    for kind, table in runs:
        for name, server in running.items():
            if kind == "token" and name not in token_auth:
                continue
            auth = token_auth[name](server) if kind == "token" else basic
            target = uploads.Target(server.port, server.upload_path, auth)
            wheels = dists.upload_wheels(f"upload-{kind}-{name}", options.uploads)
            run = uploads.upload_all(
                target,
                wheels,
                concurrency=options.upload_concurrency,
                max_seconds=options.upload_seconds,
            )
            table[name] = run.per_second
            print(
                f"  uploads ({kind}) {name:<10}: {run.uploaded} in {run.seconds:.1f}s = "
                f"{run.per_second:.1f}/s"
                + (f", {run.failed} failed (first: {run.first_error})" if run.failed else ""),
                flush=True,
            )
            if run.failed:
                results.notes.append(f"{name} uploads ({kind}): {run.failed} failed")


# --- main ------------------------------------------------------------------------------------


def environment(options: Options, bins: dict[str, Path]) -> list[str]:
    versions = [report.bastion_version(REPO)]
    for name, distribution in (("pypiserver", "pypiserver"), ("devpi", "devpi-server")):
        if name in bins:
            versions.append(f"{distribution} {servers.installed_version(bins[name], distribution)}")
    if options.use_wrk:
        wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        loadgen = (wrk.stdout or wrk.stderr).split("\n")[0].split(" Copyright")[0]
        loadgen += f", {options.wrk_threads} thread(s)"
    else:
        loadgen = "Python keep-alive client (wrk not installed)"
    return [
        report.machine_line(),
        f"- software: {', '.join(versions)}",
        (
            f"- load: {loadgen}, {options.connections} connections, {options.seconds:g}s per "
            f"run, {options.rounds} interleaved round(s), {options.warmup:g}s warm-up each; "
            "medians of the rounds shown"
        ),
        (
            f"- Bastion: `bastion serve --workers {options.bastion_workers} --threads "
            f"{options.bastion_threads}` (gunicorn gthread), SQLite; pypiserver: `pypi-server "
            "run` (waitress via 'auto', cached-dir backend), htpasswd for uploads; "
            "devpi-server: defaults (waitress, 50 threads)"
        ),
        (
            f"- uploads: new projects, one 1.7 KB wheel each, at most {options.uploads} per "
            f"server or {options.upload_seconds:g}s, {options.upload_concurrency} clients at once"
        ),
        (
            "- ratios are Bastion / peer: above 1 is better for req/s and uploads/s, "
            "below 1 is better for latency, CPU and memory"
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    try:
        import bastion  # noqa: F401, PLC0415
    except ImportError:
        sys.exit("Run this with the project's venv: .venv/bin/python benchmarks/serve.py")
    bins: dict[str, Path] = {}
    if "pypiserver" in options.servers:
        venv = options.cache_dir / "venvs" / "pypiserver"
        bins["pypiserver"] = servers.ensure_venv(venv, PYPISERVER_REQUIREMENTS)
    if "devpi" in options.servers:
        venv = options.cache_dir / "venvs" / "devpi"
        bins["devpi"] = servers.ensure_venv(venv, DEVPI_REQUIREMENTS)
    header = environment(options, bins)
    all_results: list[report.SizeResults] = []
    for projects in options.sizes:
        all_results.append(measure_size(options, projects, bins))
        # Written after each size, so a failure later keeps what was measured.
        document = render(header, all_results, pending=options.sizes[len(all_results) :])
        if options.results is not None:
            options.results.parent.mkdir(parents=True, exist_ok=True)
            options.results.write_text(document + "\n")
    print("\n" + document)
    if options.results is not None:
        print(f"\nWritten to {options.results.relative_to(REPO)}")
    return 0


def render(header: list[str], all_results: list[report.SizeResults], pending: list[int]) -> str:
    """The Markdown document for the sizes measured so far."""
    sections = [report.size_table(r) for r in all_results]
    scaling = report.scaling_table(all_results, ENDPOINTS)
    if scaling:
        sections.append(scaling)
    targets = report.target_lines(
        all_results, project_key="project", flat_keys=["project", "project-json", "download"]
    )
    now = datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"## Serving benchmark, {now}", "\n".join(header), *sections, "\n".join(targets)]
    if pending:
        parts.append(f"Incomplete: {', '.join(f'{n:,}' for n in pending)} projects not measured.")
    return "\n\n".join(parts)


if __name__ == "__main__":
    raise SystemExit(main())
