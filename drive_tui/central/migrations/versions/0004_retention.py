"""Retention, and moves between sites. Cases removed after their time (``drive-tui server retention``) leave only
their id and who could hold them, for the devices to remove them too, and their records' ids; each run is recorded
by its counts. A move records the site a case left, so that site's supervisors' devices remove it.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from drive_tui.sqltypes import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("case_moves", sa.Column("from_site", sa.String(), nullable=True))
    op.create_table(
        "purged_cases",
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("holder_kind", sa.String(), nullable=False),
        sa.Column("holder", sa.String(), nullable=False),
        sa.Column("purged_at", UTCDateTime(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "holder_kind", "holder"),
    )
    op.create_index(op.f("ix_purged_cases_seq"), "purged_cases", ["seq"])
    op.create_table(
        "purged_records",
        sa.Column("record_id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("record_id"),
    )
    op.create_index(op.f("ix_purged_records_case_id"), "purged_records", ["case_id"])
    op.create_table(
        "purges",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("by", sa.String(), nullable=False),
        sa.Column("closed_before", sa.Date(), nullable=False),
        sa.Column("counts", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_column("case_moves", "from_site")
    op.drop_table("purges")
    op.drop_index(op.f("ix_purged_records_case_id"), "purged_records")
    op.drop_table("purged_records")
    op.drop_index(op.f("ix_purged_cases_seq"), "purged_cases")
    op.drop_table("purged_cases")
