"""SQLModel tables of the local store. Answers and profiles are JSON validated by the domain models;
times are stored as UTC ISO text and come back timezone-aware.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from drive_tui.sqltypes import UTCDateTime


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
    contact_strategy: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """The case's ``ContactStrategy`` as JSON: not part of the profile, changed only by its own operations."""


class AssessmentRow(SQLModel, table=True):
    """An assessment. Once not a draft, the database itself refuses changes (see the migration's triggers)."""

    __tablename__ = "assessments"
    __table_args__ = (
        Index("ix_assessments_case_timepoint", "case_id", "timepoint"),
        Index("uq_assessments_one_draft", "case_id", "timepoint", unique=True, sqlite_where=text("status = 'draft'")),
        Index(
            "uq_assessments_one_current", "case_id", "timepoint", unique=True, sqlite_where=text("status = 'submitted'")
        ),
        # covers the caseload's read (store.caseload): no assessment's answers are decrypted to list the cases
        Index(
            "ix_assessments_caseload",
            "case_id",
            "timepoint",
            "status",
            text("json_extract(answers, '$.risk_to_victim')"),
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


ASSESSMENT_FIELDS = tuple(AssessmentRow.model_fields)
"""Every column of an assessment row, ``id`` first, in declaration order."""


class WorkLogRow(SQLModel, table=True):
    """A work-log entry of a case: ``entry`` is the ``WorkLogEntry`` as JSON; case and date are columns to find it."""

    __tablename__ = "work_log"
    __table_args__ = (Index("ix_work_log_case_date", "case_id", "date"),)
    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", nullable=False)
    date: date
    entry: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


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
    __table_args__ = (Index("ix_outbox_pending", "seq", sqlite_where=text("acknowledged_at IS NULL")),)

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


class ReviewRow(SQLModel, table=True):
    """A supervisor's sign-off or return of a submitted assessment (made on their device, or pulled)."""

    __tablename__ = "reviews"
    id: str = Field(primary_key=True)
    assessment_id: str = Field(foreign_key="assessments.id")
    case_id: str = Field(foreign_key="cases.id", index=True)
    reviewer: str
    decision: str
    comment: str
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class ConflictRow(SQLModel, table=True):
    """A case field two devices set differently, as the central store reported it."""

    __tablename__ = "conflicts"
    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    field: str
    central_value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    incoming_value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    incoming_author: str
    opened_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    resolved_by: str | None = None
    resolution: Any = Field(default=None, sa_column=Column(JSON, nullable=True))


class ReleasedCase(SQLModel, table=True):
    """A case reassigned to another case manager: removed from this device once nothing for it is pending."""

    __tablename__ = "released_cases"
    case_id: str = Field(primary_key=True)
    requested_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
