"""Initial central schema: server identity and commit log, users, enrolments, devices, cases, assessments,
reviews, conflicts, case moves, received changes and the access log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from drive_tui.sqltypes import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("device_id", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("case_ids", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("site", sa.String(), nullable=False),
        sa.Column("allocated_on", sa.Date(), nullable=False),
        sa.Column("case_manager", sa.String(), nullable=False),
        sa.Column("service_user", _JSON, nullable=False),
        sa.Column("victims", _JSON, nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site", "reference", name="uq_central_cases_site_reference"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_case_manager"), ["case_manager"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_seq"), ["seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_site"), ["site"], unique=False)

    op.create_table(
        "changes",
        sa.Column("change_id", sa.String(), nullable=False),
        sa.Column("device_id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("made_at", UTCDateTime(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("op", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("payload", _JSON, nullable=True),
        sa.PrimaryKeyConstraint("change_id"),
    )
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_changes_device_id"), ["device_id"], unique=False)

    op.create_table(
        "commits",
        sa.Column("seq_high", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seq_low", sa.BigInteger(), nullable=False),
        sa.Column("stamp", sa.String(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq_high"),
    )
    op.create_table(
        "server_meta",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("sites", _JSON, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("timepoint", sa.String(), nullable=False),
        sa.Column("form_id", sa.String(), nullable=False),
        sa.Column("form_version", sa.Integer(), nullable=False),
        sa.Column("answers", _JSON, nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("author", sa.String(), nullable=False),
        sa.Column("device_id", sa.String(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("supersedes", sa.String(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_seq"), ["seq"], unique=False)
        batch_op.create_index("ix_central_assessments_case", ["case_id", "seq"], unique=False)

    op.create_table(
        "case_moves",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("from_user", sa.String(), nullable=False),
        sa.Column("to_user", sa.String(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_moves", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_moves_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_moves_from_user"), ["from_user"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_moves_seq"), ["seq"], unique=False)

    op.create_table(
        "conflicts",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("central_value", _JSON, nullable=True),
        sa.Column("incoming_value", _JSON, nullable=True),
        sa.Column("incoming_author", sa.String(), nullable=False),
        sa.Column("incoming_change_id", sa.String(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(), nullable=True),
        sa.Column("resolution", _JSON, nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conflicts_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_conflicts_seq"), ["seq"], unique=False)

    op.create_table(
        "devices",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("token_hash", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("enrolled_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=True),
        sa.Column("last_sync_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("accepted_changes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_devices_user_id"), ["user_id"], unique=False)

    op.create_table(
        "enrolments",
        sa.Column("code_hash", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("code_hash"),
    )
    op.create_table(
        "reviews",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("assessment_id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("reviewer", sa.String(), nullable=False),
        sa.Column("decision", sa.String(), nullable=False),
        sa.Column("comment", sa.String(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reviews_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reviews_seq"), ["seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_seq"))
        batch_op.drop_index(batch_op.f("ix_reviews_case_id"))
        batch_op.drop_index(batch_op.f("ix_reviews_assessment_id"))

    op.drop_table("reviews")
    op.drop_table("enrolments")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devices_user_id"))

    op.drop_table("devices")
    with op.batch_alter_table("conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conflicts_seq"))
        batch_op.drop_index(batch_op.f("ix_conflicts_case_id"))

    op.drop_table("conflicts")
    with op.batch_alter_table("case_moves", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_moves_seq"))
        batch_op.drop_index(batch_op.f("ix_case_moves_from_user"))
        batch_op.drop_index(batch_op.f("ix_case_moves_case_id"))

    op.drop_table("case_moves")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_central_assessments_case")
        batch_op.drop_index(batch_op.f("ix_assessments_seq"))

    op.drop_table("assessments")
    op.drop_table("users")
    op.drop_table("server_meta")
    op.drop_table("commits")
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changes_device_id"))

    op.drop_table("changes")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_site"))
        batch_op.drop_index(batch_op.f("ix_cases_seq"))
        batch_op.drop_index(batch_op.f("ix_cases_case_manager"))

    op.drop_table("cases")
    op.drop_table("access_log")
