"""How often the name and spam checks flag honest projects, how many real squats they catch.

    .venv/bin/python benchmarks/typosquat.py                  # 50,000 names, 5 sizes, ~8 min
    .venv/bin/python benchmarks/typosquat.py --sample 5000 --sizes 1000,5000   # quicker
    .venv/bin/python benchmarks/typosquat.py --wheels /opt/pypi/files   # more honest READMEs
    .venv/bin/python benchmarks/typosquat.py --help

Names: a ranked list of PyPI projects (a TSV with the columns `name` and
`rank_among_15000_most_downloaded`, the public download ranking; empty rank = not in the top
15,000) gives the popular names and the ordinary ones. For each list size, the flag rate of
`find_typosquats` on a fixed-seed sample of ordinary names, its recall on publicly reported
typosquats (KNOWN_SQUATS below), and the time per name. Descriptions: the spam rules on every
installed distribution's description and those in the wheels of `--wheels` directories (honest
READMEs), on the ranked list's summaries, and on synthetic spam pages (SYNTHETIC_SPAM). See
benchmarks/README.md. Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import collections
import csv
import dataclasses
import datetime
import importlib.metadata
import random
import statistics
import sys
import time
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from packaging.metadata import parse_email
from packaging.utils import canonicalize_name

from bastion.inspection.descriptions import description_of
from bastion.malware.popular import read_ranking
from bastion.malware.spam import RULES, find_spam_signals
from bastion.malware.typosquat import (
    DEFAULT_POLICY,
    MatchPolicy,
    PopularNames,
    find_typosquats,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_RANKED_LIST = Path("/work/.library/env/packages/pypi.tsv")
RANK_COLUMN = "rank_among_15000_most_downloaded"

# Publicly reported malicious PyPI packages whose name imitates one specific project, as
# (name as uploaded, the project it imitates, source). Chosen by hand from the sources, by name
# alone and before this benchmark first ran: misspellings, look-alikes and py-affixes of a
# project's name. Combosquats (`requests-pandas`, `matplotlib-flask`) and names of the standard
# library (`urllib`, `crypt`) are left out: this check does not look for them.
SOURCES = {
    "skcsirt": "SK-CSIRT advisory skcsirt-sa-20170909-pypi, September 2017",
    "colourama": "the colourama clipboard hijacker, reported October 2018",
    "dateutil": "jeIlyfish and python3-dateutil, reported December 2019 (python-dateutil tracker)",
    "sonatype": "pymafka, reported by Sonatype, May 2022",
    "datadog": (
        "DataDog/malicious-software-packages-dataset, samples/pypi/manifest.json "
        "(malicious packages removed from PyPI, 2022-2025)"
    ),
}
KNOWN_SQUATS: tuple[tuple[str, str, str], ...] = (
    ("urlib3", "urllib3", "skcsirt"),
    ("setup-tools", "setuptools", "skcsirt"),
    ("colourama", "colorama", "colourama"),
    ("jeIlyfish", "jellyfish", "dateutil"),
    ("python3-dateutil", "python-dateutil", "dateutil"),
    ("pymafka", "pykafka", "sonatype"),
    *(
        (squat, target, "datadog")
        for squat, target in (
            ("aiiohttp", "aiohttp"),
            ("aiohtttp", "aiohttp"),
            ("aiohtttps", "aiohttp"),
            ("beautifulsup4", "beautifulsoup4"),
            ("bo3to", "boto3"),
            ("botoceor", "botocore"),
            ("botocote", "botocore"),
            ("btoocore", "botocore"),
            ("colorara", "colorama"),
            ("coloroma", "colorama"),
            ("colotama", "colorama"),
            ("colouramas", "colorama"),
            ("colurama", "colorama"),
            ("cryptograohy", "cryptography"),
            ("cryptographz", "cryptography"),
            ("dequests", "requests"),
            ("djangoo", "django"),
            ("flsak", "flask"),
            ("fequests", "requests"),
            ("gequests", "requests"),
            ("huggingface-hubs", "huggingface-hub"),
            ("huggingfaces-hub", "huggingface-hub"),
            ("importlib-metadate", "importlib-metadata"),
            ("importlib-resource", "importlib-resources"),
            ("importlibs-resource", "importlib-resources"),
            ("importlibs-resources", "importlib-resources"),
            ("kers", "keras"),
            ("kersa", "keras"),
            ("lightgmb", "lightgbm"),
            ("matlibplot", "matplotlib"),
            ("matplotlibp", "matplotlib"),
            ("numoy", "numpy"),
            ("opteinsm", "opt-einsum"),
            ("pckaging", "packaging"),
            ("pyautogiu", "pyautogui"),
            ("pygaem", "pygame"),
            ("pytorch-lighting", "pytorch-lightning"),
            ("pytroch", "pytorch"),
            ("pyyal", "pyyaml"),
            ("python-dateuti", "python-dateutil"),
            ("python-flask", "flask"),
            ("python3-flask", "flask"),
            ("pythonhttpx", "httpx"),
            ("r3quests", "requests"),
            ("r4quests", "requests"),
            ("reeuests", "requests"),
            ("req7ests", "requests"),
            ("req8ests", "requests"),
            ("requ-sts", "requests"),
            ("requesfs", "requests"),
            ("requesgt", "requests"),
            ("requesks", "requests"),
            ("requesqs", "requests"),
            ("requesrts", "requests"),
            ("requeste", "requests"),
            ("requestn", "requests"),
            ("requestr", "requests"),
            ("requestw", "requests"),
            ("requesuts", "requests"),
            ("requesxs", "requests"),
            ("requesxt", "requests"),
            ("requesxts", "requests"),
            ("requetses", "requests"),
            ("requfsts", "requests"),
            ("requstsss", "requests"),
            ("requzsts", "requests"),
            ("reuquests", "requests"),
            ("rfquests", "requests"),
            ("s4transfer", "s3transfer"),
            ("seabonr", "seaborn"),
            ("selenim", "selenium"),
            ("setuptolos", "setuptools"),
            ("simplyjson", "simplejson"),
            ("sklearns", "sklearn"),
            ("sphinx-rdt-theme", "sphinx-rtd-theme"),
            ("sphinx-rtd-themes", "sphinx-rtd-theme"),
            ("tensrflow", "tensorflow"),
            ("tequests", "requests"),
            ("termncolor", "termcolor"),
            ("tiketoken", "tiktoken"),
            ("tktoken", "tiktoken"),
            ("torchvisions", "torchvision"),
            ("torchs-visions", "torchvision"),
            ("torhc", "torch"),
            ("ttensorflow-gpu", "tensorflow-gpu"),
            ("typing-extension", "typing-extensions"),
            ("typing-extnesions", "typing-extensions"),
            ("ulrlib3", "urllib3"),
            ("voto3", "boto3"),
            ("fairseqn", "fairseq"),
            ("pycryptro", "pycrypto"),
            ("stripepy", "stripe"),
            ("tls-client-py", "tls-client"),
            ("kera-preprocessing", "keras-preprocessing"),
            ("deepseeek", "deepseek"),
            ("usar-agent", "user-agent"),
        )
    ),
)

# Synthetic spam pages, written for this benchmark in the shapes of PyPI's spam waves (link
# farms, streaming, game-currency generators, piracy, casino SEO, essay mills, pharmacy, crypto
# giveaways, phone-number "customer care"). Not real uploads: PyPI removes those.
SYNTHETIC_SPAM: tuple[tuple[str, str, str], ...] = (
    (
        "markdown link farm",
        "Best deals",
        "# Deals\n\n"
        + "\n".join(f"* [deal {i}](https://shop-{i}.example/buy?id={i})" for i in range(25)),
    ),
    (
        "rst link farm",
        "Top sites",
        "Top sites\n=========\n\n"
        + "\n".join(f"* `site {i} <http://www.site{i}.example/>`_" for i in range(16)),
    ),
    (
        "plain link farm with SEO words",
        "SEO",
        " ".join(f"cheap backlinks https://seo{i}.example/" for i in range(30)),
    ),
    (
        "streaming, one site repeated",
        "Watch online",
        "Watch Dune Part Two (2024) Full Movie Online Free\n\n"
        + "\n".join("[WATCH HERE](https://stream.example/dune)" for _ in range(10)),
    ),
    (
        "game currency generator",
        "Free Robux Generator 2024",
        "Get free robux now! Robux generator with no human verification, no survey.",
    ),
    (
        "v-bucks generator",
        "Free V-Bucks",
        "Free v-bucks generator 2024. Unlimited v-bucks, working codes, no human verification.",
    ),
    (
        "followers",
        "Free Instagram followers",
        "Get free instagram followers and free likes instantly. Instagram hack, no survey.",
    ),
    (
        "piracy",
        "Photoshop crack",
        (
            "Adobe Photoshop 2024 Crack + Keygen Full Version Free Download. Serial key free, "
            "pre-activated download for Windows."
        ),
    ),
    (
        "casino SEO article",
        "Online casino guide",
        "The best online casinos of 2024 offer free spins and a casino bonus. Compare betting "
        "sites and sportsbook odds. Play slot online with the biggest jackpots. " * 3,
    ),
    ("slot gacor", "Slot Gacor Hari Ini", "Situs slot gacor terpercaya, link slot online."),
    (
        "essay mill",
        "Essay writing service",
        (
            "Need someone to write my essay? Our essay writing service has expert writers. "
            "Cheap essays, buy research papers, dissertation help."
        ),
    ),
    (
        "pharmacy",
        "Online pharmacy",
        "Buy viagra online without prescription. Cheap cialis, tramadol. Keto gummies.",
    ),
    (
        "crypto giveaway",
        "Crypto giveaway",
        "Official crypto giveaway: double your bitcoin. Send BTC and claim your airdrop.",
    ),
    (
        "customer care",
        "Support",
        (
            "Call the Coinbase customer care number +1 (888) 555-0199. 24/7 support, toll free "
            "number 1-800-555-0142, UK +44 20 7946 0958."
        ),
    ),
    (
        "phone list",
        "Contact",
        "Contact: +1 (888) 555-0101, +1 (888) 555-0102, +1 (888) 555-0103, +1 888 555 0104.",
    ),
)


@dataclasses.dataclass(frozen=True)
class Options:
    """The command line, parsed."""

    ranked_list: Path
    sample: int
    seed: int
    sizes: list[int]
    wheels: list[Path]
    results: Path | None


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--ranked-list",
        type=Path,
        default=DEFAULT_RANKED_LIST,
        help=f"TSV with the columns name and {RANK_COLUMN} (default: %(default)s)",
    )
    parser.add_argument("--sample", type=int, default=50_000, help="ordinary names to check")
    parser.add_argument("--seed", type=int, default=503, help="seed of the sample")
    parser.add_argument(
        "--sizes", default="1000,2000,5000,10000,15000", help="popular-list sizes to compare"
    )
    parser.add_argument(
        "--wheels",
        type=Path,
        action="append",
        default=[],
        help="a directory of wheels whose descriptions are honest (repeatable)",
    )
    parser.add_argument("--no-write", action="store_true", help="only print the tables")
    args = parser.parse_args(argv)
    today = datetime.datetime.now(tz=datetime.UTC).date().isoformat()
    return Options(
        ranked_list=args.ranked_list,
        sample=args.sample,
        seed=args.seed,
        sizes=sorted({int(value) for value in args.sizes.split(",") if value}),
        wheels=args.wheels,
        results=None if args.no_write else HERE / "results" / f"typosquat-{today}.md",
    )


# --- names -------------------------------------------------------------------------------------


def unranked_names(path: Path) -> list[str]:
    csv.field_size_limit(2**31 - 1)
    with path.open(encoding="utf-8", newline="") as source:
        reader = csv.DictReader(source, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [row["name"] for row in reader if not (row.get(RANK_COLUMN) or "").strip()]


@dataclasses.dataclass(frozen=True)
class NameResult:
    label: str
    size: int
    build_s: float
    flagged: list[tuple[str, str, str]]
    patterns: collections.Counter[str]
    per_name_us: list[float]
    caught: list[str]
    right_target: list[str]
    missed: list[str]
    sample: int

    @property
    def flag_rate(self) -> float:
        return len(self.flagged) / self.sample


def measure_names(
    label: str, build: Iterable[str] | None, sample: Sequence[str], policy: MatchPolicy
) -> NameResult:
    started = time.perf_counter()
    popular = (
        PopularNames.bundled(policy=policy)
        if build is None
        else PopularNames.from_ranked(build, policy=policy)
    )
    build_s = time.perf_counter() - started
    flagged: list[tuple[str, str, str]] = []
    patterns: collections.Counter[str] = collections.Counter()
    per_name_us: list[float] = []
    for name in sample:
        before = time.perf_counter_ns()
        matches = find_typosquats(name, popular)
        per_name_us.append((time.perf_counter_ns() - before) / 1000)
        if matches:
            flagged.append((name, matches[0].popular_name, matches[0].pattern.value))
            patterns[matches[0].pattern.value] += 1
    caught, right, missed = [], [], []
    for squat, target, _source in KNOWN_SQUATS:
        matches = find_typosquats(squat, popular)
        if matches:
            caught.append(squat)
            if str(canonicalize_name(target)) in {str(m.popular_name) for m in matches}:
                right.append(squat)
        else:
            missed.append(squat)
    return NameResult(
        label, len(popular), build_s, flagged, patterns, per_name_us, caught, right, missed,
        len(sample),
    )  # fmt: skip


def name_table(results: Sequence[NameResult]) -> list[str]:
    patterns = sorted({pattern for result in results for pattern in result.patterns})
    lines = [
        (
            "| list | names | ordinary names flagged | rate | reported squats caught "
            "| right target | per name p50 / p99 / max (us) | build (s) |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        times = sorted(r.per_name_us)
        p99 = times[int(len(times) * 0.99)]
        lines.append(
            f"| {r.label} | {r.size:,} | {len(r.flagged):,} / {r.sample:,} | {r.flag_rate:.2%} "
            f"| {len(r.caught)} / {len(KNOWN_SQUATS)} | {len(r.right_target)} "
            f"| {statistics.median(times):.0f} / {p99:.0f} / {times[-1]:.0f} | {r.build_s:.2f} |"
        )
    lines += ["", "Flagged ordinary names by pattern (the first match's):", ""]
    lines.append("| list | " + " | ".join(patterns) + " |")
    lines.append("|---|" + "---:|" * len(patterns))
    for r in results:
        counts = " | ".join(f"{r.patterns.get(pattern, 0):,}" for pattern in patterns)
        lines.append(f"| {r.label} | {counts} |")
    return lines


# --- descriptions ------------------------------------------------------------------------------


def honest_descriptions(wheel_dirs: Sequence[Path]) -> dict[str, tuple[str | None, str | None]]:
    """Normalized name -> (summary, description), installed distributions first."""
    found: dict[str, tuple[str | None, str | None]] = {}
    for dist in importlib.metadata.distributions():
        metadata_text = dist.read_text("METADATA")
        if metadata_text:
            _add_metadata(found, metadata_text.encode("utf-8"))
    for directory in wheel_dirs:
        for wheel in sorted(directory.glob("*.whl")):
            for core_metadata in _wheel_metadata(wheel):
                _add_metadata(found, core_metadata)
    return found


def _wheel_metadata(wheel: Path) -> Iterator[bytes]:
    try:
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if member.count("/") == 1 and member.endswith(".dist-info/METADATA"):
                    yield archive.read(member)
                    return
    except (zipfile.BadZipFile, OSError) as error:
        print(f"  skipped {wheel.name}: {error}", file=sys.stderr)


def _add_metadata(found: dict[str, tuple[str | None, str | None]], core_metadata: bytes) -> None:
    raw, _ = parse_email(core_metadata)
    name = canonicalize_name(raw.get("name") or "")
    if name and name not in found:
        found[name] = (raw.get("summary"), description_of(core_metadata))


def summaries(path: Path) -> Iterator[tuple[str, str]]:
    csv.field_size_limit(2**31 - 1)
    with path.open(encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source, delimiter="\t", quoting=csv.QUOTE_NONE):
            summary = (row.get("summary") or "").strip()
            if summary:
                yield row["name"], summary


def spam_section(options: Options) -> list[str]:
    descriptions = honest_descriptions(options.wheels)
    with_text = {name: texts for name, texts in descriptions.items() if texts[1]}
    fired: collections.Counter[str] = collections.Counter()
    flagged_honest: list[str] = []
    flagged_names: set[str] = set()
    started = time.perf_counter()
    for name, (summary, description) in sorted(with_text.items()):
        for signal in find_spam_signals(description, summary):
            fired[signal.rule] += 1
            flagged_names.add(name)
            flagged_honest.append(f"- `{name}`: {signal.rule}: {signal.reason}")
    per_description_ms = (time.perf_counter() - started) * 1000 / max(len(with_text), 1)
    caught_by_rule: collections.Counter[str] = collections.Counter()
    missed_spam: list[str] = []
    for label, summary, description in SYNTHETIC_SPAM:
        signals = find_spam_signals(description, summary)
        caught_by_rule.update(signal.rule for signal in signals)
        if not signals:
            missed_spam.append(label)
    sources = ", ".join(str(path) for path in options.wheels) or "none given"
    lines = [
        "## Spam rules",
        "",
        (
            f"Honest descriptions: {len(with_text):,} distinct projects with a description "
            f"(installed distributions of this interpreter, and wheels in: {sources}); "
            f"{per_description_ms:.2f} ms per description."
        ),
        "",
        "| rule | honest descriptions flagged | synthetic spam pages caught |",
        "|---|---:|---:|",
        *(
            f"| {rule.name} | {fired.get(rule.name, 0)} / {len(with_text)} "
            f"| {caught_by_rule.get(rule.name, 0)} / {len(SYNTHETIC_SPAM)} |"
            for rule in RULES
        ),
        (
            f"| any | {len(flagged_names)} / {len(with_text)} "
            f"| {len(SYNTHETIC_SPAM) - len(missed_spam)} / {len(SYNTHETIC_SPAM)} |"
        ),
        "",
    ]
    if flagged_honest:
        lines += ["Honest descriptions flagged:", "", *flagged_honest, ""]
    if missed_spam:
        lines += ["Synthetic spam missed: " + ", ".join(missed_spam), ""]
    if options.ranked_list.exists():
        lines += summary_lines(options.ranked_list)
    return lines


def summary_lines(ranked_list: Path) -> list[str]:
    count = 0
    flagged = []
    for name, summary in summaries(ranked_list):
        count += 1
        if signals := find_spam_signals(None, summary):
            flagged.append(f"- `{name}`: {summary!r} ({signals[0].rule})")
    return [
        (
            f"Summaries alone (every summary in {ranked_list.name}, no description): "
            f"{len(flagged):,} of {count:,} flagged ({len(flagged) / max(count, 1):.4%})."
        ),
        "",
        *flagged[:40],
        "",
    ]


# --- the run -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    lines = [
        f"# Typosquat and spam checks, {datetime.datetime.now(tz=datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Python {sys.version.split()[0]}, rapidfuzz {importlib.metadata.version('rapidfuzz')}.",
        "",
    ]
    if not options.ranked_list.exists():
        message = (
            f"Skipping the name measurements: {options.ranked_list} is absent. Give a TSV with "
            f"the columns name and {RANK_COLUMN} with --ranked-list."
        )
        print(message)
        lines += [message, ""]
    else:
        lines += names_section(options)
        print("\n".join(lines))
    spam = spam_section(options)
    print("\n".join(spam))
    lines += spam
    if options.results is not None:
        options.results.parent.mkdir(parents=True, exist_ok=True)
        options.results.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"\nWritten to {options.results.relative_to(REPO)}")
    return 0


def names_section(options: Options) -> list[str]:
    ranking = read_ranking(options.ranked_list)
    squats = {canonicalize_name(squat) for squat, _, _ in KNOWN_SQUATS}
    ordinary = [name for name in unranked_names(options.ranked_list) if name not in squats]
    # A fixed-seed sample, so runs compare; nothing secret depends on it.
    rng = random.Random(options.seed)  # noqa: S311
    sample = rng.sample(ordinary, min(options.sample, len(ordinary)))
    bundled = PopularNames.bundled()
    print(
        f"{len(ranking.names):,} ranked names, {len(ordinary):,} ordinary; "
        f"sample of {len(sample):,} (seed {options.seed}); bundled list: {len(bundled):,}",
        flush=True,
    )
    results = []
    for size in options.sizes:
        label = f"top {size:,}"
        results.append(measure_names(label, ranking.names[:size], sample, DEFAULT_POLICY))
        print(f"  {label}: {results[-1].flag_rate:.2%} flagged", flush=True)
    results.append(measure_names("**bundled**", None, sample, DEFAULT_POLICY))
    any_length = MatchPolicy(
        min_edit_length=1,
        min_substitution_length=1,
        min_edit_length_beyond_top=1,
        min_substitution_length_beyond_top=1,
        two_edit_rank=0,
    )
    variants = [
        ("top 1,000, one edit at any length (the issue's baseline)", 1000, any_length),
        (
            "bundled, one edit for every name >= 5 letters, no two-edit rule",
            len(bundled),
            MatchPolicy(
                min_edit_length_beyond_top=5, min_substitution_length_beyond_top=5, two_edit_rank=0
            ),
        ),
        (
            "bundled, as shipped without the two-edit rule",
            len(bundled),
            MatchPolicy(two_edit_rank=0),
        ),
        (
            "bundled, one edit for every name >= 4 letters",
            len(bundled),
            MatchPolicy(
                min_edit_length=4,
                min_substitution_length=4,
                min_edit_length_beyond_top=4,
                min_substitution_length_beyond_top=4,
            ),
        ),
    ]
    ablation = [
        measure_names(label, ranking.names[:size], sample, policy)
        for label, size, policy in variants
    ]
    bundled_result = results[-1]
    examples = rng.sample(bundled_result.flagged, min(40, len(bundled_result.flagged)))
    target_rank = {name: rank for rank, name in enumerate(ranking.names, start=1)}
    missed = [
        f"`{squat}` ({target}, rank {target_rank.get(canonicalize_name(target), 'unranked')})"
        for squat, target, _ in KNOWN_SQUATS
        if squat in bundled_result.missed
    ]
    return [
        "## Names",
        "",
        (
            f"Popular names: the first N of {options.ranked_list.name} by rank "
            f"({len(ranking.names):,} ranked). Ordinary names: a sample of {len(sample):,} of "
            f"the {len(ordinary):,} unranked names (seed {options.seed}); some of them are "
            "squats themselves, so the flag rate bounds the false-positive rate from above. "
            f"Reported squats: {len(KNOWN_SQUATS)} names (KNOWN_SQUATS)."
        ),
        "",
        *name_table(results),
        "",
        "Policy variants (`MatchPolicy`), for comparison:",
        "",
        *name_table(ablation),
        "",
        f"Reported squats the bundled list misses: {', '.join(missed) or 'none'}.",
        "",
        "Ordinary names the bundled list flags (a random 40, for judging by eye):",
        "",
        *(f"- `{name}` -> `{popular}` ({pattern})" for name, popular, pattern in examples),
        "",
    ]


if __name__ == "__main__":
    raise SystemExit(main())
