"""A case manager's caseload: every case with where its schedule stands, read in two queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlmodel import func, select

from drive_tui.domain.models import Case
from drive_tui.domain.schedule import CaseSchedule, case_schedule
from drive_tui.domain.vocab import AssessmentStatus, CaseStatus, Timepoint
from drive_tui.store.cases import to_case
from drive_tui.store.store import Tx
from drive_tui.store.tables import AssessmentRow, CaseRow

CASELOAD_GUIDE = 20
"""Cases per case manager the evaluation found workable (33 proved too many)."""


@dataclass(frozen=True, slots=True)
class CaseloadRow:
    case: Case
    schedule: CaseSchedule
    last_risk_to_victim: str | None
    """The latest submitted answer to risk_to_victim (sensitive: hidden in visit mode)."""

    @property
    def is_overdue(self) -> bool:
        return bool(self.schedule.overdue)


def caseload(
    tx: Tx, *, today: date | None = None, include_closed: bool = True, case_id: str | None = None
) -> list[CaseloadRow]:
    """Every case (or just ``case_id``) with its schedule on ``today``: open cases first, then by next due date."""
    today = today or tx.today
    case_query = select(CaseRow)
    risk = func.json_extract(AssessmentRow.answers, "$.risk_to_victim")  # no need to decode every answer set
    query = select(AssessmentRow.case_id, AssessmentRow.timepoint, AssessmentRow.status, risk)
    if case_id is not None:
        case_query = case_query.where(CaseRow.id == case_id)
        query = query.where(AssessmentRow.case_id == case_id)
    cases = [to_case(row) for row in tx.session.exec(case_query)]
    submitted: dict[str, set[Timepoint]] = defaultdict(set)
    amended: dict[str, set[Timepoint]] = defaultdict(set)
    drafts: dict[str, set[Timepoint]] = defaultdict(set)
    last_risk: dict[str, tuple[int, str]] = {}
    for owner, timepoint, status, risk_code in tx.session.exec(query):
        tp = Timepoint(timepoint)
        if status == AssessmentStatus.DRAFT:
            drafts[owner].add(tp)
            continue
        (amended if status == AssessmentStatus.AMENDED else submitted)[owner].add(tp)
        if status == AssessmentStatus.SUBMITTED and risk_code and tp.order >= last_risk.get(owner, (-1, ""))[0]:
            last_risk[owner] = (tp.order, risk_code)
    rows = []
    for case in cases:
        if not include_closed and case.status is CaseStatus.CLOSED:
            continue
        schedule = case_schedule(
            allocated_on=case.allocated_on,
            today=today,
            submitted=submitted[case.id],
            amended=amended[case.id],
            drafts=drafts[case.id],
            closed=case.status is CaseStatus.CLOSED,
            grace_days=tx.store.grace_days,
        )
        rows.append(CaseloadRow(case, schedule, last_risk.get(case.id, (0, None))[1]))

    def order(row: CaseloadRow) -> tuple[int, date, str]:
        next_due = row.schedule.next.due_on if row.schedule.next else date.max
        return (row.case.status is CaseStatus.CLOSED, next_due, row.case.reference)

    return sorted(rows, key=order)
