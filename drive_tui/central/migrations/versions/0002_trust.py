"""The trust boundary: changes are unique per device, the server's receipt times, a log of refusals, what a device
was last sent and when a retired device was told to wipe; case managers get the sites of the cases they hold.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from drive_tui.sqltypes import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _changes_keyed_by_device()
    op.create_index("ix_changes_device_entity", "changes", ["device_id", "entity_id"], unique=False)
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wipe_ordered_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("pulled_seq", sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "refusals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=True),
        sa.Column("device_id", sa.String(), nullable=True),
        sa.Column("address", sa.String(), nullable=True),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("refusals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refusals_at"), ["at"], unique=False)
    _give_case_managers_their_sites()


def _changes_keyed_by_device() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("changes_pkey", "changes", type_="primary")
        op.create_primary_key("pk_changes", "changes", ["device_id", "change_id"])
        return
    # SQLite names no primary key, so batch mode cannot drop it: copy the table under the new key instead.
    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_changes_device_id"))
    op.rename_table("changes", "changes_old")
    op.create_table(
        "changes",
        sa.Column("device_id", sa.String(), nullable=False),
        sa.Column("change_id", sa.String(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("made_at", UTCDateTime(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.String(), nullable=False),
        sa.Column("op", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("device_id", "change_id", name="pk_changes"),
    )
    op.execute(
        "INSERT INTO changes (device_id, change_id, user_id, received_at, made_at, entity, entity_id, op, "
        "outcome, reason, payload) SELECT device_id, change_id, user_id, received_at, made_at, entity, "
        "entity_id, op, outcome, reason, payload FROM changes_old"
    )
    op.drop_table("changes_old")


def _give_case_managers_their_sites() -> None:
    """Case managers had no sites: each gets the sites of the cases they hold (none held: none, until given)."""
    bind = op.get_bind()
    held: dict[str, set[str]] = {}
    for username, site in bind.execute(sa.text("SELECT DISTINCT case_manager, site FROM cases")):
        held.setdefault(username, set()).add(site)
    users = bind.execute(sa.text("SELECT id, username FROM users WHERE role = 'case_manager'")).all()
    for user_id, username in users:
        sites = json.dumps(sorted(held.get(username, set())))
        if bind.dialect.name == "postgresql":
            bind.execute(
                sa.text("UPDATE users SET sites = CAST(:sites AS jsonb) WHERE id = :id"),
                {"sites": sites, "id": user_id},
            )
        else:
            bind.execute(sa.text("UPDATE users SET sites = :sites WHERE id = :id"), {"sites": sites, "id": user_id})


def downgrade() -> None:
    with op.batch_alter_table("refusals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refusals_at"))
    op.drop_table("refusals")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("pulled_seq")
        batch_op.drop_column("wipe_ordered_at")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_column("received_at")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_column("received_at")
    op.drop_index("ix_changes_device_entity", table_name="changes")
    # The changes table keeps its per-device key: ids used by two devices cannot be folded back into one.
