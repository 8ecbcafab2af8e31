"""A filename is used once, forever: what re-uploading a used filename answers.

Identical bytes answer 200 with a body starting `File already exists` (a retry, or
`twine upload --skip-existing`); other bytes under a used name answer 400; a filename whose file
was deleted stays used. None of these changes a row or a stored file.
"""

from __future__ import annotations

import dataclasses
import hashlib

from sqlalchemy import delete, select

from bastion.packaging.models import File, FilenameRegistry
from bastion.packaging.paths import metadata_path
from bastion.storage import LocalStorage
from tests.factories.dists import build_wheel, upload
from tests.upload.checks import assert_refused, index_state


def _stored_sha256(app, filename: str) -> str:
    files = app.get("/pypi/sample-project/json").json["urls"]
    url = next(f["url"] for f in files if f["filename"] == filename)
    return hashlib.sha256(app.get(url).body).hexdigest()


def test_an_accepted_upload_shows_in_the_index_state(app, alice, engines, settings):
    # The snapshot the refusal tests compare must see what an upload adds, or they prove nothing.
    before = index_state(engines.writer, settings)
    assert upload(app, build_wheel(), alice).status_int == 200
    after = index_state(engines.writer, settings)
    for table in ("projects", "releases", "files", "filename_registry", "journal", "roles"):
        assert after.row_counts[table] > before.row_counts[table], table
    assert len(after.stored_files) == len(before.stored_files) + 2  # the wheel and its METADATA


def test_re_uploading_the_identical_file_answers_200_file_already_exists(app, alice, unchanged):
    dist = build_wheel()
    assert upload(app, dist, alice).status_int == 200
    with unchanged():
        response = upload(app, dist, alice)
    assert response.status_int == 200
    assert response.text.startswith(f"File already exists ({dist.filename!r})")


def test_other_bytes_under_a_used_filename_are_refused(app, alice, unchanged):
    original = build_wheel(module_source="VALUE = 1\n")
    assert upload(app, original, alice).status_int == 200
    changed = build_wheel(module_source="VALUE = 2\n")
    assert changed.filename == original.filename
    with unchanged():
        response = upload(app, changed, alice)
    assert_refused(response, 400, f"File already exists ({original.filename!r}) with different")
    assert _stored_sha256(app, original.filename) == original.sha256


def test_the_same_bytes_under_another_filename_are_refused(app, alice, unchanged):
    original = build_wheel()
    assert upload(app, original, alice).status_int == 200
    renamed = dataclasses.replace(original, filename="sample_project-1.0-py2.py3-none-any.whl")
    with unchanged():
        response = upload(app, renamed, alice)
    assert_refused(response, 400, f"File already exists ({original.filename!r})")


def _delete_file_row_and_blobs(session, settings, filename: str) -> None:
    """Remove a file as a delete would: its row and blobs go, its filename stays registered."""
    dist_file = session.scalars(select(File).where(File.filename == filename)).one()
    storage = LocalStorage(settings.storage_dir)
    storage.delete(dist_file.path)
    storage.delete(metadata_path(dist_file.path))
    session.execute(delete(File).where(File.id == dist_file.id))
    assert session.get(FilenameRegistry, filename) is not None
    session.commit()  # and end the transaction: on SQLite it holds the write lock


def test_a_filename_whose_file_was_deleted_cannot_be_used_again(
    app, alice, session, settings, unchanged
):
    original = build_wheel(module_source="VALUE = 1\n")
    assert upload(app, original, alice).status_int == 200
    _delete_file_row_and_blobs(session, settings, original.filename)
    with unchanged():
        different = upload(app, build_wheel(module_source="VALUE = 2\n"), alice)
        identical = upload(app, original, alice)
    for response in (different, identical):
        assert_refused(response, 400, "This filename has already been used")
