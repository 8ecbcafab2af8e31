"""What benchmarks/detection.py scans, and the two scanners it runs on it.

**Honest files** are the newest wheel of each of the most-downloaded projects and, for the top
names, their newest sdist, downloaded once into a cache outside the repo
(`~/.cache/bastion-bench/honest/`) and listed in its `manifest.json` (name, kind, file, sha256,
size). Wheels come from `pip download --no-deps --only-binary :all:` for CPython 3.11 on Linux,
else on macOS or Windows (`WHEEL_TARGETS`); a project with none is recorded and not asked
again. No sdist goes through pip, which would build its metadata (run its build backend) before
saving it: `fetch_sdist` reads the registry's PEP 691 JSON page, takes the newest non-yanked
`.tar.gz` (a final release if there is one) and checks its sha256 against the page. pip runs
without this machine's config file and local wheel folders: every file is the registry's own.

**Malware samples** are read from the encrypted corpus zip as bytes (`shared/corpus/README.md`)
and written, still packed, one per directory under a temporary directory outside the project
tree, which `staged_corpus` deletes when the run ends, however it ends. Nothing here opens,
unpacks, imports or runs a sample.

**The scanners** turn each file into a `Verdict`: Bastion's `bastion scan --json` on batches of
paths (`run_bastion`), GuardDog's `guarddog pypi scan --output-format json` one file per process
(`run_guarddog`, installed into a throwaway venv by `ensure_guarddog`), read two ways
(`guarddog_verdicts`).
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import csv
import dataclasses
import datetime
import hashlib
import json
import math
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path, PurePosixPath
from typing import Any

from inspect_bench import registry_env, top_projects
from packaging.utils import InvalidSdistFilename, canonicalize_name, parse_sdist_filename
from packaging.version import InvalidVersion

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_CACHE = Path.home() / ".cache" / "bastion-bench" / "honest"
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
CORPUS_PASSWORD = b"infected"
WHEEL, SDIST = "wheel", "sdist"
# Honest projects that legitimately do what malware does: spawn processes, download or compile
# at build time, ship executables and shared libraries. Always in the honest set.
HARD_HONEST: tuple[str, ...] = (
    "setuptools",
    "pip",
    "virtualenv",
    "pyinstaller",
    "psutil",
    "pillow",
)
HARD_HONEST += ("selenium", "paramiko", "awscli")
# Only bytes are scanned, so any platform will do, Linux preferred: pip ranks a wheel for an
# older CPython above one for a platform named later (psutil's cp37-abi3-win_amd64 above its
# cp36-abi3-manylinux), so Linux is asked first (glibc, newest first, then musl) and macOS and
# Windows only for a project with no Linux wheel. pip widens a macosx tag to older macOS
# versions and manylinux2014 to manylinux2010/1, but not manylinux_2_N to older glibc, so each
# is named; a pure wheel (py3-none-any) matches any platform.
LINUX_PLATFORMS = (
    *(f"manylinux_2_{minor}_x86_64" for minor in range(39, 16, -1)),
    "manylinux2014_x86_64",
    "musllinux_1_2_x86_64",
    "musllinux_1_1_x86_64",
)
OTHER_PLATFORMS = ("macosx_14_0_arm64", "macosx_14_0_x86_64", "win_amd64")
WHEEL_TARGETS = tuple(
    ("--python-version", "3.11", "--implementation", "cp", *(f"--platform={tag}" for tag in tags))
    for tags in (LINUX_PLATFORMS, OTHER_PLATFORMS)
)
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
_CHUNK = 1024 * 1024
# pip's words when the index has nothing for the target: permanent, so remembered.
_NO_WHEEL_MARKERS = ("No matching distribution found", "Could not find a version that satisfies")


# -- honest packages -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class HonestFile:
    """One cached file of an honest project."""

    name: str
    kind: str  # WHEEL or SDIST
    file: str  # its name in <cache>/files/
    sha256: str
    size: int


@dataclasses.dataclass
class HonestSet:
    """What the honest side holds for a run, and what it could not get."""

    files: list[HonestFile]
    no_wheel: list[str]  # projects with no wheel for any target (skipped)
    failed: list[tuple[str, str, str]]  # (name, kind, reason); tried again on the next run
    not_attempted: int  # left for the next run when the download budget ran out
    downloaded: int
    download_s: float


class _NoWheelError(Exception):
    """The index has no wheel of the project for any of WHEEL_TARGETS."""


def honest_names(ranking: Path, count: int, sdist_count: int) -> tuple[list[str], set[str]]:
    """The `count` most-downloaded names plus HARD_HONEST, and the names whose sdist is wanted:
    the `sdist_count` best-ranked ones and HARD_HONEST (trusted top names: their sdists are
    fetched as bytes and never built)."""
    ranked = top_projects(ranking, max(count, sdist_count))
    names = ranked[:count] + [n for n in HARD_HONEST if n not in ranked[:count]]
    return names, set(ranked[:sdist_count]) | set(HARD_HONEST)


def run_captured(argv: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
    """`subprocess.run` with output captured as text, whatever the exit status."""
    return subprocess.run(argv, capture_output=True, text=True, check=False, **options)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_wheel(name: str, files: Path, timeout_s: float) -> HonestFile:
    """Download `name`'s newest wheel for the first of WHEEL_TARGETS that has one into `files`.

    Raises:
        _NoWheelError: the index has none for any target.
        RuntimeError: pip failed otherwise, or timed out.
    """
    with tempfile.TemporaryDirectory(dir=files.parent, prefix="download-") as scratch:
        for target in WHEEL_TARGETS:
            argv = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
            argv += [*target, "--dest", scratch, "--quiet", "--progress-bar", "off", name]
            try:
                done = run_captured(argv, timeout=timeout_s, env=registry_env())
            except subprocess.TimeoutExpired as exc:
                raise RuntimeError(f"pip timed out after {timeout_s:.0f} s") from exc
            if done.returncode == 0:
                break
            if not any(marker in done.stderr for marker in _NO_WHEEL_MARKERS):
                lines = [line for line in done.stderr.splitlines() if line.strip()]
                raise RuntimeError((lines[-1] if lines else f"pip exit {done.returncode}")[:300])
        else:
            raise _NoWheelError(name)
        found = [p for p in Path(scratch).iterdir() if p.name.endswith(".whl")]
        if len(found) != 1:
            raise RuntimeError(f"expected one wheel, pip saved {sorted(p.name for p in found)}")
        sha256, size = _sha256_of(found[0]), found[0].stat().st_size
        shutil.move(found[0], files / found[0].name)
        return HonestFile(name, WHEEL, found[0].name, sha256, size)


def _is_sdist_of(name: str, filename: str) -> bool:
    """Whether `filename` is a `.tar.gz` sdist of project `name`. The name is checked because
    the version is what follows the last hyphen: `selenium-2.0-dev-9429.tar.gz` would otherwise
    be version 9429 of a project `selenium-2.0-dev`, newer than any real release."""
    if not filename.endswith(".tar.gz"):
        return False
    try:
        parsed_name, _ = parse_sdist_filename(filename)
    except (InvalidSdistFilename, InvalidVersion):
        return False
    return canonicalize_name(parsed_name) == canonicalize_name(name)


def fetch_sdist(name: str, files: Path, timeout_s: float, index_url: str) -> HonestFile:
    """Download `name`'s newest `.tar.gz` sdist, found on its PEP 691 JSON page, into `files`.

    Raises:
        LookupError: the page lists no usable sdist.
        ValueError: the bytes do not match the page's sha256.
        OSError: the registry could not be reached (urllib's errors are OSErrors).
    """
    page_url = f"{index_url.rstrip('/')}/{canonicalize_name(name)}/"
    headers = {"Accept": SIMPLE_JSON, "User-Agent": "bastion-bench/1"}
    page_request = urllib.request.Request(page_url, headers=headers)
    with urllib.request.urlopen(page_request, timeout=60) as response:
        page = json.load(response)
    candidates = []
    for entry in page.get("files", []):
        filename = entry["filename"]
        if entry.get("yanked") or not _is_sdist_of(name, filename):
            continue
        _, version = parse_sdist_filename(filename)
        # A final release beats any pre-release; then the highest version.
        candidates.append(((not version.is_prerelease, version), entry))
    if not candidates:
        raise LookupError(f"no .tar.gz sdist of {name} on {page_url}")
    entry = max(candidates, key=lambda pair: pair[0])[1]
    expected = entry.get("hashes", {}).get("sha256")
    if not expected:
        raise LookupError(f"{entry['filename']} has no sha256 on the index page")
    url = urllib.parse.urljoin(page_url, entry["url"])
    target = files / entry["filename"]
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    download = urllib.request.Request(url, headers={"User-Agent": "bastion-bench/1"})
    with urllib.request.urlopen(download, timeout=timeout_s) as response, partial.open("wb") as out:
        while chunk := response.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != expected:
        partial.unlink()
        raise ValueError(f"{entry['filename']} does not match the index's sha256")
    partial.replace(target)
    return HonestFile(name, SDIST, target.name, expected, target.stat().st_size)


class HonestCache:
    """The download cache: `files/` and `manifest.json` (files fetched, projects without wheel)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = root / "files"
        self.files.mkdir(parents=True, exist_ok=True)
        self._manifest_path = root / "manifest.json"
        path = self._manifest_path
        manifest = json.loads(path.read_text()) if path.exists() else {}
        entries = [HonestFile(**e) for e in manifest.get("files", [])]
        # An sdist picked by an older, looser rule is fetched again.
        self.entries = {
            (e.name, e.kind): e for e in entries if e.kind == WHEEL or _is_sdist_of(e.name, e.file)
        }
        self.no_wheel: dict[str, str] = manifest.get("no_wheel", {})

    def cached(self, name: str, kind: str) -> HonestFile | None:
        """The cached file, if it is there with its recorded size."""
        entry = self.entries.get((name, kind))
        path = self.files / entry.file if entry else None
        if entry and path and path.is_file() and path.stat().st_size == entry.size:
            return entry
        return None

    def add(self, entry: HonestFile) -> None:
        """Record a downloaded file; the manifest is rewritten so an interrupted run keeps it."""
        self.entries[entry.name, entry.kind] = entry
        self.save()

    def save(self) -> None:
        """Write manifest.json atomically."""
        manifest = {
            "wheel_targets": [" ".join(target) for target in WHEEL_TARGETS],
            "files": [dataclasses.asdict(e) for _, e in sorted(self.entries.items())],
            "no_wheel": dict(sorted(self.no_wheel.items())),
        }
        partial = self._manifest_path.with_suffix(".part")
        partial.write_text(json.dumps(manifest, indent=1))
        partial.replace(self._manifest_path)

    def size_bytes(self) -> int:
        """Bytes held in files/."""
        return sum(p.stat().st_size for p in self.files.iterdir() if p.is_file())


def _record(cache: HonestCache, name: str, outcome: Future[HonestFile | None]) -> str:
    """Keep one download's outcome in the cache; return "" or why it failed."""
    try:
        entry = outcome.result()
    except _NoWheelError:
        today = datetime.datetime.now(datetime.UTC).date().isoformat()
        cache.no_wheel[name] = f"no wheel for any target ({today})"
        cache.save()
    except Exception as exc:  # noqa: BLE001 - reported, tried again on the next run
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    else:
        if entry is not None:
            cache.add(entry)
    return ""


def ensure_honest(
    cache: HonestCache,
    names: list[str],
    sdist_names: set[str],
    *,
    jobs: int,
    budget_s: float,
    timeout_s: float,
    index_url: str,
    offline: bool,
) -> HonestSet:
    """Every wanted file of `names`, from the cache or downloaded `jobs` at a time. No new
    download starts after `budget_s` seconds; what is left waits for the next run."""
    wanted = [(n, WHEEL) for n in names] + [(n, SDIST) for n in names if n in sdist_names]
    missing = [
        (n, k)
        for n, k in wanted
        if not cache.cached(n, k) and not (k == WHEEL and n in cache.no_wheel)
    ]
    failed = [(n, k, "not in the cache (--offline)") for n, k in missing if offline]
    missing = [] if offline else missing
    start = time.monotonic()
    over_budget: list[tuple[str, str]] = []
    if missing:
        print(f"downloading {len(missing)} files, {jobs} at a time, into {cache.files}")

    def fetch_one(name: str, kind: str) -> HonestFile | None:
        if time.monotonic() - start > budget_s:
            over_budget.append((name, kind))
            return None
        if kind == WHEEL:
            return fetch_wheel(name, cache.files, timeout_s)
        return fetch_sdist(name, cache.files, timeout_s, index_url)

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(fetch_one, n, k): (n, k) for n, k in missing}
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            name, kind = futures[future]
            if reason := _record(cache, name, future):
                failed.append((name, kind, reason))
            if done % 50 == 0 or done == len(missing):
                print(f"  [{done}/{len(missing)}] {time.monotonic() - start:.0f} s")
    return HonestSet(
        files=[e for n, k in wanted if (e := cache.cached(n, k))],
        no_wheel=sorted(n for n in names if n in cache.no_wheel),
        failed=failed,
        not_attempted=len(over_budget),
        downloaded=sum(1 for n, k in missing if cache.cached(n, k)),
        download_s=time.monotonic() - start,
    )


# -- malware corpus ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CorpusSample:
    """One row of malware-train.tsv."""

    path_in_zip: str
    package: str
    version: str
    cluster_id: str
    cluster_size: int
    where_code_runs: str
    sha256: str


def read_corpus(tsv: Path) -> list[CorpusSample]:
    """Every row of the corpus TSV, in file order."""
    columns = [field.name for field in dataclasses.fields(CorpusSample)]
    with tsv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    samples = []
    for row in rows:
        values: dict[str, Any] = {c: row[c] for c in columns}
        values["cluster_size"] = int(values["cluster_size"])
        samples.append(CorpusSample(**values))
    return samples


def _archive_name(path_in_zip: str) -> str:
    """The sample's file name as uploaded, kept for scanners that go by the name; a name that
    could leave its directory is replaced."""
    name = PurePosixPath(path_in_zip).name
    unsafe = name in {"", ".", ".."} or any(c in name for c in "/\\\0")
    return "sample.bin" if unsafe else name


@contextlib.contextmanager
def staged_corpus(
    zip_path: Path, samples: list[CorpusSample]
) -> Iterator[dict[Path, CorpusSample]]:
    """Write each sample's archive bytes (never its contents) to `<tmp>/<index>/<file name>`,
    read-only, in a new directory under the system's temporary directory, and yield where each
    went. The directory is deleted on exit, also on an exception or Ctrl-C.

    Raises:
        RuntimeError: the temporary directory would be inside the project tree.
        ValueError: a sample's bytes do not match the TSV's sha256.
    """
    if not samples:
        yield {}
        return
    scratch = Path(tempfile.mkdtemp(prefix="bastion-detection-corpus-")).resolve()
    try:
        if scratch.is_relative_to(REPO):
            raise RuntimeError(f"the temporary directory {scratch} is inside the project tree")
        staged: dict[Path, CorpusSample] = {}
        with zipfile.ZipFile(zip_path) as archive:
            for index, sample in enumerate(samples):
                data = archive.read(sample.path_in_zip, pwd=CORPUS_PASSWORD)
                if hashlib.sha256(data).hexdigest() != sample.sha256:
                    raise ValueError(f"{sample.path_in_zip} does not match its sha256 in the TSV")
                directory = scratch / f"{index:04d}"
                directory.mkdir()
                path = directory / _archive_name(sample.path_in_zip)
                path.write_bytes(data)
                path.chmod(0o400)
                staged[path] = sample
        yield staged
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if scratch.exists():
            print(f"WARNING: could not delete {scratch}: delete it by hand", file=sys.stderr)


# -- the scanners --------------------------------------------------------------------------

# GuardDog 3's package label (risk_score.label; score < 5 low, < 7 suspicious, else high_risk).
GUARDDOG_LABELS = {"no_risks_detected": "pass", "low": "pass", "suspicious": "review"}
GUARDDOG_LABELS["high_risk"] = "block"
SEVERITY_WEIGHT = {"low": 1.0, "medium": 2.0, "high": 3.0}


@dataclasses.dataclass
class Verdict:
    """One scanner on one file."""

    verdict: str  # pass, review, block or error
    ms: float  # NaN when the scanner died before reporting one
    findings: list[tuple[str, float]] = dataclasses.field(default_factory=list)  # (rule, weight)
    score: float | None = None
    error: str | None = None

    def first_rules(self, count: int = 3) -> list[str]:
        """Rule ids in the order found, without repeats."""
        return list(dict.fromkeys(rule for rule, _ in self.findings))[:count]

    def top_rules(self, count: int = 3) -> list[str]:
        """Rule ids by summed weight, heaviest first, with how often each matched."""
        weight: dict[str, float] = collections.defaultdict(float)
        for rule, w in self.findings:
            weight[rule] += w
        hits = collections.Counter(rule for rule, _ in self.findings)
        ranked = sorted(weight, key=lambda r: -weight[r])[:count]
        return [f"{r} x{hits[r]}" if hits[r] > 1 else r for r in ranked]


class ScannerUnavailableError(Exception):
    """The scanner gave no result for any file of its first batch."""


def default_scanner_cmd() -> list[str]:
    """`bastion scan --json` from the interpreter's own bin/ (the project venv's)."""
    return [str(Path(sys.executable).parent / "bastion"), "scan", "--json"]


def _text(value: str | bytes | None) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value or ""


def _bastion_verdict(line: dict[str, Any]) -> Verdict:
    verdict = line.get("verdict")
    findings = [(str(f.get("rule")), float(f.get("weight") or 0)) for f in line.get("findings", [])]
    ms = float(line["ms"]) if line.get("ms") is not None else math.nan
    if verdict not in {"pass", "review", "block", "error"}:
        return Verdict("error", ms, findings, error=f"unknown verdict {verdict!r}")
    error = str(line.get("error") or "no message") if verdict == "error" else None
    return Verdict(verdict, ms, findings, score=line.get("score"), error=error)


def _bastion_batch(
    cmd: list[str], chunk: list[Path], timeout_s: float
) -> tuple[dict[Path, Verdict], str | None]:
    """Results for the paths the scanner answered, and why the process failed (None if not)."""
    by_name = {str(p): p for p in chunk} | {str(p.resolve()): p for p in chunk}
    failure = None
    try:
        done = run_captured([*cmd, *map(str, chunk)], timeout=timeout_s)
        stdout, stderr = done.stdout, done.stderr
        if done.returncode != 0:
            failure = f"exit status {done.returncode}"
    except FileNotFoundError:
        return {}, f"{cmd[0]} not found"
    except subprocess.TimeoutExpired as exc:
        stdout, stderr = _text(exc.stdout), _text(exc.stderr)
        failure = f"timed out after {timeout_s:.0f} s"
    results = {}
    for raw in stdout.splitlines():
        try:
            line = json.loads(raw)
        except json.JSONDecodeError:
            continue
        # The path as given; a scanner that prints it resolved or relative is matched too.
        said = str(line.get("path")) if isinstance(line, dict) else ""
        path = by_name.get(said) or by_name.get(str(Path(said).resolve()))
        if path and said:
            results[path] = _bastion_verdict(line)
    if failure:
        last = [s for s in stderr.splitlines() if s.strip()][-1:] or [""]
        failure = f"{failure}: {last[0][:200]}".rstrip(": ")
    return results, failure


def run_bastion(
    cmd: list[str], paths: list[Path], *, batch: int, timeout_s: float
) -> tuple[dict[Path, Verdict], float]:
    """Scan `paths` in processes of `batch` paths; return the verdicts and the wall seconds.

    Raises:
        ScannerUnavailableError: the first batch gave no result at all.
    """
    results: dict[Path, Verdict] = {}
    start = time.perf_counter()
    for first in range(0, len(paths), batch):
        chunk = paths[first : first + batch]
        got, failure = _bastion_batch(cmd, chunk, timeout_s * len(chunk))
        if not got and failure and first == 0:
            raise ScannerUnavailableError(f"`{shlex.join(cmd)} PATH...`: {failure}")
        for path in (p for p in chunk if p not in got):
            if len(chunk) > 1 and failure:  # find out which file the process died on
                one, why = _bastion_batch(cmd, [path], timeout_s)
                got[path] = one.get(path) or Verdict("error", math.nan, error=why or "no result")
            else:
                got[path] = Verdict("error", math.nan, error=failure or "no result for this path")
        results.update(got)
        print(f"  bastion: {len(results)}/{len(paths)}, {time.perf_counter() - start:.0f} s")
    return results, time.perf_counter() - start


def guarddog_verdicts(report: dict[str, Any], ms: float) -> tuple[Verdict, Verdict]:
    """Two readings of one GuardDog JSON report, as (label, risks) verdicts.

    GuardDog 3 matches YARA/Semgrep rules ("capabilities", such as any network call, and
    "threats"), pairs them into *risks* with a severity (low, medium, high), and scores the
    package 0-10 with a label. Raw rule matches (`issues`, `results`) are not findings here:
    nearly every package has capabilities (six matches `capability-process-spawn`).

    - label: GuardDog's own verdict. `high_risk` -> block, `suspicious` -> review, `low` and
      `no_risks_detected` -> pass.
    - risks: any risk of severity high -> block, any risk at all -> review, none -> pass.
    """
    score = report.get("risk_score") or {}
    risks = report.get("risks") or []
    findings = [
        (str(r.get("threat_rule")), SEVERITY_WEIGHT.get(r.get("severity"), 0.0)) for r in risks
    ]
    label = score.get("label")
    if label in GUARDDOG_LABELS:
        by_label = Verdict(GUARDDOG_LABELS[label], ms, findings, score=score.get("score"))
    else:
        by_label = Verdict("error", ms, findings, error=f"unknown GuardDog label {label!r}")
    severities = {r.get("severity") for r in risks}
    by_risk = "block" if "high" in severities else "review" if risks else "pass"
    return by_label, Verdict(by_risk, ms, findings, score=score.get("score"))


def guarddog_scan(exe: Path, path: Path, timeout_s: float) -> tuple[Verdict, Verdict]:
    """`guarddog pypi scan --output-format json PATH`, timed by wall clock."""
    start = time.perf_counter()
    argv = [str(exe), "pypi", "scan", "--output-format", "json", str(path)]
    try:
        done = run_captured(argv, timeout=timeout_s, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        error = Verdict("error", timeout_s * 1000, error=f"timed out after {timeout_s:.0f} s")
        return error, error
    ms = (time.perf_counter() - start) * 1000
    try:  # the report is stdout's last line; GuardDog's complaints go to stderr
        report = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        report = None
    if not isinstance(report, dict) or "risk_score" not in report:
        last = [s for s in done.stderr.splitlines() if s.strip()][-1:] or ["no output"]
        error = Verdict("error", ms, error=f"exit status {done.returncode}: {last[0][:200]}")
        return error, error
    return guarddog_verdicts(report, ms)


def run_guarddog(
    exe: Path, paths: list[Path], *, jobs: int, timeout_s: float
) -> tuple[dict[Path, Verdict], dict[Path, Verdict], float]:
    """Both readings for every path, `jobs` GuardDog processes at a time; and the wall seconds."""
    by_label: dict[Path, Verdict] = {}
    by_risk: dict[Path, Verdict] = {}
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(guarddog_scan, exe, p, timeout_s): p for p in paths}
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            by_label[futures[future]], by_risk[futures[future]] = future.result()
            if done % 25 == 0 or done == len(paths):
                print(f"  guarddog: {done}/{len(paths)}, {time.perf_counter() - start:.0f} s")
    return by_label, by_risk, time.perf_counter() - start
