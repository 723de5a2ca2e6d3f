"""The work log — a case's contact attempts, direct sessions and multi-agency work — and its contact strategy
(issue 12).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from drive_tui.sqltypes import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_log",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("case_id", sa.String(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_work_log_case_date", "work_log", ["case_id", "date"])
    # ALTER TABLE, not batch mode: copying ``cases`` would drop the table the other tables' foreign keys point at
    op.add_column("cases", sa.Column("contact_strategy", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "contact_strategy")
    op.drop_index("ix_work_log_case_date", "work_log")
    op.drop_table("work_log")
