"""Cases with their current submitted assessments, read in two queries whatever the number of cases: the cohort
the outcome analyses run over (closed cases) and the team dashboard's missing-data figures (all cases)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import col, select

from drive_tui.domain.cohort import CohortCase
from drive_tui.domain.models import Assessment
from drive_tui.domain.vocab import AssessmentStatus, CaseStatus, Timepoint
from drive_tui.store.assessments import to_assessment
from drive_tui.store.cases import to_case
from drive_tui.store.store import Tx
from drive_tui.store.tables import AssessmentRow, CaseRow


def cohort(
    tx: Tx,
    *,
    closed_only: bool = False,
    site: str | None = None,
    closed_from: date | None = None,
    closed_to: date | None = None,
) -> list[CohortCase]:
    """Cases (closed ones only, at ``site``, closed between the dates, both inclusive), by site and reference."""
    query = select(CaseRow)
    if closed_only or closed_from is not None or closed_to is not None:
        query = query.where(CaseRow.status == CaseStatus.CLOSED.value)
    if site is not None:
        query = query.where(CaseRow.site == site)
    if closed_from is not None:
        query = query.where(col(CaseRow.closed_on) >= closed_from)
    if closed_to is not None:
        query = query.where(col(CaseRow.closed_on) <= closed_to)
    cases = [to_case(row) for row in tx.session.exec(query.order_by(col(CaseRow.site), col(CaseRow.reference)))]
    wanted = {case.id for case in cases}
    current: dict[str, dict[Timepoint, Assessment]] = defaultdict(dict)
    rows = tx.session.exec(select(AssessmentRow).where(AssessmentRow.status == AssessmentStatus.SUBMITTED.value))
    for row in rows:
        if row.case_id in wanted:
            assessment = to_assessment(row)
            current[row.case_id][assessment.timepoint] = assessment
    return [CohortCase(case=case, assessments=current[case.id]) for case in cases]
