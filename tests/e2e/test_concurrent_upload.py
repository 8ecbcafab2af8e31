"""Two clients racing to upload files that cannot both land, to a live server.

Covers: exactly one upload answers 200 and the other 400 with the one-line reason; afterwards
the database holds exactly one File row for the filename (and one project with one Owner, as
both requests also raced to create the project) and storage exactly one blob, whose bytes are
the winner's and whose path is the row's; nothing half-written is left behind. Likewise two
sdists of one release under two filenames: one lands, the other is refused.
Several rounds, each a new project, make the race likely on every backend.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bastion.packaging.models import File, FilenameRegistry, Project, Role
from bastion.upload.errors import FileAlreadyExistsError
from tests.conftest import PASSWORD, basic_auth
from tests.e2e.conftest import USERNAME, HttpResponse, LiveServer
from tests.factories.dists import Dist, build_sdist, build_wheel, multipart_upload

pytestmark = pytest.mark.e2e

ROUNDS = 5


def _race(server: LiveServer, contenders: list[Dist]) -> list[HttpResponse]:
    """POST every contender at once (released together by a barrier); responses in order."""
    barrier = threading.Barrier(len(contenders))
    auth = basic_auth(USERNAME, PASSWORD)

    def send(dist: Dist) -> HttpResponse:
        body, content_type = multipart_upload(dist)
        barrier.wait(timeout=30)
        return server.request(
            "/legacy/", method="POST", data=body, headers={**auth, "Content-Type": content_type}
        )

    with ThreadPoolExecutor(len(contenders)) as pool:
        return list(pool.map(send, contenders))


def _stored_blobs(storage: Path, filename: str) -> list[Path]:
    return [path for path in storage.rglob("*") if path.is_file() and path.name == filename]


def test_concurrent_uploads_of_one_new_filename_store_exactly_one(server: LiveServer) -> None:
    storage = server.data_dir / "files"
    engine = server.open_database()
    try:
        for round_number in range(ROUNDS):
            name = f"e2e-race-{uuid.uuid4().hex[:8]}"
            contenders = [
                build_wheel(name, "1.0", module_source=f"CONTENDER = {i}\n") for i in range(2)
            ]
            filename = contenders[0].filename
            assert {d.filename for d in contenders} == {filename}
            assert len({d.sha256 for d in contenders}) == 2

            responses = _race(server, contenders)

            context = f"round {round_number}: {responses}"
            assert sorted(r.status for r in responses) == [200, 400], context
            winner = contenders[[r.status for r in responses].index(200)]
            loser_response = next(r for r in responses if r.status == 400)
            reason = FileAlreadyExistsError(filename).message
            assert loser_response.reason == reason, context
            assert loser_response.body.decode().strip() == reason, context

            with engine.connect() as connection:
                rows = connection.execute(select(File).where(File.filename == filename)).all()
                registered = connection.scalar(
                    select(func.count()).where(FilenameRegistry.filename == filename)
                )
                projects = connection.scalar(
                    select(func.count()).where(Project.normalized_name == name)
                )
                roles = connection.scalar(
                    select(func.count())
                    .select_from(Role)
                    .join(Project)
                    .where(Project.normalized_name == name)
                )
            assert len(rows) == 1, context
            assert (registered, projects, roles) == (1, 1, 1), context
            row = rows[0]
            assert row.sha256_digest == winner.sha256, context

            blobs = _stored_blobs(storage, filename)
            assert len(blobs) == 1, (context, blobs)
            assert blobs[0].relative_to(storage).as_posix() == row.path
            assert hashlib.sha256(blobs[0].read_bytes()).hexdigest() == row.sha256_digest
            assert Path(f"{blobs[0]}.metadata").read_bytes() == winner.metadata
    finally:
        engine.dispose()

    assert list(storage.rglob(".tmp-*")) == []
    assert list((server.data_dir / "tmp").iterdir()) == []


def test_concurrent_sdists_of_one_release_store_exactly_one(server: LiveServer) -> None:
    # "1.0" and "1.0.0" are one release with two sdist filenames: both pass every check that
    # reads committed rows, so only the database can refuse the second.
    engine = server.open_database()
    try:
        for round_number in range(ROUNDS):
            name = f"e2e-sdist-race-{uuid.uuid4().hex[:8]}"
            contenders = [build_sdist(name, version) for version in ("1.0", "1.0.0")]

            responses = _race(server, contenders)

            context = f"round {round_number}: {responses}"
            assert sorted(r.status for r in responses) == [200, 400], context
            winner = contenders[[r.status for r in responses].index(200)]
            loser = next(r for r in responses if r.status == 400)
            assert loser.reason.startswith("Only one sdist may be uploaded per release"), context
            with engine.connect() as connection:
                filenames = connection.scalars(
                    select(File.filename)
                    .join(File.release)
                    .join(Project)
                    .where(Project.normalized_name == name)
                ).all()
                registered = connection.scalars(
                    select(FilenameRegistry.filename).where(
                        FilenameRegistry.filename.in_([d.filename for d in contenders])
                    )
                ).all()
            assert filenames == [winner.filename], context
            assert registered == [winner.filename], context
    finally:
        engine.dispose()
