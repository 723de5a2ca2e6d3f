"""The casework figures the evaluators coded case notes by hand to get (pp.27-35): direct against indirect work,
indirect work by agency and by action, disruption and child safeguarding, contact attempts for Service Users
contacted and never contacted, and information requests — open, answered, stalled, days to answer.

The figures behind ``drive-tui report casework``. Which cases count: those open at any time in the period
(allocated by its end, not closed before its start). Which entries count: those of such a case dated within the
period. "Contacted" means the work log shows the Service User reached (a direct session, or an attempt whose
outcome was *reached*) within the period; "attempts before first contact" counts a contacted case's attempts
that did not reach the Service User, dated up to the day they were first reached.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from drive_tui.domain.casework import STALLED_AFTER_WORKING_DAYS, CaseWork, first_contact, info_requests
from drive_tui.domain.models import CaseProfile
from drive_tui.domain.vocab import CHILD_SAFEGUARDING, DISRUPTION, Agency, AgencyAction, AttemptOutcome, WorkKind


@dataclass(frozen=True, slots=True)
class Period:
    """From ``start`` to ``end``, both inclusive; either open-ended when None."""

    start: dt.date | None = None
    end: dt.date | None = None

    def holds(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def overlaps(self, case: CaseProfile) -> bool:
        """The case was open at some time in the period."""
        if self.end is not None and case.allocated_on > self.end:
            return False
        return not (self.start is not None and case.closed_on is not None and case.closed_on < self.start)


def _median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def casework_figures(
    cases: Iterable[CaseWork],
    *,
    today: dt.date,
    period: Period = Period(),
    stalled_after: int = STALLED_AFTER_WORKING_DAYS,
) -> dict[str, Any]:
    """The figures as one JSON-ready document (keys as ``report casework --format json`` prints them).

    ``today``: the day open information requests are aged to (the period's end if that is earlier)."""
    counted = [
        CaseWork(item.case, [entry for entry in item.entries if period.holds(entry.date)])
        for item in cases
        if period.overlaps(item.case)
    ]
    as_of = min(today, period.end) if period.end is not None else today
    entries = [entry for item in counted for entry in item.entries]
    kinds = Counter(entry.kind for entry in entries)
    indirect = [entry for entry in entries if entry.kind is WorkKind.INDIRECT]
    by_agency = Counter(entry.agency for entry in indirect)
    by_action = Counter(entry.action for entry in indirect)

    disruption_by_site: Counter[str] = Counter()
    disruption_cases = safeguarding_cases = 0
    safeguarding_entries = 0
    attempts: dict[bool, list[int]] = {True: [], False: []}
    before_first: list[int] = []
    for item in counted:
        disruptive = [e for e in item.entries if e.action in DISRUPTION]
        disruption_by_site[item.case.site] += len(disruptive)
        disruption_cases += bool(disruptive)
        safeguarding = [e for e in item.entries if e.action in CHILD_SAFEGUARDING]
        safeguarding_entries += len(safeguarding)
        safeguarding_cases += bool(safeguarding)
        tries = [e for e in item.entries if e.kind is WorkKind.CONTACT_ATTEMPT]
        reached_on = first_contact(item.entries)
        attempts[reached_on is not None].append(len(tries))
        if reached_on is not None:
            before_first.append(
                sum(1 for e in tries if e.date <= reached_on and e.attempt_outcome is not AttemptOutcome.REACHED)
            )

    requests = info_requests(entries)
    answered = [request.days_to_answer for request in requests if not request.open]
    return {
        "cases": len(counted),
        "period": {
            "from": period.start.isoformat() if period.start else None,
            "to": period.end.isoformat() if period.end else None,
        },
        "entries": {kind.value: kinds.get(kind, 0) for kind in WorkKind},
        "entries_per_case": {
            kind.value: round(kinds.get(kind, 0) / len(counted), 1) if counted else None for kind in WorkKind
        },
        "indirect_by_agency": {agency.value: by_agency.get(agency, 0) for agency in Agency},
        "indirect_by_action": {action.value: by_action.get(action, 0) for action in AgencyAction},
        "disruption": {
            "entries": sum(disruption_by_site.values()),
            "cases": disruption_cases,
            "by_site": dict(sorted(disruption_by_site.items())),
        },
        "child_safeguarding": {"entries": safeguarding_entries, "cases": safeguarding_cases},
        "contact_attempts": {
            group: {
                "cases": len(attempts[contacted]),
                "attempts": sum(attempts[contacted]),
                "median_attempts": _median(attempts[contacted]),
            }
            for group, contacted in (("contacted", True), ("never_contacted", False))
        },
        "attempts_before_first_contact_median": _median(before_first),
        "info_requests": {
            "open": sum(1 for request in requests if request.open),
            "answered": len(answered),
            "stalled": sum(1 for request in requests if request.stalled(as_of, after=stalled_after)),
            "stalled_after_working_days": stalled_after,
            "median_days_to_answer": _median([days for days in answered if days is not None]),
        },
    }
