"""Initial schema: cases, assessments, form snapshots, outbox, audit events, and the triggers that keep
submitted assessments and audit events unchangeable.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from drive_tui.store.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ASSESSMENT_CONTENT = (
    "id",
    "case_id",
    "timepoint",
    "form_id",
    "form_version",
    "answers",
    "author",
    "device_id",
    "created_at",
    "updated_at",
    "submitted_at",
    "completed_on",
    "supersedes",
)


def upgrade() -> None:
    op.create_table(
        "store_meta",
        sa.Column("key", sa.String(), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("allocated_on", sa.Date(), nullable=False),
        sa.Column("case_manager", sa.String(), nullable=False),
        sa.Column("service_user", sa.JSON(), nullable=False),
        sa.Column("victims", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("site", "reference", name="uq_cases_site_reference"),
    )
    op.create_index("ix_cases_reference", "cases", ["reference"])
    op.create_table(
        "assessments",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("case_id", sa.String(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("timepoint", sa.String(), nullable=False),
        sa.Column("form_id", sa.String(), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("device_id", sa.String(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("supersedes", sa.String(), sa.ForeignKey("assessments.id"), nullable=True),
    )
    op.create_index("ix_assessments_case_timepoint", "assessments", ["case_id", "timepoint"])
    op.create_index(
        "uq_assessments_one_draft",
        "assessments",
        ["case_id", "timepoint"],
        unique=True,
        sqlite_where=sa.text("status = 'draft'"),
    )
    op.create_index(
        "uq_assessments_one_current",
        "assessments",
        ["case_id", "timepoint"],
        unique=True,
        sqlite_where=sa.text("status = 'submitted'"),
    )
    op.create_table(
        "form_snapshots",
        sa.Column("form_id", sa.String(), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.Column("spec", sa.String(), nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("change_id", sa.String(), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("op", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
    )
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer(), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("device_id", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
    )
    changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in _ASSESSMENT_CONTENT)
    op.execute(
        f"""CREATE TRIGGER assessments_immutable BEFORE UPDATE ON assessments
        WHEN OLD.status <> 'draft' AND (
            {changed}
            OR NOT (NEW.status = OLD.status OR (OLD.status = 'submitted' AND NEW.status = 'amended')))
        BEGIN SELECT RAISE(ABORT, 'a submitted assessment cannot be changed; amend it instead'); END"""
    )
    op.execute(
        """CREATE TRIGGER assessments_keep_submitted BEFORE DELETE ON assessments
        WHEN OLD.status <> 'draft'
        BEGIN SELECT RAISE(ABORT, 'a submitted assessment cannot be deleted'); END"""
    )
    op.execute(
        """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"""
    )
    op.execute(
        """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"""
    )


def downgrade() -> None:
    for trigger in ("audit_no_delete", "audit_no_update", "assessments_keep_submitted", "assessments_immutable"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table in ("audit_events", "outbox", "form_snapshots", "assessments", "cases", "store_meta"):
        op.drop_table(table)
