"""SQLModel tables of the central store (PostgreSQL in production, SQLite embedded). They live in their own
registry, apart from the local store's tables of the same names.

Every row a device may pull carries ``seq``: its place in the server's commit log, taken from ``server_meta``'s
``head`` under a row lock, so commits are numbered in the order they become visible and a cursor never skips
a row that committed late.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from drive_tui.sqltypes import UTCDateTime

JSONType = JSON().with_variant(JSONB(), "postgresql")


class CentralModel(SQLModel, registry=registry()):
    """Base of the central tables: a metadata of their own."""


class ServerMeta(CentralModel, table=True):
    """``server_id`` (this central store's identity) and ``head`` (the newest commit's sequence number)."""

    __tablename__ = "server_meta"
    key: str = Field(primary_key=True)
    value: str


class CommitRow(CentralModel, table=True):
    """One committed write: the sequence numbers it gave out and a random stamp, so a cursor can be checked."""

    __tablename__ = "commits"
    seq_high: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    seq_low: int = Field(sa_column=Column(BigInteger, nullable=False))
    stamp: str
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class UserRow(CentralModel, table=True):
    __tablename__ = "users"
    id: str = Field(primary_key=True)
    username: str = Field(unique=True)
    role: str
    sites: list[str] = Field(sa_column=Column(JSONType, nullable=False))
    """The sites a user works at: a supervisor sees their cases; a case manager creates cases only there."""
    active: bool = True
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class EnrolmentRow(CentralModel, table=True):
    """A one-time enrolment code, stored hashed; usable once, before it expires."""

    __tablename__ = "enrolments"
    code_hash: str = Field(primary_key=True)
    user_id: str = Field(foreign_key="users.id")
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class DeviceRow(CentralModel, table=True):
    __tablename__ = "devices"
    id: str = Field(primary_key=True)
    user_id: str = Field(foreign_key="users.id", index=True)
    name: str
    token_hash: str = Field(unique=True)
    state: str
    enrolled_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    last_sync_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    wipe_ordered_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    """When a retired device was first told to wipe: it may finish that sync's push, then its token is refused."""
    pulled_seq: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    """The newest commit this device was sent by a pull: a case moved away after it is news to the device."""
    accepted_changes: int = 0
    """Changes from this device the central store holds; a device holding more acknowledged ones re-sends."""


class CaseRow(CentralModel, table=True):
    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("site", "reference", name="uq_central_cases_site_reference"),)

    id: str = Field(primary_key=True)
    reference: str
    site: str = Field(index=True)
    allocated_on: date
    case_manager: str = Field(index=True)
    service_user: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    victims: list[dict[str, Any]] = Field(sa_column=Column(JSONType, nullable=False))
    status: str
    closed_on: date | None = None
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    contact_strategy: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType, nullable=True))
    """The case's ``ContactStrategy`` as JSON: not part of the profile, changed only by its own operations."""
    seq: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class AssessmentRow(CentralModel, table=True):
    __tablename__ = "assessments"
    __table_args__ = (Index("ix_central_assessments_case", "case_id", "seq"),)

    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id")
    timepoint: str
    form_id: str
    form_version: int
    answers: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    status: str
    author: str
    device_id: str
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    completed_on: date | None = None
    supersedes: str | None = None
    received_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    """When the central store received the change that last wrote this row (the server's clock, not the device's)."""
    seq: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class ReviewRow(CentralModel, table=True):
    """A supervisor's sign-off or return of a submitted assessment: the supervisor's own record."""

    __tablename__ = "reviews"
    id: str = Field(primary_key=True)
    assessment_id: str = Field(foreign_key="assessments.id", index=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    reviewer: str
    decision: str
    comment: str
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    received_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class WorkLogRow(CentralModel, table=True):
    """A work-log entry of a case. ``entry`` is the ``WorkLogEntry`` as JSON, its ``recorded_by`` the server's record
    of who first sent it; ``author`` and ``device_id`` say who last wrote it."""

    __tablename__ = "work_log"
    __table_args__ = (Index("ix_central_work_log_case", "case_id", "seq"),)

    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id")
    date: date
    kind: str
    entry: dict[str, Any] = Field(sa_column=Column(JSONType, nullable=False))
    author: str
    device_id: str
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    received_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class ConflictRow(CentralModel, table=True):
    """One case field given two different values by two devices. Both are kept until someone chooses."""

    __tablename__ = "conflicts"
    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    field: str
    central_value: Any = Field(sa_column=Column(JSONType, nullable=True))
    incoming_value: Any = Field(sa_column=Column(JSONType, nullable=True))
    incoming_author: str
    incoming_change_id: str
    opened_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    resolved_by: str | None = None
    resolution: Any = Field(default=None, sa_column=Column(JSONType, nullable=True))
    seq: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class CaseMoveRow(CentralModel, table=True):
    """A case reassigned to another case manager or site: the old case manager's device, and the old site's
    supervisors' devices, remove it (once their work on it is in)."""

    __tablename__ = "case_moves"
    id: str = Field(primary_key=True)
    case_id: str = Field(foreign_key="cases.id", index=True)
    from_user: str = Field(index=True)
    to_user: str
    from_site: str | None = Field(default=None, nullable=True)
    """The site it left (None: moves recorded before sites were, and moves within a site)."""
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class PurgedCaseRow(CentralModel, table=True):
    """A case removed under the retention policy (``central.retention``), once for each who could hold it — every
    case manager it had (``holder_kind`` "case_manager") and its site ("site", for the supervisors) — so that every
    device holding it removes it at its next pull. Its id and those names, nothing more."""

    __tablename__ = "purged_cases"
    case_id: str = Field(primary_key=True)
    holder_kind: str = Field(primary_key=True)
    holder: str = Field(primary_key=True)
    purged_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    seq: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class PurgedRecordRow(CentralModel, table=True):
    """A record of a purged case (an assessment, a work-log entry, a review, a conflict): its id and its case's, so
    that work still pending on it is refused for that change alone, as purged, rather than as unknown."""

    __tablename__ = "purged_records"
    record_id: str = Field(primary_key=True)
    case_id: str = Field(index=True)


class PurgeRow(CentralModel, table=True):
    """One run of the retention policy: who ran it, when, for which cut-off, and how many records went — never
    which."""

    __tablename__ = "purges"
    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    by: str
    closed_before: date
    counts: dict[str, int] = Field(sa_column=Column(JSONType, nullable=False))


class ChangeRow(CentralModel, table=True):
    """Every change received, by its device-made UUID: what makes a push idempotent. A rejected change keeps
    its payload here (quarantine), so nothing a device sent is lost even when it could not be applied."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_device_entity", "device_id", "entity_id"),)
    device_id: str = Field(primary_key=True)
    change_id: str = Field(primary_key=True)
    """Unique per device: one device's ids can never shadow another's changes."""
    user_id: str
    received_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    made_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    entity: str
    entity_id: str
    op: str
    outcome: str
    reason: str | None = None
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType, nullable=True))


class RefusalRow(CentralModel, table=True):
    """A request or change the server refused: who, from which device, what operation and why — never a value."""

    __tablename__ = "refusals"
    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    user_id: str | None = None
    device_id: str | None = None
    address: str | None = None
    action: str
    """The operation (``case.update``…) or the request (``enrol``, ``push``)."""
    entity_id: str | None = None
    reason: str


class AccessRow(CentralModel, table=True):
    """Who read which cases' data, from which device, when."""

    __tablename__ = "access_log"
    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    user_id: str
    device_id: str
    action: str
    case_ids: list[str] = Field(sa_column=Column(JSONType, nullable=False))
