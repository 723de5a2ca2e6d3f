"""The work log — each case's contact attempts, direct sessions and multi-agency work, pulled by the devices that
may see the case — and each case's contact strategy.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from drive_tui.sqltypes import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_log",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("entry", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("device_id", sa.String(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_central_work_log_case", "work_log", ["case_id", "seq"])
    op.create_index(op.f("ix_work_log_seq"), "work_log", ["seq"])
    op.add_column("cases", sa.Column("contact_strategy", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "contact_strategy")
    op.drop_index(op.f("ix_work_log_seq"), "work_log")
    op.drop_index("ix_central_work_log_case", "work_log")
    op.drop_table("work_log")
