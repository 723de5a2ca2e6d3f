"""What the team dashboard reads: every case's schedule, the drafts in progress and open conflicts (for the team's
load; the cases with their current assessments, for missing data, are ``store.cohort.cohort``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import col, select

from drive_tui.domain.models import Assessment
from drive_tui.domain.schedule import CaseSchedule
from drive_tui.domain.summary import CaseSummary
from drive_tui.domain.vocab import AssessmentStatus
from drive_tui.store.assessments import to_assessment
from drive_tui.store.caseload import CaseloadRow
from drive_tui.store.store import Tx
from drive_tui.store.tables import AssessmentRow, ConflictRow


@dataclass(frozen=True, slots=True)
class TeamSnapshot:
    schedules: list[tuple[CaseSummary, CaseSchedule]]
    drafts: list[Assessment]
    open_conflicts: dict[str, int]
    """Case id → open conflicts on it."""


def team_snapshot(tx: Tx, rows: list[CaseloadRow]) -> TeamSnapshot:
    """``rows``: every case with its schedule (``store.caseload.caseload``), as the caseload screen has it."""
    drafts = [
        to_assessment(row)
        for row in tx.session.exec(select(AssessmentRow).where(AssessmentRow.status == AssessmentStatus.DRAFT.value))
    ]
    conflicts = Counter(tx.session.exec(select(ConflictRow.case_id).where(col(ConflictRow.resolved_at).is_(None))))
    return TeamSnapshot(
        schedules=[(row.case, row.schedule) for row in rows],
        drafts=drafts,
        open_conflicts=dict(conflicts),
    )
