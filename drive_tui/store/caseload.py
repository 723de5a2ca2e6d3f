"""A case manager's caseload: every case with where its schedule stands, and the device's identity and sync status.

Read with plain SQL over a DB-API connection — inside a transaction (``caseload``) or straight after the file is
opened (``read_caseload``), so the app shows the caseload before SQLAlchemy and pydantic have loaded.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from drive_tui.domain.schedule import CaseSchedule, case_schedule, is_behind, next_due
from drive_tui.domain.summary import CaseSummary
from drive_tui.domain.terms import Identity
from drive_tui.domain.vocab import AssessmentStatus, CaseStatus, Timepoint
from drive_tui.store.device import SYNC_PREFIX, SyncStatus, read_identity, read_sync_status

if TYPE_CHECKING:
    from drive_tui.store.store import Tx

CASELOAD_GUIDE = 20
"""Cases per case manager the evaluation found workable (33 proved too many)."""


# Plain lookups: an enum call per row is measurable on a caseload of thousands.
_CASE_STATUS = {status.value: status for status in CaseStatus}
_TIMEPOINT = {tp.value: tp for tp in Timepoint}
_ORDER = {tp.value: tp.order for tp in Timepoint}
_DRAFT, _AMENDED, _SUBMITTED = (
    AssessmentStatus.DRAFT.value,
    AssessmentStatus.AMENDED.value,
    AssessmentStatus.SUBMITTED.value,
)


class CaseloadRow:
    """One case of the caseload. Its order (next due date) and whether it is behind are known at once; its full
    schedule is worked out when first asked for: a caseload of 2,000 is read before the first frame, which shows a
    screenful of them (2,000 schedules were ~12 ms of the start)."""

    __slots__ = ("_progress", "_schedule", "case", "is_overdue", "last_risk_to_victim", "next_due")

    def __init__(
        self,
        case: CaseSummary,
        last_risk_to_victim: str | None,
        progress: Progress,
    ) -> None:
        self.case = case
        self.last_risk_to_victim = last_risk_to_victim
        """The latest submitted answer to risk_to_victim (sensitive: hidden in visit mode)."""
        self._progress = progress
        self._schedule: CaseSchedule | None = None
        closed = case.status is CaseStatus.CLOSED
        done = progress.submitted | progress.amended if progress.amended else progress.submitted
        self.next_due = next_due(allocated_on=case.allocated_on, done=done, closed=closed)
        self.is_overdue = is_behind(self.next_due, today=progress.today, grace_days=progress.grace_days)

    @property
    def schedule(self) -> CaseSchedule:
        if self._schedule is None:
            progress = self._progress
            self._schedule = case_schedule(
                allocated_on=self.case.allocated_on,
                today=progress.today,
                submitted=progress.submitted,
                amended=progress.amended,
                drafts=progress.drafts,
                closed=self.case.status is CaseStatus.CLOSED,
                grace_days=progress.grace_days,
            )
        return self._schedule

    def __repr__(self) -> str:
        return f"CaseloadRow({self.case.reference!r}, next due {self.next_due})"


class Progress(NamedTuple):
    """Which of a case's timepoints have a submitted, an amended or a draft assessment, as read on ``today``."""

    today: date
    grace_days: int
    submitted: AbstractSet[Timepoint]
    amended: AbstractSet[Timepoint]
    drafts: AbstractSet[Timepoint]


@dataclass(frozen=True, slots=True)
class Overview:
    """What the caseload screen shows, read in one go."""

    rows: list[CaseloadRow]
    sync: SyncStatus
    identity: Identity


def caseload(
    tx: Tx, *, today: date | None = None, include_closed: bool = True, case_id: str | None = None
) -> list[CaseloadRow]:
    """Every case (or just ``case_id``) with its schedule on ``today``: open cases first, then by next due date."""
    return read_caseload(
        tx.dbapi, today=today or tx.today, grace_days=tx.grace_days, include_closed=include_closed, case_id=case_id
    )


def read_caseload(
    connection: Any, *, today: date, grace_days: int, include_closed: bool = True, case_id: str | None = None
) -> list[CaseloadRow]:
    """``caseload`` over a DB-API connection to the store."""
    where, parameters = ("WHERE id = ?", (case_id,)) if case_id is not None else ("", ())
    cases = [
        CaseSummary(
            id_,
            reference,
            site,
            manager,
            _CASE_STATUS[status],
            date.fromisoformat(allocated),
            date.fromisoformat(closed) if closed else None,
        )
        for id_, reference, site, manager, status, allocated, closed in connection.execute(
            f"SELECT id, reference, site, case_manager, status, allocated_on, closed_on FROM cases {where}",  # noqa: S608 - fixed text
            parameters,
        )
    ]
    where = "WHERE case_id = ?" if case_id is not None else ""
    submitted: dict[str, set[Timepoint]] = defaultdict(set)
    amended: dict[str, set[Timepoint]] = defaultdict(set)
    drafts: dict[str, set[Timepoint]] = defaultdict(set)
    last_risk: dict[str, tuple[int, str]] = {}
    # json_extract: the risk level without decoding every answer set
    for owner, timepoint, status, risk_code in connection.execute(
        "SELECT case_id, timepoint, status, json_extract(answers, '$.risk_to_victim') "  # noqa: S608 - fixed text
        f"FROM assessments {where}",
        parameters,
    ):
        tp = _TIMEPOINT[timepoint]
        if status == _DRAFT:
            drafts[owner].add(tp)
            continue
        (amended if status == _AMENDED else submitted)[owner].add(tp)
        if status == _SUBMITTED and risk_code and (order := _ORDER[timepoint]) >= last_risk.get(owner, (-1, ""))[0]:
            last_risk[owner] = (order, risk_code)
    none: frozenset[Timepoint] = frozenset()
    rows = []
    for case in cases:
        if not include_closed and case.status is CaseStatus.CLOSED:
            continue
        progress = Progress(
            today, grace_days, submitted.get(case.id, none), amended.get(case.id, none), drafts.get(case.id, none)
        )
        rows.append(CaseloadRow(case, last_risk.get(case.id, (0, None))[1], progress))

    def order(row: CaseloadRow) -> tuple[bool, date, str]:
        return (row.case.status is CaseStatus.CLOSED, row.next_due or date.max, row.case.reference)

    return sorted(rows, key=order)


def read_overview(connection: Any, *, today: date, grace_days: int, login: str) -> Overview:
    return Overview(
        read_caseload(connection, today=today, grace_days=grace_days),
        read_sync_status(connection),
        read_identity(connection, login),
    )


def read_version(connection: Any) -> tuple[Any, ...]:
    """What changes whenever the caseload can: the newest change made here and the sync position (pulls and
    releases move it). Equal versions (on one day) mean an equal caseload, so it need not be read again."""
    return tuple(
        connection.execute(
            "SELECT (SELECT max(seq) FROM outbox), (SELECT count(*) FROM outbox WHERE acknowledged_at IS NULL), "
            "(SELECT group_concat(value) FROM store_meta WHERE key IN (?, ?, ?))",
            (SYNC_PREFIX + "cursor_seq", SYNC_PREFIX + "last_sync_at", SYNC_PREFIX + "role"),
        ).fetchone()
    )
