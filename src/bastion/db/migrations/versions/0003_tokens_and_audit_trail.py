"""API tokens, and the audit trail with triggers that make it append-only.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 13:05:30.311540
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bastion.db.types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every column but ip_address, which retention may clear (set to NULL) and nothing else.
_FROZEN_COLUMNS = (
    "id, tag, time, actor_id, actor_name, user_id, user_name, project_id, project_name, "
    "ip_hash, user_agent, details"
)

_SQLITE_TRIGGERS = (
    """CREATE TRIGGER security_events_no_delete BEFORE DELETE ON security_events
    BEGIN SELECT RAISE(ABORT, 'security_events is append-only'); END""",
    f"""CREATE TRIGGER security_events_no_update BEFORE UPDATE OF {_FROZEN_COLUMNS}
    ON security_events
    BEGIN SELECT RAISE(ABORT, 'security_events is append-only'); END""",
    """CREATE TRIGGER security_events_ip_only_cleared BEFORE UPDATE OF ip_address
    ON security_events WHEN NEW.ip_address IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'security_events is append-only'); END""",
)

_POSTGRESQL_TRIGGERS = (
    """CREATE FUNCTION security_events_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.ip_address IS NULL
           AND ROW(NEW.id, NEW.tag, NEW.time, NEW.actor_id, NEW.actor_name, NEW.user_id,
                   NEW.user_name, NEW.project_id, NEW.project_name, NEW.ip_hash,
                   NEW.user_agent, NEW.details::text)
               IS NOT DISTINCT FROM
               ROW(OLD.id, OLD.tag, OLD.time, OLD.actor_id, OLD.actor_name, OLD.user_id,
                   OLD.user_name, OLD.project_id, OLD.project_name, OLD.ip_hash,
                   OLD.user_agent, OLD.details::text)
        THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'security_events is append-only';
    END
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER security_events_append_only BEFORE UPDATE OR DELETE ON security_events
    FOR EACH ROW EXECUTE FUNCTION security_events_append_only()""",
    # TRUNCATE skips row triggers: refuse it too.
    """CREATE TRIGGER security_events_no_truncate BEFORE TRUNCATE ON security_events
    FOR EACH STATEMENT EXECUTE FUNCTION security_events_append_only()""",
)


def upgrade() -> None:
    op.create_table(
        "security_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tag", sa.String(length=100), nullable=False),
        sa.Column("time", UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=50), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_name", sa.String(length=50), nullable=True),
        sa.Column("project_id", sa.Integer(), nullable=True),
        sa.Column("project_name", sa.String(length=200), nullable=True),
        sa.Column("ip_hash", sa.String(length=64), nullable=True),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=400), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_events")),
    )
    with op.batch_alter_table("security_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_security_events_project_id_time", ["project_id", "time"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_security_events_tag"), ["tag"], unique=False)
        batch_op.create_index("ix_security_events_user_id_time", ["user_id", "time"], unique=False)
    dialect = op.get_bind().dialect.name
    triggers = {"sqlite": _SQLITE_TRIGGERS, "postgresql": _POSTGRESQL_TRIGGERS}.get(dialect, ())
    for statement in triggers:
        op.execute(statement)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("root_key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("project_ids", sa.JSON(), nullable=True),
        sa.Column("created", UTCDateTime(timezone=True), nullable=False),
        sa.Column("not_before", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used", UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_api_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))
    op.drop_table("api_tokens")
    # Dropping the table drops its triggers (and, on PostgreSQL, the function goes after).
    op.drop_table("security_events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION security_events_append_only()")
