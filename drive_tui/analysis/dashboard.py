"""The team dashboard's figures: each case manager's load and what is late, and missing data per field — the
share of "not known" and of unanswered, overall and per site or case manager — so that gaps like the evaluation's
lost 40% of complex-needs data show while they can still be filled."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from drive_tui.domain.casework import STALLED_AFTER_WORKING_DAYS, InfoRequest
from drive_tui.domain.cohort import CohortCase
from drive_tui.domain.models import Assessment
from drive_tui.domain.schedule import CaseSchedule, SlotState
from drive_tui.domain.summary import CaseSummary
from drive_tui.domain.vocab import CaseStatus
from drive_tui.forms.answers import visible_answer_ids
from drive_tui.forms.spec import FieldKind, FormSpec

DUE_SOON_DAYS = 14
STALE_DRAFT_DAYS = 7
NOT_KNOWN = frozenset({"not_known", "dont_know"})
PROFILE_FIELDS = {
    "gender": "SU gender",
    "age": "SU age",
    "ethnicity": "SU ethnicity",
    "employment": "SU employment",
    "children_involved": "Children involved",
    "previous_dva_offences": "Previous DVA offences",
    "previous_other_offences": "Previous other offences",
    "custody_status": "Custody status",
}


def natural(name: str) -> tuple[tuple[int, int | str], ...]:
    """Names in the order a person expects: cm2 before cm10 (as text, cm10 came first), case ignored."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part.casefold()) for part in re.split(r"(\d+)", name) if part
    )


@dataclass
class MemberLoad:
    """One case manager's caseload as a supervisor sees it."""

    case_manager: str
    open_cases: int = 0
    overdue: int = 0
    """Assessments past their due date and grace period."""
    due_soon: int = 0
    """Assessments due in the next 14 days."""
    stale_drafts: int = 0
    """Drafts not touched for over 7 days: started and left."""
    conflicts: int = 0
    open_requests: int = 0
    """Information requests to other agencies not yet answered."""
    stalled_requests: int = 0
    """Of those, the ones unanswered past the threshold: escalate them."""


def team_load(
    schedules: Iterable[tuple[CaseSummary, CaseSchedule]],
    drafts: Iterable[Assessment],
    open_conflicts: Mapping[str, int],
    *,
    today: date,
    requests: Mapping[str, Sequence[InfoRequest]] | None = None,
    stalled_after: int = STALLED_AFTER_WORKING_DAYS,
) -> list[MemberLoad]:
    """Per case manager: open cases, overdue and soon-due assessments, stale drafts, open conflicts, information
    requests open and stalled."""
    members: dict[str, MemberLoad] = {}
    manager_of: dict[str, str] = {}
    soon = today + timedelta(days=DUE_SOON_DAYS)
    for case, schedule in schedules:
        member = members.setdefault(case.case_manager, MemberLoad(case.case_manager))
        manager_of[case.id] = case.case_manager
        if case.status is CaseStatus.OPEN:
            member.open_cases += 1
        member.overdue += len(schedule.overdue)
        member.due_soon += sum(
            1
            for slot in schedule.slots
            if slot.state in (SlotState.DUE, SlotState.NOT_DUE, SlotState.DRAFT)  # a draft is not done yet
            and today <= slot.due_on <= soon
        )
        member.conflicts += open_conflicts.get(case.id, 0)
        still_open = [request for request in (requests or {}).get(case.id, ()) if request.open]
        member.open_requests += len(still_open)
        member.stalled_requests += sum(request.stalled(today, after=stalled_after) for request in still_open)
    stale_before = today - timedelta(days=STALE_DRAFT_DAYS)
    for draft in drafts:
        manager = manager_of.get(draft.case_id)
        if manager is not None and draft.updated_at.date() < stale_before:
            members[manager].stale_drafts += 1
    return sorted(members.values(), key=lambda m: natural(m.case_manager))


@dataclass
class Missing:
    """How often one field was left "not known" or unanswered where it was asked."""

    asked: int = 0
    not_known: int = 0
    unanswered: int = 0

    @property
    def not_known_rate(self) -> float | None:
        return self.not_known / self.asked if self.asked else None

    @property
    def unanswered_rate(self) -> float | None:
        return self.unanswered / self.asked if self.asked else None


@dataclass
class MissingData:
    """Missing data per field, overall and per group (site or case manager); fields in form order."""

    fields: list[tuple[str, str]]
    """(field id, label)."""
    overall: dict[str, Missing] = field(default_factory=dict)
    groups: dict[str, dict[str, Missing]] = field(default_factory=dict)


GROUPINGS = ("site", "case_manager")
"""How missing data can be grouped: by the case's site or its case manager."""


def missing_data(
    cohort: Iterable[CohortCase], form_for: Callable[[str, int], FormSpec], *, by: str = "site"
) -> MissingData:
    """Per field: among the current submitted assessments that asked it (and the case profiles), how many were
    answered "not known" and how many left unanswered. ``by`` is 'site' or 'case_manager'."""
    return missing_data_by(cohort, form_for, (by,))[by]


def missing_data_by(
    cohort: Iterable[CohortCase], form_for: Callable[[str, int], FormSpec], groupings: Sequence[str] = GROUPINGS
) -> dict[str, MissingData]:
    """``missing_data`` for each grouping at once: the cohort is walked, and each assessment's visible fields
    worked out, once."""
    labels: dict[str, str] = {f"service_user.{name}": label for name, label in PROFILE_FIELDS.items()}
    overall: dict[str, Missing] = defaultdict(Missing)
    groups = {by: defaultdict(lambda: defaultdict(Missing)) for by in groupings}  # type: ignore[var-annotated]

    def count(tallies_of: list[dict[str, Missing]], field_id: str, value: object) -> None:
        unanswered = value is None or value == []
        not_known = not unanswered and isinstance(value, str) and value in NOT_KNOWN
        for tally in (overall[field_id], *(tallies[field_id] for tallies in tallies_of)):
            tally.asked += 1
            tally.unanswered += unanswered
            tally.not_known += not_known

    for item in cohort:
        tallies_of = [groups[by][item.case.site if by == "site" else item.case.case_manager] for by in groupings]
        profile = item.case.service_user
        for name in PROFILE_FIELDS:
            value = getattr(profile, name)
            count(tallies_of, f"service_user.{name}", getattr(value, "value", value))
        for assessment in item.assessments.values():
            form = form_for(assessment.form_id, assessment.form_version)
            for answer_id in visible_answer_ids(form, assessment.answers):
                spec = form.field(answer_id)
                if spec.kind is FieldKind.TEXT:
                    continue  # free text (notes) is optional by nature
                if answer_id not in labels:
                    row = next((r for r in spec.rows if r.id == answer_id), None)
                    labels[answer_id] = row.label if row is not None else spec.label
                count(tallies_of, answer_id, assessment.answers.get(answer_id))
    fields = [(f, labels[f]) for f in labels if f in overall]
    return {
        by: MissingData(
            fields=fields,
            overall=dict(overall),
            groups={g: dict(v) for g, v in sorted(groups[by].items(), key=lambda item: natural(item[0]))},
        )
        for by in groupings
    }
