"""Publishing with an API token against a live server, as CI systems do.

Covers: `bastion token create` prints a project-scoped token; `twine upload -u __token__`
with it publishes to that project and is refused, with twine printing the reason, on another;
`bastion events --project` then shows the upload with the token's name; a revoked token
stops working at once.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    ALPHA,
    BASTION,
    BETA,
    USERNAME,
    BuiltProjects,
    LiveServer,
    client_env,
    run,
)
from tests.factories.dists import build_wheel

pytestmark = pytest.mark.e2e

TOKEN_NAME = "e2e-ci"


def _bastion(server: LiveServer, *args: str) -> str:
    """Run the `bastion` command on the live server's data directory and database."""
    env = client_env(BASTION_DATA_DIR=str(server.data_dir))
    options = ["--database-url", server.database_url]
    return run([BASTION, *options, *args], env=env).stdout


def _twine_with_token(server: LiveServer, token: str, files: list[Path], *, check: bool = True):
    return run(
        [Path(BASTION).parent / "twine", "upload", "--non-interactive", "--disable-progress-bar",
         "--repository-url", server.upload_url, *files],
        env=client_env(TWINE_USERNAME="__token__", TWINE_PASSWORD=token),
        check=check,
    )  # fmt: skip


@pytest.mark.usefixtures("published")
def test_a_project_scoped_token_publishes_and_is_audited(
    server: LiveServer, projects: BuiltProjects, tmp_path: Path
) -> None:
    token = _bastion(
        server, "token", "create", USERNAME, "--name", TOKEN_NAME, "--project", ALPHA
    ).strip()

    # A release of alpha nobody uploaded yet.
    dist = build_wheel(ALPHA, "1.0.post1")
    renamed = tmp_path / dist.filename
    renamed.write_bytes(dist.content)
    _twine_with_token(server, token, [renamed])
    assert "1.0.post1" in server.simple_json(ALPHA)["versions"]  # type: ignore[operator]

    refused = _twine_with_token(server, token, [BuiltProjects.wheel(projects.beta)], check=False)
    assert refused.returncode != 0
    assert f"The API token '{TOKEN_NAME}' is not scoped to the project" in (
        refused.stdout + refused.stderr
    )

    events = [
        json.loads(line)
        for line in _bastion(server, "events", "--project", ALPHA, "--json").splitlines()
    ]
    uploaded = next(e for e in events if e["details"].get("filename") == renamed.name)
    assert uploaded["tag"] == "project:file:uploaded"
    assert uploaded["actor"] == USERNAME
    assert uploaded["details"]["token"] == TOKEN_NAME
    assert uploaded["details"]["method"] == "token"
    assert uploaded["ip"] == "127.0.0.1"
    assert BETA not in {e["project"] for e in events}


@pytest.mark.usefixtures("published")
def test_a_revoked_token_is_refused_at_once(server: LiveServer, projects: BuiltProjects) -> None:
    token = _bastion(server, "token", "create", USERNAME, "--name", "short-lived").strip()
    listing = _bastion(server, "token", "list", USERNAME)
    token_id = next(line.split()[0] for line in listing.splitlines() if "'short-lived'" in line)
    _bastion(server, "token", "revoke", token_id)
    refused = _twine_with_token(server, token, [BuiltProjects.wheel(projects.beta)], check=False)
    assert refused.returncode != 0
    assert "Invalid API token: it has been revoked." in refused.stdout + refused.stderr
