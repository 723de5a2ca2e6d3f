"""What a form holds while it is being typed — a work-log entry, a contact strategy's plan — kept in the store as it
is typed, so that a crash, a lock or a quit loses none of it. Local and encrypted like everything else in the store,
never journalled or synced: it is not work done yet. Dropped when the form is saved or discarded, and with its
case when the case is released.

Keys are ``form_draft:<case id>/<what>``, in ``store_meta``.
"""

from __future__ import annotations

import json
from typing import Any

from drive_tui.store.journal import expire
from drive_tui.store.store import Tx
from drive_tui.store.tables import StoreMeta

PREFIX = "form_draft:"


def draft_key(case_id: str, what: str) -> str:
    return f"{PREFIX}{case_id}/{what}"


def case_drafts_prefix(case_id: str) -> str:
    """What every draft key of a case begins with."""
    return f"{PREFIX}{case_id}/"


def keep_draft(tx: Tx, key: str, values: Any) -> None:
    """Keep ``values`` (JSON-able) under ``key``: a plain-SQL write, about a millisecond, on every change."""
    tx.dbapi.execute(
        "INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(values, default=str)),
    )
    expire(tx, StoreMeta, key)


def kept_draft(tx: Tx, key: str) -> Any | None:
    row = tx.dbapi.execute("SELECT value FROM store_meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else json.loads(row[0])


def drop_draft(tx: Tx, key: str) -> None:
    tx.dbapi.execute("DELETE FROM store_meta WHERE key = ?", (key,))
    expire(tx, StoreMeta, key)
