"""`bastion verify` (also installed as `bastion-verify`): requirements pinned by signed hashes."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import click
from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from tuf.api.exceptions import RepositoryError

from bastion.signing.client.index import VerificationError, VerifiedIndex
from bastion.signing.client.resolver import ResolutionError, Resolver

_DEFAULT_CACHE = Path.home() / ".cache" / "bastion-verify"


@click.command("verify")
@click.argument("requirements", nargs=-1, required=True)
@click.option("--index-url", required=True, help="The index's address, e.g. https://pypi.example/")
@click.option(
    "--root",
    "root_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    required=True,
    help="The index's root.json, obtained once over a channel you trust (pinned on first use).",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=_DEFAULT_CACHE,
    show_default=True,
    help="Where the trusted metadata is kept between runs (rollback protection needs it).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the requirements file here (default: standard output).",
)
@click.option(
    "--download",
    "download_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also download every chosen file, verified, into this directory (a wheelhouse).",
)
@click.option("--no-deps", is_flag=True, help="Pin only the requirements given.")
def verify(
    requirements: tuple[str, ...],
    *,
    index_url: str,
    root_file: Path,
    cache_dir: Path,
    output: Path | None,
    download_dir: Path | None,
    no_deps: bool,
) -> None:
    """Pin REQUIREMENTS by the hashes the index's TUF metadata signs.

    Then `pip install --require-hashes -r FILE --index-url INDEX/simple/` installs exactly
    the files the index signed, or `pip install --no-index -f DIR` what --download fetched.
    """
    try:
        parsed = [Requirement(text) for text in requirements]
    except InvalidRequirement as exc:
        raise click.UsageError(str(exc)) from None
    try:
        index = VerifiedIndex(index_url, root_file.read_bytes(), cache_dir)
        pins = Resolver(
            index,
            {key: str(value) for key, value in default_environment().items()},
            follow_dependencies=not no_deps,
        ).resolve(parsed)
        if download_dir is not None:
            for pin in pins:
                for dist in pin.files:
                    index.download(pin.name, dist, download_dir)
    except (ResolutionError, VerificationError) as exc:
        raise click.ClickException(str(exc)) from None
    except RepositoryError as exc:
        raise click.ClickException(
            f"the index's TUF metadata did not verify ({type(exc).__name__}: {exc}); "
            "nothing was written"
        ) from None
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# Verified with TUF against {index.index_url} at {stamp} by bastion verify."]
    for pin in pins:
        lines += pin.requirement_lines()
    text = "\n".join(lines) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)
        click.echo(f"Wrote {len(pins)} pinned requirements to {output}.", err=True)


def main() -> None:
    """The `bastion-verify` entry point."""
    verify()
