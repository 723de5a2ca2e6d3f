"""SQLModel tables of the local store. Answers and profiles are JSON validated by the domain models;
times are stored as UTC ISO text and come back timezone-aware.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, String, UniqueConstraint, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime stored as ISO 8601 text (SQLite has no time zone type)."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times are UTC and timezone-aware")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: Any) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


def utc_column(*, nullable: bool = False) -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


class StoreMeta(SQLModel, table=True):
    """Facts about this store: its id, this device's id, when it was made."""

    __tablename__ = "store_meta"
    key: str = Field(primary_key=True)
    value: str


class CaseRow(SQLModel, table=True):
    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("site", "reference", name="uq_cases_site_reference"),)

    id: str = Field(primary_key=True)
    reference: str = Field(index=True)
    site: str
    allocated_on: date
    case_manager: str
    service_user: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    victims: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    status: str
    closed_on: date | None = None
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class AssessmentRow(SQLModel, table=True):
    """An assessment. Once not a draft, the database itself refuses changes (see the migration's triggers)."""

    __tablename__ = "assessments"
    __table_args__ = (
        Index("ix_assessments_case_timepoint", "case_id", "timepoint"),
        Index("uq_assessments_one_draft", "case_id", "timepoint", unique=True, sqlite_where=text("status = 'draft'")),
        Index(
            "uq_assessments_one_current", "case_id", "timepoint", unique=True, sqlite_where=text("status = 'submitted'")
        ),
    )

    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", nullable=False)
    timepoint: str
    form_id: str
    form_version: int
    answers: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    status: str
    author: str
    device_id: str
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    completed_on: date | None = None
    supersedes: str | None = Field(default=None, foreign_key="assessments.id", nullable=True)


class FormSnapshot(SQLModel, table=True):
    """Every form version this store has used, so history validates and renders exactly as entered."""

    __tablename__ = "form_snapshots"
    form_id: str = Field(primary_key=True)
    version: int = Field(primary_key=True)
    fingerprint: str
    spec: str


class OutboxRow(SQLModel, table=True):
    """A local change not yet acknowledged by the central store; ``change_id`` makes a resend harmless."""

    __tablename__ = "outbox"
    seq: int | None = Field(default=None, primary_key=True)
    change_id: str = Field(unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    entity: str
    entity_id: str
    op: str
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class AuditRow(SQLModel, table=True):
    """One audit event. Each carries the hash of the one before, so a removed or altered event shows."""

    __tablename__ = "audit_events"
    seq: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor: str
    device_id: str
    action: str
    entity: str
    entity_id: str
    detail: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    prev_hash: str
    hash: str
