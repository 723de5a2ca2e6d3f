"""Every change is journalled twice in its own transaction: an outbox row (for sync) and an audit event.

Audit events form a hash chain: each event's hash covers its content and the previous event's hash, so
an altered, removed or reordered event breaks the chain. Details name fields, never values: the audit trail
must be safe to show a supervisor without disclosing case data.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, SQLModel, col, func, select

from drive_tui.domain.terms import Operation
from drive_tui.sqltypes import sqlite_text
from drive_tui.store.errors import Conflict
from drive_tui.store.store import Tx
from drive_tui.store.tables import AuditRow, OutboxRow, StoreMeta

GENESIS = "0" * 64
AUDIT_HEAD = "audit_head"
"""store_meta key holding "seq:hash" of the newest event, so removing events from the end shows too."""


def _event_hash(seq: int, event: AuditRow, prev_hash: str) -> str:
    """SHA-256 over the event's content, its place in the chain and the previous event's hash."""
    fields = {
        "seq": seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "device_id": event.device_id,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "detail": event.detail,
        "prev_hash": prev_hash,
    }
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def journal(
    tx: Tx,
    *,
    action: Operation,
    entity_id: str,
    payload: dict[str, Any],
    detail: dict[str, Any] | None = None,
) -> None:
    """Write the outbox row and the audit event of one change, in ``tx``.

    In plain SQL on the transaction's own connection: a keystroke's save is one of these, and through the ORM's
    unit of work (autoflushes, a ``get`` and three objects) it cost several times the durable commit itself
    (``bench/store_bench.py``). What the ORM holds of this transaction is flushed first, so rows land in the
    order they were made, and its copy of the audit head is expired after.
    """
    entity = action.entity
    if not tx.identity.may_write(entity):  # a supervisor's conflicts: held work only (reviews.py)
        raise Conflict("this is a supervisor's device: cases and assessments are changed by their case manager")
    tx.session.flush()
    db = tx.dbapi
    stamp = sqlite_text(tx.now)
    db.execute(
        "INSERT INTO outbox (change_id, created_at, entity, entity_id, op, payload) VALUES (?, ?, ?, ?, ?, ?)",
        (str(uuid.uuid4()), stamp, entity.value, entity_id, action.value, json.dumps(payload)),
    )
    last = db.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    event = AuditRow(
        seq=seq,
        at=tx.now,
        actor=tx.identity.user,
        device_id=tx.identity.device_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=detail or {},
        prev_hash=prev_hash,
        hash="",
    )
    event_hash = _event_hash(seq, event, prev_hash)
    db.execute(
        "INSERT INTO audit_events (seq, at, actor, device_id, action, entity, entity_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            seq,
            stamp,
            event.actor,
            event.device_id,
            action.value,
            entity.value,
            entity_id,
            json.dumps(event.detail),
            prev_hash,
            event_hash,
        ),
    )
    db.execute(
        "INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (AUDIT_HEAD, f"{seq}:{event_hash}"),
    )
    expire(tx, StoreMeta, AUDIT_HEAD)


def expire(tx: Tx, table: type[SQLModel], key: str) -> None:
    """Forget the ORM's copy of the row ``key`` of ``table``, if it holds one: it was just written in plain SQL."""
    held = tx.session.identity_map.get(identity_key(table, key))
    if held is not None:
        tx.session.expire(held)


@dataclass(frozen=True, slots=True)
class ChainCheck:
    events: int
    broken_at: int | None
    """The sequence number of the first event that does not fit the chain, or None when all is well."""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(session: Session) -> ChainCheck:
    """Walk the audit events in order, recomputing every hash."""
    prev_hash, expected_seq, count = GENESIS, 1, 0
    for row in session.exec(select(AuditRow).order_by(col(AuditRow.seq))):
        if (
            row.seq != expected_seq
            or row.prev_hash != prev_hash
            or row.hash != _event_hash(expected_seq, row, prev_hash)
        ):
            return ChainCheck(events=count, broken_at=expected_seq)
        prev_hash, expected_seq, count = row.hash, expected_seq + 1, count + 1
    head = session.get(StoreMeta, AUDIT_HEAD)
    if (head.value if head else "") != (f"{count}:{prev_hash}" if count else ""):
        return ChainCheck(events=count, broken_at=count + 1)  # events removed from the end
    return ChainCheck(events=count, broken_at=None)


def pending_changes(session: Session) -> int:
    """How many outbox rows the central store has not yet acknowledged."""
    query = select(func.count()).select_from(OutboxRow).where(col(OutboxRow.acknowledged_at).is_(None))
    return session.exec(query).one()
