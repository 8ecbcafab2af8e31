"""What the upload tests check after a refusal: the one-line reason, and that nothing stayed.

`IndexState` is everything an upload can leave behind: a row in any table, a blob (or a
half-written `.tmp-` file) under the storage directory, and a spooled request body under
`data_dir/tmp`. A refused upload must leave all three exactly as they were.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select, table

from bastion.config import Settings


@dataclasses.dataclass(frozen=True)
class IndexState:
    """Row counts of every table and the files on disk, at one moment."""

    row_counts: dict[str, int]
    stored_files: list[str]
    spooled_files: list[str]


def _files_below(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def index_state(engine: Engine, settings: Settings) -> IndexState:
    """Snapshot the database (every table, not only the upload's) and the data directory."""
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        counts = {
            name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in tables
        }
    return IndexState(
        row_counts=counts,
        stored_files=_files_below(settings.storage_dir),
        spooled_files=_files_below(settings.data_dir / "tmp"),
    )


@contextlib.contextmanager
def leaves_nothing(engine: Engine, settings: Settings) -> Iterator[IndexState]:
    """Assert that the block changes no row count and no file in storage or the spool."""
    before = index_state(engine, settings)
    yield before
    after = index_state(engine, settings)
    changed = {
        name: (before.row_counts.get(name), count)
        for name, count in after.row_counts.items()
        if before.row_counts.get(name) != count
    }
    assert not changed, f"rows left behind, table: (before, after): {changed}"
    assert after.stored_files == before.stored_files
    assert after.spooled_files == []


def assert_refused(response, status: int, reason: str) -> str:
    """Assert the status, and that `reason` is in the one line of both status phrase and body.

    Returns the line, for further checks.
    """
    assert response.status_int == status, response.text
    phrase = response.status.split(" ", 1)[1]
    assert reason in phrase, phrase
    assert "\n" not in phrase
    assert response.text == phrase + "\n"
    return phrase
