"""What a device pulls: the current state of every row its user may see whose sequence number is past the cursor,
and the cases it must remove (moved to another case manager, or removed under the retention policy).

A case manager sees the cases assigned to them; a supervisor the cases of their team's sites; an administrator
no case data. Every pull that returns case data is written to the access log (user, device, time, which cases).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, false, select

from drive_tui.central import db
from drive_tui.central.people import Device, touch
from drive_tui.central.tables import (
    AccessRow,
    AssessmentRow,
    CaseMoveRow,
    CaseRow,
    ConflictRow,
    PurgedCaseRow,
    ReviewRow,
    WorkLogRow,
)
from drive_tui.sync.protocol import (
    AssessmentState,
    CaseState,
    ConflictState,
    Cursor,
    PullRequest,
    PullResponse,
    ReviewState,
    Role,
    WorkLogState,
)

_cases = CaseRow.__table__  # type: ignore[attr-defined]
_assessments = AssessmentRow.__table__  # type: ignore[attr-defined]
_reviews = ReviewRow.__table__  # type: ignore[attr-defined]
_conflicts = ConflictRow.__table__  # type: ignore[attr-defined]
_moves = CaseMoveRow.__table__  # type: ignore[attr-defined]
_access = AccessRow.__table__  # type: ignore[attr-defined]
_work_log = WorkLogRow.__table__  # type: ignore[attr-defined]
_purged = PurgedCaseRow.__table__  # type: ignore[attr-defined]


def _by_role(device: Device, manager: ColumnElement[Any], sites: ColumnElement[Any]) -> ColumnElement[bool]:
    """``manager`` is this case manager, or ``sites`` one of this supervisor's sites; nothing for an administrator
    (whose device holds no case data)."""
    user = device.user
    if user.role is Role.CASE_MANAGER:
        return manager == user.username
    if user.role is Role.SUPERVISOR:
        return sites.in_(user.sites)
    return false()


def visible_cases(device: Device) -> ColumnElement[bool]:
    """The cases this device's user may read."""
    return _by_role(device, _cases.c.case_manager, _cases.c.site)


def moved_away(device: Device) -> ColumnElement[bool]:
    """Moves that took a case from this device's user: from them (a case manager), or from their sites."""
    return _by_role(device, _moves.c.from_user, _moves.c.from_site)


def visible_purges(device: Device) -> ColumnElement[bool]:
    """The cases removed under the retention policy that this device's user could hold (their devices remove them):
    every case manager a case had, not only its last, and its site."""
    kind = _purged.c.holder_kind
    is_holder = _by_role(device, _purged.c.holder, _purged.c.holder)
    return is_holder & (kind == ("case_manager" if device.user.role is Role.CASE_MANAGER else "site"))


def _page(connection: Connection, query: Any, after: int, upto: int, limit: int, seq: Any) -> list[dict[str, Any]]:
    query = query.where(seq > after, seq <= upto).order_by(seq).limit(limit)
    return [dict(row) for row in connection.execute(query).mappings()]


def pull(
    engine: Engine, device: Device, request: PullRequest, *, standing: Callable[[Connection], Device] | None = None
) -> PullResponse:
    """One page of changes after ``request.cursor``, read from one consistent snapshot. ``standing`` judges the
    device again in that snapshot (raising to refuse), so what is sent is what its user may see at that moment."""
    limit = request.limit
    with db.snapshot(engine) as connection:
        if standing is not None:
            device = standing(connection)
        head_seq, head_stamp = db.head(connection)
        after, reset = request.cursor.seq, False
        if after > 0 and db.stamp_of(connection, after) != request.cursor.stamp:
            after, reset = 0, True  # this store never gave out that cursor: it was restored from a backup
        visible = visible_cases(device)
        joined = _cases.c.id
        pages = {
            "cases": _page(connection, select(_cases).where(visible), after, head_seq, limit, _cases.c.seq),
            "assessments": _page(
                connection,
                select(_assessments).join(_cases, joined == _assessments.c.case_id).where(visible),
                after,
                head_seq,
                limit,
                _assessments.c.seq,
            ),
            "reviews": _page(
                connection,
                select(_reviews).join(_cases, joined == _reviews.c.case_id).where(visible),
                after,
                head_seq,
                limit,
                _reviews.c.seq,
            ),
            "conflicts": _page(
                connection,
                select(_conflicts).join(_cases, joined == _conflicts.c.case_id).where(visible),
                after,
                head_seq,
                limit,
                _conflicts.c.seq,
            ),
            "work_log": _page(
                connection,
                select(_work_log).join(_cases, joined == _work_log.c.case_id).where(visible),
                after,
                head_seq,
                limit,
                _work_log.c.seq,
            ),
            "moves": _page(
                connection,
                select(_moves).join(_cases, joined == _moves.c.case_id).where(moved_away(device), ~visible),
                after,
                head_seq,
                limit,
                _moves.c.seq,
            ),
            "purged": _page(
                connection, select(_purged).where(visible_purges(device)), after, head_seq, limit, _purged.c.seq
            ),
        }
        # Each page is ordered by seq. Where a page is full, rows past its last seq may exist in that table, so the
        # response stops at the smallest such seq: everything up to the new cursor is then complete.
        full = [rows[-1]["seq"] for rows in pages.values() if len(rows) == limit]
        upto = min(full) if full else head_seq
        kept = {kind: [row for row in rows if row["seq"] <= upto] for kind, rows in pages.items()}
        _add_parents(connection, kept, visible)
        cursor = (
            Cursor(seq=head_seq, stamp=head_stamp)
            if not full
            else Cursor(seq=upto, stamp=db.stamp_of(connection, upto) or "")
        )
        response = PullResponse(
            cases=[CaseState.model_validate(_without_seq(row)) for row in kept["cases"]],
            assessments=[AssessmentState.model_validate(_without_seq(row)) for row in kept["assessments"]],
            reviews=[ReviewState.model_validate(_without_seq(row)) for row in kept["reviews"]],
            conflicts=[ConflictState.model_validate(_conflict(row)) for row in kept["conflicts"]],
            work_log=[WorkLogState.model_validate(_entry(row)) for row in kept["work_log"]],
            removed_cases=sorted({row["case_id"] for kind in ("moves", "purged") for row in kept[kind]}),
            cursor=cursor,
            more=bool(full),
            reset=reset,
        )
        read = sorted(
            {c.id for c in response.cases}
            | {a.case_id for a in response.assessments}
            | {r.case_id for r in response.reviews}
            | {c.case_id for c in response.conflicts}
            | {e.case_id for e in response.work_log}
        )
        if read:
            connection.execute(
                _access.insert().values(
                    at=datetime.now(UTC), user_id=device.user.id, device_id=device.id, action="pull", case_ids=read
                )
            )
        touch(connection, device.id, synced=True, pulled_seq=cursor.seq)
    return response


def _add_parents(connection: Connection, kept: dict[str, list[dict[str, Any]]], visible: ColumnElement[bool]) -> None:
    """Every row's case (and a review's or amendment's assessment) travels in the same page, whatever its sequence
    number: the device's store keeps foreign keys, and a page must be applicable on its own."""
    have = {row["id"] for row in kept["assessments"]}
    wanted = {row["assessment_id"] for row in kept["reviews"]} | {
        row["supersedes"] for row in kept["assessments"] if row["supersedes"]
    }
    missing = wanted - have
    while missing:  # an amendment of an amendment: follow the chain
        found = [
            dict(r)
            for r in connection.execute(
                select(_assessments)
                .join(_cases, _cases.c.id == _assessments.c.case_id)
                .where(_assessments.c.id.in_(missing), visible)
            ).mappings()
        ]
        kept["assessments"].extend(found)
        have |= {row["id"] for row in found}
        missing = {row["supersedes"] for row in found if row["supersedes"]} - have
    case_ids = {row["case_id"] for kind in ("assessments", "reviews", "conflicts", "work_log") for row in kept[kind]}
    absent = case_ids - {row["id"] for row in kept["cases"]}
    if absent:
        kept["cases"].extend(
            dict(r) for r in connection.execute(select(_cases).where(_cases.c.id.in_(absent), visible)).mappings()
        )


def _without_seq(row: dict[str, Any]) -> dict[str, Any]:
    """A row as a device holds it: without the central store's own bookkeeping."""
    return {key: value for key, value in row.items() if key not in ("seq", "received_at")}


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    """A work-log row as a device holds it: the entry, its case and its times."""
    return {key: row[key] for key in ("id", "case_id", "entry", "created_at", "updated_at")}


def _conflict(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in ("seq", "incoming_change_id")}
