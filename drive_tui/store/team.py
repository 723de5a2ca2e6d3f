"""What the team dashboard reads: every case's schedule, the drafts in progress, open conflicts and information
requests (for the team's load; the cases with their current assessments, for missing data, are
``store.cohort.cohort``)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from sqlmodel import col, select

from drive_tui.domain.casework import InfoRequest, WorkLogEntry, info_requests
from drive_tui.domain.models import Assessment
from drive_tui.domain.schedule import CaseSchedule
from drive_tui.domain.summary import CaseSummary
from drive_tui.domain.vocab import AgencyAction, AssessmentStatus
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
    requests: dict[str, list[InfoRequest]]
    """Case id → its information requests, answered or not."""


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
        requests=_requests(tx),
    )


def _requests(tx: Tx) -> dict[str, list[InfoRequest]]:
    """Every case's information requests and their answers: only those entries are read (by SQLite's JSON), not
    the whole work log."""
    rows = tx.dbapi.execute(
        "SELECT case_id, entry FROM work_log WHERE json_extract(entry, '$.action') IN (?, ?) ORDER BY case_id",
        (AgencyAction.INFO_REQUESTED.value, AgencyAction.INFO_RECEIVED.value),
    )
    entries: dict[str, list[WorkLogEntry]] = {}
    for case_id, entry in rows:
        entries.setdefault(case_id, []).append(WorkLogEntry.model_validate(json.loads(entry)))
    return {case_id: info_requests(found) for case_id, found in entries.items()}
