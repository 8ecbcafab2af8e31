"""One sdist per release: a partial unique index on files(release_id) for sdists.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 13:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SDISTS = sa.text("packagetype = 'sdist'")


def upgrade() -> None:
    # CREATE INDEX fails if an existing release already holds two sdists; an index that had
    # them would need an operator to choose which to keep, which no migration should guess.
    op.create_index(
        "uq_files_one_sdist_per_release",
        "files",
        ["release_id"],
        unique=True,
        sqlite_where=_SDISTS,
        postgresql_where=_SDISTS,
    )


def downgrade() -> None:
    op.drop_index("uq_files_one_sdist_per_release", table_name="files")
