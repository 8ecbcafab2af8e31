"""Publishing to a live index with twine and `uv publish`, and twine's view of refusals.

Covers: files built by a real backend land on the simple page with their own hashes and
PEP 658 metadata and download byte for byte; a reused filename with other bytes is refused and
twine prints the server's one-line reason; re-uploading identical files succeeds with twine
and `uv publish` and changes nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bastion.upload.errors import FileAlreadyExistsError
from tests.e2e.conftest import (
    ALPHA,
    BETA,
    BuiltProjects,
    LiveServer,
    Published,
    sha256_of,
    twine_upload,
    uv_publish,
)

pytestmark = pytest.mark.e2e


def _assert_served_as_built(server: LiveServer, project: str, files: tuple[Path, ...]) -> None:
    served = server.files_of(project)
    for path in files:
        entry = served[path.name]
        assert entry["hashes"] == {"sha256": sha256_of(path)}
        assert entry["size"] == path.stat().st_size
        download = server.request(str(entry["url"]))
        assert download.status == 200
        assert download.body == path.read_bytes()
        if path.suffix == ".whl":
            metadata = server.request(f"{entry['url']}.metadata")
            assert metadata.status == 200
            assert entry["core-metadata"] == {"sha256": hashlib.sha256(metadata.body).hexdigest()}
            assert f"Name: {project}".encode() in metadata.body
        else:
            assert entry["core-metadata"] is False


def test_twine_upload_publishes_sdists_and_wheels(
    server: LiveServer, projects: BuiltProjects, published: Published
) -> None:
    _assert_served_as_built(server, BETA, projects.beta)
    _assert_served_as_built(server, ALPHA, projects.alpha_first)
    assert server.simple_json(BETA)["versions"] == ["1.0"]


def test_uv_publish_adds_a_release(
    server: LiveServer, projects: BuiltProjects, published: Published
) -> None:
    _assert_served_as_built(server, ALPHA, projects.alpha_latest)
    assert server.simple_json(ALPHA)["versions"] == ["1.0", "1.1"]


def test_twine_prints_the_reason_a_reused_filename_is_refused(
    server: LiveServer, projects: BuiltProjects, published: Published
) -> None:
    altered = BuiltProjects.wheel(projects.alpha_first_altered)
    original = BuiltProjects.wheel(projects.alpha_first)
    assert altered.name == original.name
    assert sha256_of(altered) != sha256_of(original)

    with server.recorded_requests() as requests:
        result = twine_upload(server, [altered], check=False)

    assert result.returncode != 0
    output = " ".join((result.stdout + result.stderr).split())
    assert "400" in output
    assert FileAlreadyExistsError(altered.name).message in output
    assert [(r.method, r.path, r.status) for r in requests] == [("POST", "/legacy/", 400)]
    assert server.files_of(ALPHA)[original.name]["hashes"] == {"sha256": sha256_of(original)}


# twine >= 6.2 refuses `--skip-existing` for every index but PyPI's own URLs, before any upload
# (pypa/twine#1253). A plain re-upload is what remains: the identical file answers 200, with a
# message starting "File already exists" for clients that look for it.
@pytest.mark.parametrize("client", ["twine", "uv publish"])
def test_reupload_of_identical_files_succeeds_and_changes_nothing(
    server: LiveServer, projects: BuiltProjects, published: Published, client: str
) -> None:
    before = server.files_of(BETA)

    with server.recorded_requests() as requests:
        if client == "twine":
            result = twine_upload(server, projects.beta, "--verbose")
        else:
            result = uv_publish(server, projects.beta)

    uploads = [(r.method, r.path, r.status) for r in requests if r.method == "POST"]
    assert uploads == [("POST", "/legacy/", 200)] * len(projects.beta)
    if client == "twine":
        assert "File already exists" in result.stdout + result.stderr
    assert server.files_of(BETA) == before
