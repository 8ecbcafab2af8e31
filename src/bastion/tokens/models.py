"""One row per API token: its root key, and what the web and CLI list about it."""

from __future__ import annotations

import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from bastion.db.base import Base
from bastion.db.types import UTCDateTime, utcnow


class ApiToken(Base):
    """A token's server-side half.

    The caveats live in the token itself, signed with `root_key`; `project_ids` and `expires`
    repeat them here for listing only, never for checking.
    """

    __tablename__ = "api_tokens"

    # The macaroon's identifier: random, public, and the lookup key.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    root_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    project_ids: Mapped[list[int] | None] = mapped_column(JSON)
    created: Mapped[datetime.datetime] = mapped_column(UTCDateTime, default=utcnow)
    not_before: Mapped[datetime.datetime] = mapped_column(UTCDateTime)
    expires: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)
    last_used: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)
    revoked: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime)
