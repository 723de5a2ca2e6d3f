"""The retention policy: cases closed before a date leave the central store with everything recorded about them —
assessments, reviews, the work log, conflicts and held work, moves, and the text of every refused change that names
the case or a record of it — in one transaction under the commit log's lock.

Which cases: closed before the date by their closing date *and* last written by this server before it (the commit
that wrote the case's current row, the server's own clock): a laptop cannot make a case due by back-dating it.

What stays: a tombstone for each who could hold the case — every case manager it had and its site, numbered like any
write — so that every device holding it removes it at its next pull; its records' ids, so that work still pending on
them is refused as purged, change by change; the change log's ids and outcomes (a change sent again is known, never
applied a second time) without their text; the access and refusal logs (ids only). Each run is recorded in
``purges``: who, when, the cut-off and how many of each — never which.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, null, select, update

from drive_tui.central import db
from drive_tui.central.tables import (
    AssessmentRow,
    CaseMoveRow,
    CaseRow,
    ChangeRow,
    CommitRow,
    ConflictRow,
    PurgedCaseRow,
    PurgedRecordRow,
    PurgeRow,
    ReviewRow,
    WorkLogRow,
)

CLOSED = "closed"

_cases = CaseRow.__table__  # type: ignore[attr-defined]
_assessments = AssessmentRow.__table__  # type: ignore[attr-defined]
_reviews = ReviewRow.__table__  # type: ignore[attr-defined]
_conflicts = ConflictRow.__table__  # type: ignore[attr-defined]
_work_log = WorkLogRow.__table__  # type: ignore[attr-defined]
_moves = CaseMoveRow.__table__  # type: ignore[attr-defined]
_changes = ChangeRow.__table__  # type: ignore[attr-defined]
_purged = PurgedCaseRow.__table__  # type: ignore[attr-defined]
_purges = PurgeRow.__table__  # type: ignore[attr-defined]
_purged_records = PurgedRecordRow.__table__  # type: ignore[attr-defined]
_commits = CommitRow.__table__  # type: ignore[attr-defined]
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

_KEPT_TEXT = (_changes.c.outcome == "rejected", _changes.c.payload.is_not(None))
"""A change log row that still holds a refused change's text (the only ones that hold any)."""


@dataclass(frozen=True)
class Removal:
    """How many records a purge removes (or would): counts only."""

    cases: int = 0
    assessments: int = 0
    reviews: int = 0
    work_log: int = 0
    conflicts: int = 0
    moves: int = 0
    change_texts: int = 0
    """Refused changes whose kept text (case data) is cleared; their ids and outcomes stay."""

    def describe(self) -> str:
        return (
            f"{self.cases} case(s), {self.assessments} assessment(s), {self.reviews} review(s), "
            f"{self.work_log} work-log entr{'y' if self.work_log == 1 else 'ies'}, {self.conflicts} conflict(s), "
            f"{self.moves} move(s), and the text of {self.change_texts} refused change(s)"
        )


def _due(connection: Connection, closed_before: date) -> list[tuple[str, str, str]]:
    """(id, site, case manager) of every case closed before the date and not written here since."""
    written = select(_commits.c.seq_high).where(
        _commits.c.seq_low <= _cases.c.seq,
        _commits.c.seq_high >= _cases.c.seq,
        _commits.c.at < datetime.combine(closed_before, time.min, UTC),
    )
    query = select(_cases.c.id, _cases.c.site, _cases.c.case_manager).where(
        _cases.c.status == CLOSED, _cases.c.closed_on < closed_before, written.exists()
    )
    return [tuple(row) for row in connection.execute(query.order_by(_cases.c.id))]  # type: ignore[misc]


def _holders(connection: Connection, due: list[tuple[str, str, str]]) -> dict[str, set[tuple[str, str]]]:
    """Case id → (kind, name) of each who could hold it: every case manager it had (its moves), and its site."""
    holders = {case_id: {("case_manager", manager), ("site", site)} for case_id, site, manager in due}
    for condition in db.among(connection, _moves.c.case_id, set(holders)):
        query = select(_moves.c.case_id, _moves.c.from_user, _moves.c.to_user).where(condition)
        for case_id, from_user, to_user in connection.execute(query):
            holders[case_id] |= {("case_manager", from_user), ("case_manager", to_user)}
    return holders


def _refused_texts(connection: Connection, records: set[str]) -> list[tuple[str, str]]:
    """(device, change) of every refused change whose kept text is about one of ``records``: named by the change,
    or anywhere in its text (a new assessment of the case, an entry on it). Refused changes are few."""
    found = []
    query = select(_changes.c.device_id, _changes.c.change_id, _changes.c.entity_id, _changes.c.payload).where(
        *_KEPT_TEXT
    )
    for device_id, change_id, entity_id, payload in connection.execute(query):
        text = payload if isinstance(payload, str) else json.dumps(payload)
        if entity_id in records or not records.isdisjoint(_UUID.findall(text)):
            found.append((device_id, change_id))
    return found


def _ids(connection: Connection, table: Any, case_ids: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for condition in db.among(connection, table.c.case_id, set(case_ids)):
        found.update(connection.execute(select(table.c.id).where(condition)).scalars())
    return found


def _records_of(connection: Connection, case_ids: set[str]) -> Iterator[tuple[str, str]]:
    """(case, record) for every assessment, review, work-log entry and conflict of these cases."""
    for table in (_assessments, _reviews, _work_log, _conflicts):
        for condition in db.among(connection, table.c.case_id, case_ids):
            yield from connection.execute(select(table.c.case_id, table.c.id).where(condition))  # type: ignore[misc]


def _count(connection: Connection, table: Any, column: Any, values: set[str], *extra: Any) -> int:
    return sum(
        connection.execute(select(func.count()).select_from(table).where(condition, *extra)).scalar_one()
        for condition in db.among(connection, column, values)
    )


def _measure(connection: Connection, case_ids: set[str]) -> tuple[Removal, set[str]]:
    """What removing these cases takes, and every id of a record of theirs — with those of every case purged before
    (a refused change about one may have come since) — for the change log."""
    assessments = _ids(connection, _assessments, case_ids)
    reviews = _ids(connection, _reviews, case_ids)
    entries = _ids(connection, _work_log, case_ids)
    conflicts = _ids(connection, _conflicts, case_ids)
    records = case_ids | assessments | reviews | entries | conflicts
    records |= set(connection.execute(select(_purged.c.case_id)).scalars())
    records |= set(connection.execute(select(_purged_records.c.record_id)).scalars())
    removal = Removal(
        cases=len(case_ids),
        assessments=len(assessments),
        reviews=len(reviews),
        work_log=len(entries),
        conflicts=len(conflicts),
        moves=_count(connection, _moves, _moves.c.case_id, case_ids),
        change_texts=len(_refused_texts(connection, records)),
    )
    return removal, records


def preview(engine: Engine, closed_before: date) -> Removal:
    """What ``purge`` would remove now; nothing is changed."""
    with engine.connect() as connection:
        due = _due(connection, closed_before)
        return _measure(connection, {case_id for case_id, _, _ in due})[0]


def purge(engine: Engine, closed_before: date, *, by: str, now: datetime | None = None) -> Removal:
    """Remove every case closed before ``closed_before`` (and not written since) with all that is recorded about it,
    in one transaction; leave its tombstones for the devices, and a record of the run (``by``: who ran it)."""
    now = now or datetime.now(UTC)
    with engine.begin() as connection:
        db.lock_head(connection)  # no push writes meanwhile; the tombstones are numbered after every earlier write
        due = _due(connection, closed_before)
        case_ids = {case_id for case_id, _, _ in due}
        removal, records = _measure(connection, case_ids)
        if case_ids:
            holders = _holders(connection, due)
            for device_id, change_id in _refused_texts(connection, records):
                cleared = update(_changes).where(_changes.c.device_id == device_id, _changes.c.change_id == change_id)
                connection.execute(cleared.values(payload=null()))  # SQL NULL, not JSON null
            kept_ids = [{"record_id": record, "case_id": case} for case, record in _records_of(connection, case_ids)]
            if kept_ids:
                connection.execute(_purged_records.insert(), kept_ids)
            for table in (_reviews, _conflicts, _work_log, _moves, _assessments):  # what refers to a case goes first
                for condition in db.among(connection, table.c.case_id, case_ids):
                    connection.execute(delete(table).where(condition))
            for condition in db.among(connection, _cases.c.id, case_ids):
                connection.execute(delete(_cases).where(condition))
            tombstones = [
                {"case_id": case_id, "holder_kind": kind, "holder": name, "purged_at": now}
                for case_id in sorted(holders)
                for kind, name in sorted(holders[case_id])
            ]
            seq = db.next_seqs(connection, len(tombstones), now=now)
            for number, tombstone in enumerate(tombstones):
                tombstone["seq"] = seq + number
            connection.execute(_purged.insert(), tombstones)
        connection.execute(_purges.insert().values(at=now, by=by, closed_before=closed_before, counts=asdict(removal)))
    return removal
