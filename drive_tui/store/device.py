"""This device as its store records it: who it works as (``Identity``) and how its sync stands (``SyncStatus``).

Read from ``store_meta`` with plain SQL over a DB-API connection too, so the app knows both before SQLAlchemy loads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drive_tui.domain.terms import Identity, Role

SYNC_PREFIX = "sync."
"""Enrolment and sync state live in ``store_meta`` under this prefix (see ``replica.sync_state``)."""


def identity_of(meta: dict[str, str], login: str) -> Identity:
    """This device's identity from its ``store_meta``. Once enrolled it works as the central store's user, with the
    role and sites the central store gave it, whatever the login name."""
    role = meta.get(SYNC_PREFIX + "role")
    sites = meta.get(SYNC_PREFIX + "sites")
    return Identity(
        user=meta.get(SYNC_PREFIX + "user") or login,
        device_id=meta["device_id"],
        role=Role(role) if role else None,
        sites=tuple(json.loads(sites)) if sites else (),
    )


def read_identity(connection: Any, login: str) -> Identity:
    rows = connection.execute(
        "SELECT key, value FROM store_meta WHERE key = 'device_id' OR key IN (?, ?, ?)",
        tuple(SYNC_PREFIX + name for name in ("user", "role", "sites")),
    ).fetchall()
    return identity_of(dict(rows), login)


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """What the app shows: enrolled or not, when the last sync finished, how many changes wait to be pushed."""

    enrolled: bool
    last_sync_at: datetime | None
    pending: int

    def describe(self) -> str:
        if not self.enrolled:
            return f"not enrolled ({self.pending} changes)" if self.pending else "not enrolled"
        when = self.last_sync_at.astimezone().strftime("%d %b %H:%M") if self.last_sync_at else "never"
        return f"{self.pending} unsynced · last sync {when}"


def read_sync_status(connection: Any) -> SyncStatus:
    """Enrolment, last sync and pending changes, over a DB-API connection to the store."""
    raw = dict(
        connection.execute(
            "SELECT substr(key, ?), value FROM store_meta WHERE key IN (?, ?, ?)",
            (len(SYNC_PREFIX) + 1, *(SYNC_PREFIX + name for name in ("server_url", "token", "last_sync_at"))),
        ).fetchall()
    )
    (pending,) = connection.execute("SELECT count(*) FROM outbox WHERE acknowledged_at IS NULL").fetchone()
    return SyncStatus(
        enrolled=bool(raw.get("server_url") and raw.get("token")),
        last_sync_at=datetime.fromisoformat(raw["last_sync_at"]) if raw.get("last_sync_at") else None,
        pending=pending,
    )
