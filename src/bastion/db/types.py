"""Column types shared by every domain."""

from __future__ import annotations

import datetime

from sqlalchemy import DateTime, TypeDecorator
from sqlalchemy.engine import Dialect


class UTCDateTime(TypeDecorator[datetime.datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite stores no zone, so values are normalised to UTC on the way in and marked UTC on the
    way out; comparing a naive and an aware datetime would otherwise fail at run time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self,
        value: datetime.datetime | None,
        dialect: Dialect,  # noqa: ARG002
    ) -> datetime.datetime | None:
        """Store `value` in UTC; a naive datetime is a bug in the caller."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(datetime.UTC)

    def process_result_value(
        self,
        value: datetime.datetime | None,
        dialect: Dialect,  # noqa: ARG002
    ) -> datetime.datetime | None:
        """Return `value` as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value.astimezone(datetime.UTC)


def utcnow() -> datetime.datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.datetime.now(datetime.UTC)
