"""Lifecycle and moderation: soft deletes, per-file yanks, documentation URLs, look-alike
names, the operator's switches, prohibited names and advisories.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 19:00:00.000000
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bastion.db.types import UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SOFT_DELETED = ("projects", "releases", "files")


def _ultranormalize(name: str) -> str:
    # As bastion.packaging.names.ultranormalize_name did at this revision (a migration must not
    # change when that code does).
    folded = name.replace("I", "l").lower()
    return re.sub(r"[-_.]+", "", folded).replace("1", "l").replace("0", "o")


def upgrade() -> None:
    for table in _SOFT_DELETED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("deleted_at", UTCDateTime(timezone=True)))
            batch_op.add_column(sa.Column("deleted_by_id", sa.Integer()))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_deleted_by_id_users"), "users", ["deleted_by_id"], ["id"],
                ondelete="SET NULL",
            )  # fmt: skip
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("yanked", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("yanked_reason", sa.Text()))
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("docs_url", sa.Text()))
        batch_op.add_column(
            sa.Column("ultranormalized_name", sa.String(200), server_default="", nullable=False)
        )
    projects = sa.table(
        "projects", sa.column("id"), sa.column("name"), sa.column("ultranormalized_name")
    )
    connection = op.get_bind()
    for project_id, name in connection.execute(sa.select(projects.c.id, projects.c.name)).all():
        connection.execute(
            projects.update()
            .where(projects.c.id == project_id)
            .values(ultranormalized_name=_ultranormalize(name))
        )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.alter_column("ultranormalized_name", server_default=None)
        batch_op.create_index(
            batch_op.f("ix_projects_ultranormalized_name"), ["ultranormalized_name"]
        )

    op.create_table(
        "admin_flags",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f("fk_admin_flags_changed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_flags")),
    )  # fmt: skip
    op.create_table(
        "prohibited_project_names",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("ultranormalized_name", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created", UTCDateTime(timezone=True), nullable=False),
        sa.Column("prohibited_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["prohibited_by_id"], ["users.id"],
            name=op.f("fk_prohibited_project_names_prohibited_by_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_prohibited_project_names")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_prohibited_project_names_ultranormalized_name"),
        "prohibited_project_names",
        ["ultranormalized_name"],
    )
    op.create_table(
        "advisories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("advisory_id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("fixed_in", sa.JSON(), nullable=False),
        sa.Column("modified", UTCDateTime(timezone=True), nullable=True),
        sa.Column("withdrawn", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created", UTCDateTime(timezone=True), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_advisories_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advisories")),
        sa.UniqueConstraint(
            "project_id", "advisory_id", name=op.f("uq_advisories_project_id")
        ),
    )  # fmt: skip
    op.create_index(op.f("ix_advisories_project_id"), "advisories", ["project_id"])
    op.create_table(
        "advisory_releases",
        sa.Column("advisory_id", sa.Integer(), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["advisory_id"], ["advisories.id"],
            name=op.f("fk_advisory_releases_advisory_id_advisories"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["release_id"], ["releases.id"],
            name=op.f("fk_advisory_releases_release_id_releases"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("advisory_id", "release_id", name=op.f("pk_advisory_releases")),
    )  # fmt: skip
    op.create_index(op.f("ix_advisory_releases_release_id"), "advisory_releases", ["release_id"])


def downgrade() -> None:
    op.drop_table("advisory_releases")
    op.drop_table("advisories")
    op.drop_table("prohibited_project_names")
    op.drop_table("admin_flags")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_ultranormalized_name"))
        batch_op.drop_column("ultranormalized_name")
        batch_op.drop_column("docs_url")
    with op.batch_alter_table("files", schema=None) as batch_op:
        batch_op.drop_column("yanked_reason")
        batch_op.drop_column("yanked")
    for table in _SOFT_DELETED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f"fk_{table}_deleted_by_id_users"), "foreignkey")
            batch_op.drop_column("deleted_by_id")
            batch_op.drop_column("deleted_at")
