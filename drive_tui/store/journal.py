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

from sqlmodel import Session, col, func, select

from drive_tui.store.store import Tx
from drive_tui.store.tables import AuditRow, OutboxRow

GENESIS = "0" * 64


def _event_hash(seq: int, fields: dict[str, Any], prev_hash: str) -> str:
    body = json.dumps({"seq": seq, **fields, "prev_hash": prev_hash}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def journal(
    tx: Tx,
    *,
    action: str,
    entity: str,
    entity_id: str,
    payload: dict[str, Any],
    detail: dict[str, Any] | None = None,
) -> None:
    """Write the outbox row and the audit event of one change, in ``tx``."""
    tx.session.add(
        OutboxRow(
            change_id=str(uuid.uuid4()),
            created_at=tx.now,
            entity=entity,
            entity_id=entity_id,
            op=action,
            payload=payload,
        )
    )
    last = tx.session.exec(select(AuditRow.seq, AuditRow.hash).order_by(col(AuditRow.seq).desc()).limit(1)).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    fields = {
        "at": tx.now.isoformat(timespec="microseconds"),
        "actor": tx.actor.user,
        "device_id": tx.actor.device_id,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "detail": detail or {},
    }
    tx.session.add(
        AuditRow(
            seq=seq,
            at=tx.now,
            actor=tx.actor.user,
            device_id=tx.actor.device_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=detail or {},
            prev_hash=prev_hash,
            hash=_event_hash(seq, fields, prev_hash),
        )
    )


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
        fields = {
            "at": row.at.isoformat(timespec="microseconds"),
            "actor": row.actor,
            "device_id": row.device_id,
            "action": row.action,
            "entity": row.entity,
            "entity_id": row.entity_id,
            "detail": row.detail,
        }
        assert row.seq is not None
        if row.seq != expected_seq or row.prev_hash != prev_hash or row.hash != _event_hash(row.seq, fields, prev_hash):
            return ChainCheck(events=count, broken_at=row.seq)
        prev_hash, expected_seq, count = row.hash, expected_seq + 1, count + 1
    return ChainCheck(events=count, broken_at=None)


def pending_changes(session: Session) -> int:
    """How many outbox rows the central store has not yet acknowledged."""
    query = select(func.count()).select_from(OutboxRow).where(col(OutboxRow.acknowledged_at).is_(None))
    return session.exec(query).one()
