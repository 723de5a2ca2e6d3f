"""Sync: an index of the outbox rows still to push, supervisors' reviews and open conflicts pulled from the central
store, and cases released to another case manager (the only cases whose submitted assessments may leave this device).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from drive_tui.sqltypes import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("assessment_id", sa.String(), sa.ForeignKey("assessments.id"), nullable=False),
        sa.Column("case_id", sa.String(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("reviewer", sa.String(), nullable=False),
        sa.Column("decision", sa.String(), nullable=False),
        sa.Column("comment", sa.String(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_reviews_case_id", "reviews", ["case_id"])
    op.create_table(
        "conflicts",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("case_id", sa.String(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("central_value", sa.JSON(), nullable=True),
        sa.Column("incoming_value", sa.JSON(), nullable=True),
        sa.Column("incoming_author", sa.String(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(), nullable=True),
        sa.Column("resolution", sa.JSON(), nullable=True),
    )
    op.create_index("ix_conflicts_case_id", "conflicts", ["case_id"])
    op.create_table(
        "released_cases",
        sa.Column("case_id", sa.String(), primary_key=True),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("released_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_outbox_pending", "outbox", ["seq"], sqlite_where=sa.text("acknowledged_at IS NULL"))
    op.execute("DROP TRIGGER assessments_keep_submitted")
    op.execute(
        """CREATE TRIGGER assessments_keep_submitted BEFORE DELETE ON assessments
        WHEN OLD.status <> 'draft' AND NOT EXISTS (
            SELECT 1 FROM released_cases WHERE case_id = OLD.case_id AND released_at IS NOT NULL)
        BEGIN SELECT RAISE(ABORT, 'a submitted assessment cannot be deleted'); END"""
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_pending", "outbox")
    op.execute("DROP TRIGGER assessments_keep_submitted")
    op.execute(
        """CREATE TRIGGER assessments_keep_submitted BEFORE DELETE ON assessments
        WHEN OLD.status <> 'draft'
        BEGIN SELECT RAISE(ABORT, 'a submitted assessment cannot be deleted'); END"""
    )
    for table in ("released_cases", "conflicts", "reviews"):
        op.drop_table(table)
