"""The retention policy: cases closed before a date leave the central store with everything recorded about them —
assessments, reviews, the work log, conflicts and held work, moves, and the text of refused changes — in one
transaction under the commit log's lock. What stays: a tombstone per case (its id, site and case manager, numbered
like any write) so that every device holding the case removes it at its next pull; the change log's ids and outcomes
(so a change sent again is known, never applied a second time), with no payload; the access and refusal logs (ids
only). Each run is recorded in ``purges``: who, when, the cut-off and how many of each — never which.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, null, select, update

from drive_tui.central import db
from drive_tui.central.tables import (
    AssessmentRow,
    CaseMoveRow,
    CaseRow,
    ChangeRow,
    ConflictRow,
    PurgedCaseRow,
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
    """(id, site, case manager) of every case closed before the date."""
    query = select(_cases.c.id, _cases.c.site, _cases.c.case_manager).where(
        _cases.c.status == CLOSED, _cases.c.closed_on < closed_before
    )
    return [tuple(row) for row in connection.execute(query.order_by(_cases.c.id))]  # type: ignore[misc]


def _ids(connection: Connection, table: Any, case_ids: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for condition in db.among(connection, table.c.case_id, set(case_ids)):
        found.update(connection.execute(select(table.c.id).where(condition)).scalars())
    return found


def _count(connection: Connection, table: Any, column: Any, values: set[str], *extra: Any) -> int:
    return sum(
        connection.execute(select(func.count()).select_from(table).where(condition, *extra)).scalar_one()
        for condition in db.among(connection, column, values)
    )


def _measure(connection: Connection, case_ids: set[str]) -> tuple[Removal, set[str]]:
    """What removing these cases takes, and every id of a record of theirs (for the change log)."""
    assessments = _ids(connection, _assessments, case_ids)
    reviews = _ids(connection, _reviews, case_ids)
    entries = _ids(connection, _work_log, case_ids)
    conflicts = _ids(connection, _conflicts, case_ids)
    records = case_ids | assessments | reviews | entries | conflicts
    removal = Removal(
        cases=len(case_ids),
        assessments=len(assessments),
        reviews=len(reviews),
        work_log=len(entries),
        conflicts=len(conflicts),
        moves=_count(connection, _moves, _moves.c.case_id, case_ids),
        change_texts=_count(connection, _changes, _changes.c.entity_id, records, *_KEPT_TEXT),
    )
    return removal, records


def preview(engine: Engine, closed_before: date) -> Removal:
    """What ``purge`` would remove now; nothing is changed."""
    with engine.connect() as connection:
        due = _due(connection, closed_before)
        return _measure(connection, {case_id for case_id, _, _ in due})[0]


def purge(engine: Engine, closed_before: date, *, by: str, now: datetime | None = None) -> Removal:
    """Remove every case closed before ``closed_before`` and all that is recorded about it, in one transaction;
    leave a tombstone per case for the devices, and a record of the run (``by``: who ran it)."""
    now = now or datetime.now(UTC)
    with engine.begin() as connection:
        db.lock_head(connection)  # no push writes meanwhile; the tombstones are numbered after every earlier write
        due = _due(connection, closed_before)
        case_ids = {case_id for case_id, _, _ in due}
        removal, records = _measure(connection, case_ids)
        if case_ids:
            for condition in db.among(connection, _changes.c.entity_id, records):
                cleared = update(_changes).where(condition, *_KEPT_TEXT)
                connection.execute(cleared.values(payload=null()))  # SQL NULL, not JSON null
            for table in (_reviews, _conflicts, _work_log, _moves, _assessments):  # what refers to a case goes first
                for condition in db.among(connection, table.c.case_id, case_ids):
                    connection.execute(delete(table).where(condition))
            for condition in db.among(connection, _cases.c.id, case_ids):
                connection.execute(delete(_cases).where(condition))
            seq = db.next_seqs(connection, len(due), now=now)
            connection.execute(
                _purged.insert(),
                [
                    {"case_id": case_id, "site": site, "case_manager": manager, "purged_at": now, "seq": seq + number}
                    for number, (case_id, site, manager) in enumerate(due)
                ],
            )
        connection.execute(_purges.insert().values(at=now, by=by, closed_before=closed_before, counts=asdict(removal)))
    return removal
