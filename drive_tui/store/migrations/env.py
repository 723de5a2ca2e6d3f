"""Alembic environment: migrations run on a connection handed over by ``drive_tui.store.engine``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import drive_tui.store.tables  # noqa: F401 - registers the tables on SQLModel.metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("drive-tui migrations run from the application on an unlocked store, not from the alembic CLI")

context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
