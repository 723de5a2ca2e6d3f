"""Applying a pushed batch of changes to the central store: in one transaction, once per (device, change id).

The batch is read in as few queries as the data allows (everything its changes name, the cases behind them, their
open drafts, this device's refused and held records), the rules (``central.rules``) run on it in memory, and what
they mark is written in bulk (``COPY`` on PostgreSQL), because a per-row ORM path is an order of magnitude slower
than the database can ingest. A change that breaks an access rule refuses the whole batch (403, logged, nothing
stored); every other outcome is per change, and nothing a device sends can make the database raise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_json
from sqlalchemy import JSON, Connection, Engine, bindparam, exists, false, or_, select, update

from drive_tui.central import db
from drive_tui.central.intake import Incoming, Malformed, Unparsed, fingerprint, holds_nul, storable
from drive_tui.central.people import Device, record_refusal, touch
from drive_tui.central.rules import DRAFT, HELD_PREFIX, KINDS, PURGED, SUBMITTED, Forbidden, Held, Rejected, Work
from drive_tui.central.tables import (
    AccessRow,
    AssessmentRow,
    CaseMoveRow,
    CaseRow,
    ChangeRow,
    ConflictRow,
    DeviceRow,
    PurgedCaseRow,
    PurgedRecordRow,
    ReviewRow,
    WorkLogRow,
)
from drive_tui.domain.terms import Entity, Operation
from drive_tui.forms.catalogue import FormCatalogue
from drive_tui.sync.protocol import (
    AssessmentAmend,
    AssessmentImport,
    AssessmentStart,
    AssessmentSubmit,
    CaseCreate,
    CaseUpdate,
    Change,
    ChangeOutcome,
    ChangeResult,
    ConflictResolve,
    PushResponse,
    ReviewAgreeStrategy,
    ReviewSignOff,
    WorkLogRecord,
)

__all__ = ["Forbidden", "Malformed", "apply_push"]

_cases = CaseRow.__table__  # type: ignore[attr-defined]
_assessments = AssessmentRow.__table__  # type: ignore[attr-defined]
_reviews = ReviewRow.__table__  # type: ignore[attr-defined]
_conflicts = ConflictRow.__table__  # type: ignore[attr-defined]
_moves = CaseMoveRow.__table__  # type: ignore[attr-defined]
_changes = ChangeRow.__table__  # type: ignore[attr-defined]
_devices = DeviceRow.__table__  # type: ignore[attr-defined]
_work_log = WorkLogRow.__table__  # type: ignore[attr-defined]
_access = AccessRow.__table__  # type: ignore[attr-defined]
_purged = PurgedCaseRow.__table__  # type: ignore[attr-defined]
_purged_records = PurgedRecordRow.__table__  # type: ignore[attr-defined]


@dataclass
class ReadSet:
    """Every id and reference a batch's decisions rest on: what it read, looked for and did not find, and wrote.
    A write committed since the batch read the store that touches any of them means deciding again."""

    case_ids: set[str] = field(default_factory=set)
    assessment_ids: set[str] = field(default_factory=set)
    conflict_ids: set[str] = field(default_factory=set)
    entry_ids: set[str] = field(default_factory=set)
    review_ids: set[str] = field(default_factory=set)
    references: set[str] = field(default_factory=set)

    def include(self, work: Work) -> None:
        """Add what the rules read or made while deciding (new records, references looked up on the way)."""
        self.case_ids |= set(work.cases)
        self.assessment_ids |= set(work.assessments)
        self.conflict_ids |= set(work.conflicts)
        self.entry_ids |= set(work.work_log)
        self.review_ids |= {review["id"] for review in work.reviews}
        self.references |= set(work.looked_up) | {case["reference"] for case in work.cases.values()}


def _load(
    connection: Connection, changes: list[Change], device: Device, forms: FormCatalogue, now: datetime
) -> tuple[Work, ReadSet]:
    """Read everything the batch refers to, in as few queries as the data allows."""
    assessment_ids: set[str] = set()
    conflict_ids: set[str] = set()
    case_ids: set[str] = set()
    review_ids: set[str] = set()
    entry_ids: set[str] = set()
    references: set[str] = set()
    for change in changes:
        payload = change.payload
        if isinstance(change, CaseCreate):
            references.add(payload.profile.reference)
        elif isinstance(change, CaseUpdate):
            references.update(str(edit.new).strip() for path, edit in payload.changes.items() if path == "reference")
        elif isinstance(change, ConflictResolve) and isinstance(payload.value, str):
            references.add(payload.value.strip())
        if change.entity == Entity.CASE:
            case_ids.add(change.entity_id)
        elif change.entity == Entity.ASSESSMENT:
            assessment_ids.add(change.entity_id)
            if isinstance(change, AssessmentAmend):
                assessment_ids.add(payload.supersedes)
            elif isinstance(change, AssessmentSubmit | AssessmentImport):
                case_ids.add(payload.assessment.case_id)
                if payload.assessment.supersedes is not None:
                    assessment_ids.add(payload.assessment.supersedes)
            elif isinstance(change, AssessmentStart):
                case_ids.add(payload.case_id)
        elif isinstance(change, ReviewSignOff):
            assessment_ids.add(payload.assessment_id)
            review_ids.add(change.entity_id)
        elif isinstance(change, ReviewAgreeStrategy):
            case_ids.add(payload.case_id)
        elif isinstance(change, ConflictResolve):
            conflict_ids.add(change.entity_id)
        elif isinstance(change, WorkLogRecord):
            entry_ids.add(change.entity_id)
            case_ids.add(payload.entry.case_id)
            if payload.entry.answers is not None:
                entry_ids.add(payload.entry.answers)
    refused: set[str] = set()
    held: dict[str, str] = {}
    for condition in db.among(connection, _changes.c.entity_id, case_ids | assessment_ids | entry_ids):
        query = (
            select(_changes.c.entity_id, _changes.c.outcome, _conflicts.c.case_id)
            .outerjoin(
                _conflicts,
                (_conflicts.c.incoming_change_id == _changes.c.change_id)
                & (_conflicts.c.incoming_author == device.user.username)
                & _conflicts.c.field.startswith(HELD_PREFIX),
            )
            .where(
                _changes.c.device_id == device.id,
                condition,
                _changes.c.outcome.in_((ChangeOutcome.REJECTED.value, ChangeOutcome.HELD.value)),
            )
        )
        for entity_id, outcome, case_id in connection.execute(query):
            if outcome == ChangeOutcome.REJECTED.value:
                refused.add(entity_id)
            elif case_id is not None:
                held[entity_id] = case_id
    conflicts = _rows_by_id(connection, _conflicts, conflict_ids)
    for conflict in conflicts.values():  # accepting held work applies its change: what that names is read too
        if conflict["field"].startswith(HELD_PREFIX) and isinstance(conflict["incoming_value"], dict):
            _named_by(conflict["incoming_value"].get("change"), case_ids, assessment_ids, conflict_ids)
    conflicts.update(_rows_by_id(connection, _conflicts, conflict_ids - set(conflicts)))
    assessments = _rows_by_id(connection, _assessments, assessment_ids)
    work_log = _rows_by_id(connection, _work_log, entry_ids)
    case_ids |= (
        {row["case_id"] for row in assessments.values()}
        | {row["case_id"] for row in conflicts.values()}
        | {row["case_id"] for row in work_log.values()}
        | set(held.values())
    )
    cases = _rows_by_id(connection, _cases, case_ids)
    # The drafts and submitted assessments of these cases: one of each per timepoint, on every device.
    for condition in db.among(connection, _assessments.c.case_id, cases):
        query = select(_assessments).where(condition, _assessments.c.status.in_((DRAFT, SUBMITTED)))
        for row in connection.execute(query).mappings():
            assessments.setdefault(row["id"], dict(row))
    slots = {
        (a["case_id"], a["timepoint"], a["status"]): a["id"]
        for a in assessments.values()
        if a["status"] in (DRAFT, SUBMITTED)
    }
    moved_away: dict[str, tuple[int, datetime]] = {}
    for condition in db.among(connection, _moves.c.case_id, cases):
        query = select(_moves.c.case_id, _moves.c.seq, _moves.c.at).where(
            _moves.c.from_user == device.user.username, condition
        )
        for row in connection.execute(query):
            moved_away[row.case_id] = max((row.seq, row.at), moved_away.get(row.case_id, (0, row.at)))
    created_here: set[str] = set()
    for condition in db.among(connection, _changes.c.entity_id, set(moved_away)):
        query = select(_changes.c.entity_id).where(
            _changes.c.device_id == device.id, condition, _changes.c.op == Operation.CASE_CREATE
        )
        created_here.update(connection.execute(query).scalars())
    pulled_here: set[str] = set()
    if moved_away:  # which of them this device was sent, by the access log of its pulls (few rows, and rarely read)
        query = select(_access.c.case_ids).where(_access.c.device_id == device.id, _access.c.action == "pull")
        for case_ids_read in connection.execute(query).scalars():
            pulled_here.update(set(case_ids_read) & set(moved_away))
    taken = {(case["site"], case["reference"]): case_id for case_id, case in cases.items()}
    for condition in db.among(connection, _cases.c.reference, references):
        query = select(_cases.c.id, _cases.c.site, _cases.c.reference).where(condition)
        taken.update({(row.site, row.reference): row.id for row in connection.execute(query)})
    work = Work(
        device=device,
        forms=forms,
        now=now,
        cases=cases,
        assessments=assessments,
        conflicts=conflicts,
        moved_away=moved_away,
        created_here=created_here,
        pulled_here=pulled_here,
        references=taken,
        looked_up=references,
        slots=slots,
        refused=refused,
        held=held,
        work_log=work_log,
        find_reference=lambda reference: _holders(connection, reference),
    )
    for condition in db.among(connection, _reviews.c.id, review_ids):
        query = select(_reviews.c.id, _reviews.c.assessment_id).where(condition)
        work.reviews_known.update({row.id: row.assessment_id for row in connection.execute(query)})
    for condition in db.among(connection, _purged_records.c.record_id, (assessment_ids | entry_ids) - set(assessments)):
        query = select(_purged_records.c.record_id, _purged_records.c.case_id).where(condition)
        work.purged_records.update({row.record_id: row.case_id for row in connection.execute(query)})
    unknown_cases = (case_ids - set(cases)) | set(work.purged_records.values())
    for condition in db.among(connection, _purged.c.case_id, unknown_cases):
        query = select(_purged.c.case_id, _purged.c.holder).where(condition, _purged.c.holder_kind == "case_manager")
        for row in connection.execute(query):
            work.purged.setdefault(row.case_id, set()).add(row.holder)
    asked = ReadSet(case_ids, assessment_ids, conflict_ids, entry_ids, review_ids, set(references))
    return work, asked


def _named_by(held: Any, case_ids: set[str], assessment_ids: set[str], conflict_ids: set[str]) -> None:
    """Add the ids a held change (as stored, JSON) names to those the batch reads."""
    if not isinstance(held, dict) or not isinstance(held.get("entity_id"), str):
        return
    payload = held.get("payload") if isinstance(held.get("payload"), dict) else {}
    {"case": case_ids, "assessment": assessment_ids, "conflict": conflict_ids}.get(str(held.get("entity")), set()).add(
        held["entity_id"]
    )
    for key, into in (("case_id", case_ids), ("supersedes", assessment_ids)):
        if isinstance(payload.get(key), str):
            into.add(payload[key])
    for key in ("assessment", "entry"):
        inner = payload.get(key)
        if isinstance(inner, dict) and isinstance(inner.get("case_id"), str):
            case_ids.add(inner["case_id"])


def _holders(connection: Connection, reference: str) -> Iterator[tuple[str, str]]:
    query = select(_cases.c.site, _cases.c.id).where(_cases.c.reference == reference)
    return ((row.site, row.id) for row in connection.execute(query))


def _rows_by_id(connection: Connection, table: Any, ids: set[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for condition in db.among(connection, table.c.id, ids):
        found.update({row["id"]: dict(row) for row in connection.execute(select(table).where(condition)).mappings()})
    return found


def _insert(connection: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """New rows in bulk: ``COPY`` on PostgreSQL (several times an ``executemany``), ``executemany`` on SQLite."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    from psycopg import sql

    names = list(rows[0])
    json_at = [i for i, name in enumerate(names) if isinstance(table.c[name].type, JSON)]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    values_of = itemgetter(*names)
    raw = connection.connection.driver_connection  # the same transaction as the rest of the batch
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            values = list(values_of(row)) if len(names) > 1 else [row[names[0]]]
            for i in json_at:
                if values[i] is not None:  # JSON as text, which PostgreSQL parses; pydantic-core encodes it fast
                    values[i] = to_json(values[i]).decode()
            copy.write_row(values)


def _write(connection: Connection, work: Work, now: datetime) -> None:
    """Give every new or changed row a sequence number and write each table with one executemany."""
    touched = sum(len(work.new[k]) + len(work.dirty[k]) for k in KINDS) + len(work.reviews)
    if not touched:
        return
    seq = db.next_seqs(connection, touched, now=now)
    for kind, table, source in (
        ("cases", _cases, work.cases),
        ("assessments", _assessments, work.assessments),
        ("conflicts", _conflicts, work.conflicts),
        ("work_log", _work_log, work.work_log),
    ):
        inserts = []
        for entity_id in sorted(work.new[kind]):
            inserts.append({**source[entity_id], "seq": seq})
            seq += 1
        _insert(connection, table, inserts)
        updates = []
        for entity_id in sorted(work.dirty[kind]):
            row = {key: value for key, value in source[entity_id].items() if key not in ("id", "seq")}
            updates.append({**row, "seq": seq, "_id": entity_id})
            seq += 1
        if updates:
            columns = {key: bindparam(key) for key in updates[0] if key != "_id"}
            connection.execute(update(table).where(table.c.id == bindparam("_id")).values(columns), updates)
    if work.reviews:
        for review in work.reviews:
            review["seq"] = seq
            seq += 1
        _insert(connection, _reviews, work.reviews)


def apply_push(
    engine: Engine,
    device: Device,
    changes: list[Incoming],
    forms: FormCatalogue,
    *,
    nul_possible: bool = True,
    timings: dict[str, float] | None = None,
    standing: Callable[[Connection], Device] | None = None,
) -> PushResponse:
    """Apply a batch in one transaction. Raises Forbidden (nothing stored, the refusal logged) if any change breaks
    an access rule, Malformed if one change id comes twice with different contents. ``timings`` gets
    ``lock_wait_ms``: how long the batch waited for the commit log's lock (for the request log and metrics).

    A change whose text holds U+0000 is rejected: PostgreSQL cannot store it, and its refusal would quote the row
    in an error (case data in the server's log). ``nul_possible=False`` — the request's JSON has no ``\\u0000``
    escape — spares looking through every payload.

    ``standing`` judges the device again, as it stands in the batch's own transaction, before anything is read for
    it (raising to refuse): a device reported lost, or its user's sites changed, while the batch was on its way
    counts."""
    now = datetime.now(UTC)
    ids = [change.change_id for change in changes]
    firsts: dict[str, Incoming] = {}
    for change in changes:
        first = firsts.setdefault(change.change_id, change)
        if first is not change and fingerprint(first) != fingerprint(change):
            raise Malformed("one change id is used twice in this batch for different changes")
    try:
        return _apply(
            engine, device, ids, firsts, forms, now, nul_possible, {} if timings is None else timings, standing
        )
    except Forbidden as exc:
        with engine.begin() as connection:
            record_refusal(
                connection, action=f"push {exc.args[1]}", reason=str(exc.args[0]), device=device, entity_id=exc.args[2]
            )
        raise Forbidden(exc.args[0]) from None


def _apply(
    engine: Engine,
    device: Device,
    ids: list[str],
    firsts: dict[str, Incoming],
    forms: FormCatalogue,
    now: datetime,
    nul_possible: bool,
    timings: dict[str, float],
    standing: Callable[[Connection], Device] | None,
) -> PushResponse:
    """Decide every change, then take the commit log's lock and write.

    Only numbering and writing need to be one at a time (so cursors stay exact); reading what the batch names and
    running the rules — most of a push's time — need not. So on PostgreSQL the batch is decided first, beside other
    pushes, and then, holding the lock, the store is asked whether anything committed since touches what the
    decision rested on (``ReadSet``, ``_changed_since``): if so it is decided again, under the lock, as if alone. On
    SQLite the transaction holds the store's write lock from its start (``BEGIN IMMEDIATE``): nothing can change."""
    with engine.begin() as connection:
        if standing is not None:
            device = standing(connection)
        concurrent = connection.dialect.name == "postgresql"
        before, accepted = _seen(connection, device) if concurrent else (0, 0)
        try:
            decision = _decide(connection, device, firsts, forms, now, nul_possible) if concurrent else None
        except Forbidden:
            decision = None  # said only under the lock, where nothing can have changed what it rests on
        asked = time.perf_counter()
        db.lock_head(connection)  # one writer at a time: a retried batch racing its original cannot apply twice
        timings["lock_wait_ms"] = (time.perf_counter() - asked) * 1000
        if decision is None or _changed_since(connection, before, decision[3], device, accepted):
            timings["decided_again"] = float(decision is not None)
            decision = _decide(connection, device, firsts, forms, now, nul_possible)
        work, results, records, _ = decision
        _write(connection, work, now)
        _insert(connection, _changes, records)
        accepted_total = touch(connection, device.id, synced=True, accepted=len(records))
    seen: set[str] = set()
    ordered = []
    for change_id in ids:
        result = results.get(change_id) if change_id not in seen else None
        seen.add(change_id)
        ordered.append(result or ChangeResult(change_id=change_id, outcome=ChangeOutcome.DUPLICATE))
    return PushResponse(results=ordered, accepted_changes=accepted_total)


Decision = tuple[Work, dict[str, ChangeResult], list[dict[str, Any]], ReadSet]


def _decide(
    connection: Connection,
    device: Device,
    firsts: dict[str, Incoming],
    forms: FormCatalogue,
    now: datetime,
    nul_possible: bool,
) -> Decision:
    """Every change of the batch that is new from this device, decided by the rules against the store as read now:
    the work to write, each change's result, the change log's rows, and what it all rested on."""
    known = {
        change_id
        for condition in db.among(connection, _changes.c.change_id, firsts)
        for change_id in connection.execute(
            select(_changes.c.change_id).where(_changes.c.device_id == device.id, condition)
        ).scalars()
    }
    fresh = [change for change_id, change in firsts.items() if change_id not in known]
    work, read = _load(connection, [c for c in fresh if not isinstance(c, Unparsed)], device, forms, now)
    results: dict[str, ChangeResult] = {}
    records = []
    for change in fresh:
        reason = None
        try:
            if isinstance(change, Unparsed):
                raise Rejected(change.reason)
            if nul_possible and holds_nul(change.payload.model_dump()):
                raise Rejected("text holds the NUL character (U+0000), which the central store cannot keep")
            outcome = work.apply(change)
        except Rejected as exc:
            outcome, reason = ChangeOutcome.REJECTED, str(exc)
            work.send_back(change)
        except Held:
            outcome, reason = ChangeOutcome.HELD, "the case has moved to another case manager"
            try:
                work.hold(change)
            except (KeyError, ValueError, ValidationError):  # held work that cannot be shown is still kept
                outcome, reason = ChangeOutcome.REJECTED, "the case has moved to another case manager"
        except Forbidden as exc:
            raise Forbidden(str(exc), change.op, change.entity_id) from None
        reason = storable(reason)  # a reason is the server's words, but never let one stop a batch
        results[change.change_id] = ChangeResult(change_id=change.change_id, outcome=outcome, reason=reason)
        envelope = change.envelope if isinstance(change, Unparsed) else change
        records.append(
            {
                "change_id": change.change_id,
                "device_id": device.id,
                "user_id": device.user.id,
                "received_at": now,
                "made_at": envelope.at.astimezone(UTC),
                "entity": envelope.entity,
                "entity_id": envelope.entity_id,
                "op": envelope.op,
                "outcome": outcome.value,
                "reason": reason,
                # a refused change's text is kept for an administrator — not work on a case the retention policy
                # removed: that would keep what the policy removed
                "payload": storable(envelope.model_dump(mode="json")["payload"])
                if outcome is ChangeOutcome.REJECTED and reason != PURGED
                else None,
            }
        )
    read.include(work)
    return work, results, records, read


def _accepted(device: Device) -> Any:
    """How many changes the store holds from this device (a column expression): every push that records one moves
    it, so a push of this device committed meanwhile shows in it."""
    return select(_devices.c.accepted_changes).where(_devices.c.id == device.id).scalar_subquery()


def _seen(connection: Connection, device: Device) -> tuple[int, int]:
    """The newest committed sequence number and this device's count of changes, as this transaction sees them now
    (no lock): what ``_changed_since`` compares with later."""
    head, accepted = connection.execute(select(db.head_value(), _accepted(device))).one()
    return int(head), int(accepted)


def _changed_since(connection: Connection, seen: int, read: ReadSet, device: Device, accepted: int) -> bool:
    """Whether a write committed after the head was at ``seen`` touches what a decision rested on: a record it read
    or looked for, a record of one of its cases, a reference it checked — or this device's own changes (a retry
    racing its original). Every such write carries a sequence number above ``seen``: commits are numbered in order
    under the lock held now. One query, answered from the ``seq`` indexes (few rows are that new)."""

    def any_of(column: Any, values: set[str]) -> Any:
        return or_(false(), *db.among(connection, column, values))

    touched = [
        (_cases, or_(any_of(_cases.c.id, read.case_ids), any_of(_cases.c.reference, read.references))),
        (
            _assessments,
            or_(any_of(_assessments.c.id, read.assessment_ids), any_of(_assessments.c.case_id, read.case_ids)),
        ),
        (_conflicts, or_(any_of(_conflicts.c.id, read.conflict_ids), any_of(_conflicts.c.case_id, read.case_ids))),
        (_work_log, or_(any_of(_work_log.c.id, read.entry_ids), any_of(_work_log.c.case_id, read.case_ids))),
        (_reviews, or_(any_of(_reviews.c.id, read.review_ids), any_of(_reviews.c.case_id, read.case_ids))),
        (_moves, any_of(_moves.c.case_id, read.case_ids)),
        (_purged, any_of(_purged.c.case_id, read.case_ids)),  # removed under the retention policy meanwhile
    ]
    touched_any = (exists().where(table.c.seq > seen, condition) for table, condition in touched)
    query = select(or_(_accepted(device) != accepted, *touched_any))
    return bool(connection.execute(query).scalar_one())
