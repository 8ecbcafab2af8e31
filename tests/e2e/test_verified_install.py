"""Installing with TUF protection: twine uploads, `bastion verify` pins, pip installs.

The client trusts only the root.json it was given. It fetches each project's simple page as
a TUF target through python-tuf's ngclient, resolves beta's dependency on alpha from the
wheels' metadata (checked against the signed page), and writes a `--require-hashes` file;
pip then installs exactly the signed files. The wheelhouse variant downloads every file as a
TUF target and installs with `--no-index`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    ALPHA,
    ALPHA_LATEST,
    BASTION,
    BETA,
    BETA_VERSION,
    BuiltProjects,
    LiveServer,
    Published,
    run,
    sha256_of,
)

pytestmark = pytest.mark.e2e

# The server's publisher thread signs within a second of an upload; allow for a slow machine.
_SIGNED_TIMEOUT_S = 30.0


def _pinned_root(server: LiveServer, directory: Path) -> Path:
    """root.json as an operator would hand it out (here: fetched by the test, our trusted channel)."""
    path = directory / "root.json"
    path.write_bytes(server.request("/tuf/1.root.json").body)
    return path


def _verify(server: LiveServer, root: Path, cache: Path, *args: object):
    """`bastion verify` for beta, retried until the publisher has signed what was uploaded."""
    command = [BASTION, "verify", "--index-url", server.base_url, "--root", root,
               "--cache-dir", cache, *args, BETA]  # fmt: skip
    deadline = time.monotonic() + _SIGNED_TIMEOUT_S
    while True:
        result = run(command, check=False)
        if result.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert result.returncode == 0, result.stderr
    return result


def test_verify_pins_signed_hashes_and_pip_installs_them(
    server: LiveServer, projects: BuiltProjects, published: Published, tmp_path: Path
) -> None:
    root = _pinned_root(server, tmp_path)
    requirements = tmp_path / "requirements.txt"

    _verify(server, root, tmp_path / "cache", "--output", requirements)

    pinned = requirements.read_text()
    assert f"{BETA}=={BETA_VERSION}" in pinned
    assert f"{ALPHA}=={ALPHA_LATEST}" in pinned
    for built in [*projects.beta, *projects.alpha_latest]:
        assert f"--hash=sha256:{sha256_of(built)}" in pinned
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "--no-cache-dir", "--require-hashes",
         "--index-url", server.index_url, "-r", requirements])  # fmt: skip
    printed = run([python, "-c", "import e2e_beta; print(e2e_beta.describe())"]).stdout
    assert printed.strip() == f"beta {BETA_VERSION} uses alpha {ALPHA_LATEST}"


def test_verify_downloads_a_verified_wheelhouse(
    server: LiveServer, projects: BuiltProjects, published: Published, tmp_path: Path
) -> None:
    root = _pinned_root(server, tmp_path)
    wheelhouse = tmp_path / "wheelhouse"

    _verify(server, root, tmp_path / "cache", "--download", wheelhouse)

    downloaded = {path.name: sha256_of(path) for path in wheelhouse.iterdir()}
    expected = {path.name: sha256_of(path) for path in [*projects.beta, *projects.alpha_latest]}
    assert downloaded == expected
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "--no-cache-dir", "--no-index", "--find-links",
         wheelhouse, BETA])  # fmt: skip
    printed = run([python, "-c", "import e2e_beta; print(e2e_beta.describe())"]).stdout
    assert printed.strip() == f"beta {BETA_VERSION} uses alpha {ALPHA_LATEST}"


def test_verify_refuses_an_index_that_does_not_match_the_pinned_root(
    server: LiveServer, published: Published, tmp_path: Path
) -> None:
    # A root.json from another index (here: a fresh repository's) must not vouch for this one.
    other = tmp_path / "other"
    run([BASTION, "--data-dir", other, "init"])
    foreign_root = other / "data-root.json"
    foreign_root.write_bytes((other / "files" / "tuf" / "metadata" / "1.root.json").read_bytes())

    result = run(
        [BASTION, "verify", "--index-url", server.base_url, "--root", foreign_root,
         "--cache-dir", tmp_path / "cache", BETA],
        check=False,
    )  # fmt: skip

    assert result.returncode != 0
    assert "did not verify" in result.stderr
