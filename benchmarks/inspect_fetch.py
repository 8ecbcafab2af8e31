"""Download one project's newest sdist from the package registry, with pip's own client code.

Run by benchmarks/inspect.py in a subprocess with a timeout, once per project:

    python benchmarks/inspect_fetch.py PROJECT DEST_DIR

`pip download --no-binary :all:` cannot be used for sdists here: after downloading, pip builds
the sdist's metadata (installs its build backend, and for backends without
`prepare_metadata_for_build_wheel`, such as meson-python for numpy and scipy, compiles the whole
project) before it saves the file. So this script asks pip's PackageFinder, configured exactly as
`pip download --no-deps --no-binary :all:` configures it (same index, certificates, proxies,
retries), for the newest sdist of PROJECT, downloads that one link with pip's session and checks
its sha256 against the index. Prereleases are skipped, Requires-Python is ignored (the file is
inspected, not installed). pip's internals are not a stable API: this is written against pip 26.

Prints the saved file's path on success; exits 1 with a one-line reason otherwise.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

_CHUNK = 1024 * 1024


def fetch_newest_sdist(project: str, dest: Path) -> Path:
    """Save PROJECT's newest sdist into `dest`; return its path.

    Raises:
        LookupError: the index has no sdist for it.
        ValueError: the downloaded bytes do not match the index's hash.
    """
    from pip._internal.commands import create_command  # noqa: PLC0415 - pip's internals

    command = create_command("download")
    options, _ = command.parse_args(["--no-deps", "--no-binary", ":all:", "-d", str(dest), project])
    with command.main_context():
        session = command.get_default_session(options)
        finder = command._build_package_finder(  # noqa: SLF001 - what `pip download` does
            options=options, session=session, ignore_requires_python=True
        )
        best = finder.find_best_candidate(project).best_candidate
        if best is None:
            raise LookupError(f"the index has no sdist of {project}")
        link = best.link
        if not link.filename.endswith(".tar.gz"):
            raise LookupError(f"the newest sdist of {project} is not a .tar.gz ({link.filename})")
        target = dest / link.filename
        partial = target.with_name(target.name + ".part")
        digest = hashlib.sha256()
        with session.get(link.url_without_fragment, stream=True, timeout=120) as response:
            response.raise_for_status()
            with partial.open("wb") as out:
                for chunk in response.iter_content(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
        if link.hash_name == "sha256" and link.hash != digest.hexdigest():
            partial.unlink()
            raise ValueError(f"{link.filename} does not match the index's sha256")
        partial.replace(target)
        return target


def main() -> int:
    """Fetch sys.argv[1]'s newest sdist into sys.argv[2]."""
    project, dest = sys.argv[1], Path(sys.argv[2])
    dest.mkdir(parents=True, exist_ok=True)
    try:
        print(fetch_newest_sdist(project, dest))
    except Exception as exc:  # noqa: BLE001 - reported to the parent as one line
        print(f"{type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
