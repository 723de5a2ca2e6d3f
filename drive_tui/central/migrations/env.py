"""Alembic environment of the central store: migrations run on a connection handed over by ``central.db``."""

from __future__ import annotations

from alembic import context

from drive_tui.central.tables import CentralModel

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("central migrations run from `drive-tui server init` / `drive-tui server`, not the alembic CLI")

context.configure(
    connection=connection, target_metadata=CentralModel.metadata, render_as_batch=connection.dialect.name == "sqlite"
)
with context.begin_transaction():
    context.run_migrations()
