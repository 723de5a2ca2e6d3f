"""The local store's side of sync: the outbox to push, the sync state, and applying what was pulled.

Pulled rows are written without journalling (they are the central store's record, not changes made here). A row
with a change still pending in this device's outbox is left as it is: the pending change is pushed first and the
central store sends the merged row back on a later pull. Acknowledged outbox rows are kept, so a device can re-send
them to a central store restored from an older backup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlmodel import col, delete, func, select, update

from drive_tui.domain.terms import Role
from drive_tui.domain.vocab import AssessmentStatus
from drive_tui.store.device import SYNC_PREFIX, SyncStatus, read_sync_status
from drive_tui.store.form_drafts import case_drafts_prefix
from drive_tui.store.store import Tx
from drive_tui.store.tables import (
    ASSESSMENT_FIELDS,
    AssessmentRow,
    CaseRow,
    ConflictRow,
    OutboxRow,
    ReleasedCase,
    ReviewRow,
    StoreMeta,
    WorkLogRow,
)

_PREFIX = SYNC_PREFIX
_STATE_KEYS = (
    "server_url",
    "server_id",
    "device_id",
    "token",
    "user",
    "role",
    "sites",
    "cursor_seq",
    "cursor_stamp",
    "last_sync_at",
    "ca_file",
    "acked_total",
)


@dataclass(frozen=True, slots=True)
class SyncState:
    """This device's enrolment and sync position. The token lives only inside the encrypted store."""

    server_url: str | None = None
    server_id: str | None = None
    device_id: str | None = None
    token: str | None = field(default=None, repr=False)
    user: str | None = None
    role: Role | None = None
    sites: list[str] = field(default_factory=list)
    cursor_seq: int = 0
    cursor_stamp: str = ""
    last_sync_at: datetime | None = None
    ca_file: str | None = None
    acked_total: int = 0
    """Changes acknowledged by the central store since enrolment (or since it last lost some): if it reports
    holding fewer, it was restored from a backup and everything is sent again."""

    @property
    def enrolled(self) -> bool:
        return bool(self.server_url and self.token)


def sync_state(tx: Tx) -> SyncState:
    rows = tx.session.exec(select(StoreMeta).where(col(StoreMeta.key).startswith(_PREFIX)))
    raw = {row.key.removeprefix(_PREFIX): row.value for row in rows}
    return SyncState(
        server_url=raw.get("server_url"),
        server_id=raw.get("server_id"),
        device_id=raw.get("device_id"),
        token=raw.get("token"),
        user=raw.get("user"),
        role=Role(raw["role"]) if raw.get("role") else None,
        sites=json.loads(raw["sites"]) if "sites" in raw else [],
        cursor_seq=int(raw.get("cursor_seq", "0")),
        cursor_stamp=raw.get("cursor_stamp", ""),
        last_sync_at=datetime.fromisoformat(raw["last_sync_at"]) if raw.get("last_sync_at") else None,
        ca_file=raw.get("ca_file"),
        acked_total=int(raw.get("acked_total", "0")),
    )


def save_sync_state(tx: Tx, **values: Any) -> None:
    """Set some of the sync state (``None`` removes a value)."""
    for name, value in values.items():
        if name not in _STATE_KEYS:
            raise KeyError(name)
        key = _PREFIX + name
        row = tx.session.get(StoreMeta, key)
        if value is None:
            if row is not None:
                tx.session.delete(row)
            continue
        text = (
            json.dumps(value)
            if isinstance(value, list)
            else value.isoformat()
            if isinstance(value, datetime)
            else str(value)
        )
        row = row or StoreMeta(key=key, value=text)
        row.value = text
        tx.session.add(row)


def sync_status(tx: Tx) -> SyncStatus:
    return read_sync_status(tx.dbapi)


# -- the outbox ---------------------------------------------------------------------------------------------------


class PendingChange(NamedTuple):
    """An outbox row as the push sends it: ``payload`` is the JSON text the store holds, never decoded here."""

    seq: int
    change_id: str
    at: str
    """When it was made, ISO 8601 in UTC, as stored."""
    entity: str
    entity_id: str
    op: str
    payload: str


def outbox_batch(tx: Tx, limit: int, *, after: int = 0) -> list[PendingChange]:
    """The oldest changes the central store has not acknowledged (and made after outbox row ``after``), in the
    order they were made. Read in plain SQL with the payload left as text: a push of thousands of changes would
    otherwise spend most of its time building ORM objects and decoding JSON only to encode it again."""
    rows = tx.dbapi.execute(
        "SELECT seq, change_id, created_at, entity, entity_id, op, payload FROM outbox "
        "WHERE acknowledged_at IS NULL AND seq > ? ORDER BY seq LIMIT ?",
        (after, limit),
    )
    return [PendingChange._make(row) for row in rows]


def acknowledge(tx: Tx, seqs: list[int]) -> None:
    tx.session.exec(update(OutboxRow).where(col(OutboxRow.seq).in_(seqs)).values(acknowledged_at=tx.now))


def pending_by_operation(tx: Tx) -> dict[str, int]:
    """Pending changes counted by operation (what a dry run would push)."""
    query = (
        select(OutboxRow.op, func.count()).where(col(OutboxRow.acknowledged_at).is_(None)).group_by(col(OutboxRow.op))
    )
    return {op: count for op, count in tx.session.exec(query)}


def resend_all(tx: Tx) -> int:
    """Mark every acknowledged change as pending again (the central store lost some); returns how many."""
    result = tx.session.exec(
        update(OutboxRow).where(col(OutboxRow.acknowledged_at).is_not(None)).values(acknowledged_at=None)
    )
    return result.rowcount


def _pending_entities(tx: Tx) -> set[str]:
    query = select(OutboxRow.entity_id).where(col(OutboxRow.acknowledged_at).is_(None)).distinct()
    return set(tx.session.exec(query))


# -- applying a pull ------------------------------------------------------------------------------------------------


@dataclass
class Applied:
    cases: int = 0
    assessments: int = 0
    reviews: int = 0
    conflicts: int = 0
    work_log: int = 0
    kept_local: int = 0
    """Rows not overwritten because this device still has changes to them to push."""


_CASE_COLUMNS = (
    "reference",
    "site",
    "allocated_on",
    "case_manager",
    "service_user",
    "victims",
    "status",
    "closed_on",
    "created_at",
    "updated_at",
    "contact_strategy",
)
_ASSESSMENT_COLUMNS = ASSESSMENT_FIELDS[1:]  # all but the id
_STATUS_ORDER = {AssessmentStatus.AMENDED: 0, AssessmentStatus.SUBMITTED: 1, AssessmentStatus.DRAFT: 2}


def apply_pulled(
    tx: Tx,
    *,
    cases: list[dict[str, Any]],
    assessments: list[dict[str, Any]],
    reviews: list[dict[str, Any]],
    conflicts: list[dict[str, Any]],
    removed_cases: list[str],
    work_log: list[dict[str, Any]] | None = None,
) -> Applied:
    """Write pulled rows (python values: dates and datetimes, not text) into the local store."""
    pending = _pending_entities(tx)
    applied = Applied()
    local_cases = _by_id(tx, CaseRow, [data["id"] for data in cases])
    releases = _by_id(tx, ReleasedCase, [data["id"] for data in cases], key="case_id")
    for data in cases:
        if data["id"] in pending:
            applied.kept_local += 1
            continue
        release = releases.get(data["id"])
        if release is not None:  # assigned back to this device's user
            tx.session.delete(release)
        row = local_cases.get(data["id"]) or CaseRow(id=data["id"])
        for name in _CASE_COLUMNS:
            setattr(row, name, data[name])
        tx.session.add(row)
        applied.cases += 1
    tx.session.flush()
    # Status changes to 'amended' first, so a submitted row arriving for the same timepoint finds the place free.
    local_assessments = _by_id(tx, AssessmentRow, [data["id"] for data in assessments])
    slots = _slots(tx, {data["case_id"] for data in assessments})
    for data in sorted(assessments, key=lambda a: _STATUS_ORDER.get(a["status"], 3)):
        if data["id"] in pending:
            applied.kept_local += 1
            continue
        row = local_assessments.get(data["id"])
        slot = (data["case_id"], data["timepoint"], data["status"])
        if slots.get(slot, data["id"]) != data["id"] and (row is None or row.status != data["status"]):
            # This device holds another draft (or submitted record) for that timepoint, which the central store
            # did not take: keep it, and the central one waits, rather than stop every later sync on the index.
            applied.kept_local += 1
            continue
        if row is not None and row.status in (AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED):
            slots.pop((row.case_id, row.timepoint, row.status), None)
        if data["status"] in (AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED):
            slots[slot] = data["id"]
        if row is None:
            row = AssessmentRow(id=data["id"], **{name: data[name] for name in _ASSESSMENT_COLUMNS})
        elif row.status == AssessmentStatus.DRAFT:
            for name in _ASSESSMENT_COLUMNS:
                setattr(row, name, data[name])
        elif row.status == AssessmentStatus.SUBMITTED and data["status"] == AssessmentStatus.AMENDED:
            row.status = AssessmentStatus.AMENDED
        else:
            continue  # a submitted record never changes
        tx.session.add(row)
        if row.status != AssessmentStatus.DRAFT:
            tx.session.flush()  # in status order, so the one-current-per-timepoint index is never violated
        applied.assessments += 1
    for data in reviews:
        if tx.session.get(ReviewRow, data["id"]) is None:
            tx.session.add(ReviewRow(**data))
            applied.reviews += 1
    for data in conflicts:
        row = tx.session.get(ConflictRow, data["id"]) or ConflictRow(
            id=data["id"],
            case_id=data["case_id"],
            field=data["field"],
            incoming_author=data["incoming_author"],
            opened_at=data["opened_at"],
        )
        for name in ("central_value", "incoming_value", "resolved_at", "resolved_by", "resolution"):
            setattr(row, name, data[name])
        tx.session.add(row)
        applied.conflicts += 1
    work_log = work_log or []
    local_entries = _by_id(tx, WorkLogRow, [data["id"] for data in work_log])
    for data in work_log:
        if data["id"] in pending:  # a correction made here is pushed first; the merged entry comes back later
            applied.kept_local += 1
            continue
        row = local_entries.get(data["id"]) or WorkLogRow(id=data["id"], case_id=data["case_id"])
        row.date = date.fromisoformat(data["entry"]["date"])
        row.entry, row.created_at, row.updated_at = data["entry"], data["created_at"], data["updated_at"]
        tx.session.add(row)
        applied.work_log += 1
    for case_id in removed_cases:  # a supervisor hears of every purge at their sites: only what is here is released
        if tx.session.get(ReleasedCase, case_id) is None and tx.session.get(CaseRow, case_id) is not None:
            tx.session.add(ReleasedCase(case_id=case_id, requested_at=tx.now))
    tx.session.flush()
    return applied


def _slots(tx: Tx, case_ids: set[str]) -> dict[tuple[str, str, str], str]:
    """(case, timepoint, status) → the local draft or submitted assessment there: one of each per timepoint."""
    found: dict[tuple[str, str, str], str] = {}
    ids = sorted(case_ids)
    for start in range(0, len(ids), 900):
        query = select(AssessmentRow.id, AssessmentRow.case_id, AssessmentRow.timepoint, AssessmentRow.status).where(
            col(AssessmentRow.case_id).in_(ids[start : start + 900]),
            col(AssessmentRow.status).in_((AssessmentStatus.DRAFT, AssessmentStatus.SUBMITTED)),
        )
        found.update(
            {(case_id, timepoint, status): row_id for row_id, case_id, timepoint, status in tx.session.exec(query)}
        )
    return found


def _by_id(tx: Tx, table: Any, ids: list[str], key: str = "id") -> dict[str, Any]:
    """The rows of ``table`` with these ids, in a few queries rather than one per row."""
    column = getattr(table, key)
    found: dict[str, Any] = {}
    for start in range(0, len(ids), 900):
        for row in tx.session.exec(select(table).where(col(column).in_(ids[start : start + 900]))):
            found[getattr(row, key)] = row
    return found


def release_cases(tx: Tx) -> list[str]:
    """Remove the cases reassigned away from this device whose changes are all pushed; returns their ids.

    Their acknowledged outbox rows go too: they hold the case's data, and the central store has it all.
    """
    pending = _pending_entities(tx)
    released = []
    waiting = tx.session.exec(select(ReleasedCase).where(col(ReleasedCase.released_at).is_(None)))
    for request in list(waiting):
        case_id = request.case_id
        assessment_ids = list(tx.session.exec(select(AssessmentRow.id).where(AssessmentRow.case_id == case_id)))
        entry_ids = list(tx.session.exec(select(WorkLogRow.id).where(WorkLogRow.case_id == case_id)))
        if {case_id, *assessment_ids, *entry_ids} & pending:
            continue
        request.released_at = tx.now
        tx.session.add(request)
        tx.session.flush()
        for table in (ReviewRow, ConflictRow, WorkLogRow):
            tx.session.exec(delete(table).where(col(table.case_id) == case_id))  # type: ignore[attr-defined]
        tx.session.exec(delete(AssessmentRow).where(col(AssessmentRow.case_id) == case_id))
        held = [case_id, *assessment_ids, *entry_ids]
        tx.session.exec(delete(OutboxRow).where(col(OutboxRow.entity_id).in_(held)))
        tx.session.exec(delete(StoreMeta).where(col(StoreMeta.key).startswith(case_drafts_prefix(case_id))))
        tx.session.exec(delete(CaseRow).where(col(CaseRow.id) == case_id))
        released.append(case_id)
    return released
