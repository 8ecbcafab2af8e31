"""Installing from a live index with pip and uv, into fresh virtual environments.

Covers: `pip install` and `uv pip install` of beta resolve its dependency alpha to the latest
release from our index alone and the installed code imports and runs; both installers read the
PEP 658 `.metadata` files, and uv resolves (`uv pip compile`) without requesting any wheel;
`pip download --no-binary :all:` fetches the sdist byte for byte.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from packaging.version import Version

from tests.e2e.conftest import (
    ALPHA,
    ALPHA_LATEST,
    BETA,
    BETA_VERSION,
    UV,
    BuiltProjects,
    LiveServer,
    LoggedRequest,
    Published,
    run,
    sha256_of,
)

pytestmark = pytest.mark.e2e

# The first pip that reads PEP 658 metadata instead of downloading wheels to resolve.
PEP_658_PIP = Version("22.3")
EXPECTED_OUTPUT = f"beta {BETA_VERSION} uses alpha {ALPHA_LATEST}"


def _resolved_wheels(projects: BuiltProjects) -> list[Path]:
    return [BuiltProjects.wheel(projects.beta), BuiltProjects.wheel(projects.alpha_latest)]


def _assert_metadata_fetched(requests: Sequence[LoggedRequest], wheels: Sequence[Path]) -> None:
    fetched = {r.path.rsplit("/", 1)[-1] for r in requests if r.method == "GET" and r.status == 200}
    for wheel in wheels:
        assert f"{wheel.name}.metadata" in fetched, requests


def _install_beta(
    server: LiveServer, python: Path, install: Sequence[object]
) -> list[LoggedRequest]:
    """Install beta from the index with the `install` command; check it runs in `python`."""
    with server.recorded_requests() as requests:
        run([*install, "--index-url", server.index_url, BETA])
    printed = run([python, "-c", "import e2e_beta; print(e2e_beta.describe())"]).stdout
    assert printed.strip() == EXPECTED_OUTPUT
    return requests


def test_pip_installs_beta_with_its_dependency_using_core_metadata(
    server: LiveServer, projects: BuiltProjects, published: Published, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", venv])
    python = venv / "bin" / "python"
    pip_version = run([python, "-c", "import pip; print(pip.__version__)"]).stdout.strip()
    assert Version(pip_version) >= PEP_658_PIP, f"pip {pip_version} predates PEP 658"

    requests = _install_beta(server, python, [python, "-m", "pip", "install", "--no-cache-dir"])

    _assert_metadata_fetched(requests, _resolved_wheels(projects))
    assert all(r.status in {200, 304} for r in requests), requests


def test_uv_pip_installs_beta_with_its_dependency(
    server: LiveServer, projects: BuiltProjects, published: Published, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    run([UV, "venv", "--quiet", "--python", sys.executable, venv])
    python = venv / "bin" / "python"

    requests = _install_beta(
        server, python, [UV, "pip", "install", "--python", python, "--no-cache"]
    )

    _assert_metadata_fetched(requests, _resolved_wheels(projects))


def test_uv_resolves_from_core_metadata_without_fetching_any_wheel(
    server: LiveServer, projects: BuiltProjects, published: Published
) -> None:
    with server.recorded_requests() as requests:
        result = run(
            [UV, "pip", "compile", "-", "--python", sys.executable, "--no-cache",
             "--no-header", "--index-url", server.index_url],
            stdin=f"{BETA}\n",
        )  # fmt: skip

    pins = {line.strip() for line in result.stdout.splitlines() if "==" in line}
    assert pins == {f"{ALPHA}=={ALPHA_LATEST}", f"{BETA}=={BETA_VERSION}"}
    _assert_metadata_fetched(requests, _resolved_wheels(projects))
    assert [r for r in requests if r.is_wheel] == []
    assert [r for r in requests if r.range != "-"] == []


def test_pip_download_no_binary_fetches_the_sdist(
    server: LiveServer,
    projects: BuiltProjects,
    published: Published,
    tools_python: Path,
    tmp_path: Path,
) -> None:
    dest = tmp_path / "downloads"
    sdist = BuiltProjects.sdist(projects.alpha_latest)

    with server.recorded_requests() as requests:
        # Reading the sdist's metadata needs its build backend: hatchling in tools_python.
        run(
            [tools_python, "-m", "pip", "download", "--no-cache-dir", "--no-binary", ":all:",
             "--no-deps", "--no-build-isolation", "--index-url", server.index_url,
             "--dest", dest, ALPHA],
        )  # fmt: skip

    assert [path.name for path in dest.iterdir()] == [sdist.name]
    assert sha256_of(dest / sdist.name) == sha256_of(sdist)
    assert [r for r in requests if r.is_wheel] == []
    assert any(r.path.endswith(f"/{sdist.name}") and r.status == 200 for r in requests)
