"""The TUF repository's state: role versions, signed targets, and changes waiting to be signed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bastion.db.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tuf_roles",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("expires", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_tuf_roles")),
    )
    op.create_index(op.f("ix_tuf_roles_expires"), "tuf_roles", ["expires"], unique=False)
    op.create_table(
        "tuf_targets",
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("project", sa.String(length=200), nullable=False),
        sa.Column("bin", sa.Integer(), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("path", name=op.f("pk_tuf_targets")),
    )
    op.create_index(op.f("ix_tuf_targets_bin"), "tuf_targets", ["bin"], unique=False)
    op.create_index(op.f("ix_tuf_targets_project"), "tuf_targets", ["project"], unique=False)
    op.create_table(
        "tuf_pending_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("project", sa.String(length=200), nullable=False),
        sa.Column("created", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tuf_pending_changes")),
    )


def downgrade() -> None:
    op.drop_table("tuf_pending_changes")
    op.drop_index(op.f("ix_tuf_targets_project"), table_name="tuf_targets")
    op.drop_index(op.f("ix_tuf_targets_bin"), table_name="tuf_targets")
    op.drop_table("tuf_targets")
    op.drop_index(op.f("ix_tuf_roles_expires"), table_name="tuf_roles")
    op.drop_table("tuf_roles")
