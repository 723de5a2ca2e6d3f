"""Column types shared by the local store and the central store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


def sqlite_text(value: datetime) -> str:
    """A timezone-aware time as SQLite stores it (``UTCDateTime``): ISO 8601 in UTC, to the microsecond. For the
    few writes made in plain SQL."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: store times are UTC and timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime: ``timestamptz`` on PostgreSQL, ISO 8601 text on SQLite (no time zone type).

    Naive datetimes are refused: every stored time is UTC and says so.
    """

    impl = String(32)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(DateTime(timezone=True))
        return dialect.type_descriptor(String(32))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times are UTC and timezone-aware")
        return value.astimezone(UTC) if dialect.name == "postgresql" else sqlite_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None or isinstance(value, datetime):
            return value.astimezone(UTC) if isinstance(value, datetime) else None
        return datetime.fromisoformat(value)
