"""The assessment schedule: intake, 3, 6 and 9 months and closure (10 months), counted from allocation.

Pure functions of dates: which assessment is next, which are due or overdue. Closure may come early; once a
case is closed, reviews it never reached are *not done* rather than overdue.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from drive_tui.domain.vocab import Coded, Timepoint

DEFAULT_GRACE_DAYS = 14
"""Days after a due date before an assessment counts as overdue."""

MONTHS_AFTER_ALLOCATION: dict[Timepoint, int] = {
    Timepoint.INTAKE: 0,
    Timepoint.MONTH_3: 3,
    Timepoint.MONTH_6: 6,
    Timepoint.MONTH_9: 9,
    Timepoint.CLOSURE: 10,
}


class SlotState(Coded):
    """Where one timepoint of a case stands."""

    NOT_DUE = "not_due", "Not due"
    DUE = "due", "Due"
    OVERDUE = "overdue", "Overdue"
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    AMENDED = "amended", "Amended"
    NOT_DONE = "not_done", "Not done (case closed)"


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(start: date, months: int) -> date:
    """``start`` plus whole calendar months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    last_day = 29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month - 1]
    return date(year, month, min(start.day, last_day))


def due_dates(allocated_on: date) -> dict[Timepoint, date]:
    """Due date of every timepoint for a case allocated on ``allocated_on``."""
    return dict(_due_dates(allocated_on))


@lru_cache(maxsize=4096)
def _due_dates(allocated_on: date) -> tuple[tuple[Timepoint, date], ...]:
    """Cached: a caseload of thousands shares a few hundred allocation dates."""
    return tuple((tp, add_months(allocated_on, months)) for tp, months in MONTHS_AFTER_ALLOCATION.items())


class Slot(NamedTuple):
    """One timepoint of a case (a named tuple: caseloads build thousands of these at start-up)."""

    timepoint: Timepoint
    due_on: date
    state: SlotState


@dataclass(frozen=True, slots=True)
class CaseSchedule:
    """Every timepoint's slot, and the next assessment to do (None when the case is complete)."""

    slots: tuple[Slot, ...]
    next: Slot | None
    late_drafts: frozenset[Timepoint] = frozenset()
    """Timepoints whose assessment is a draft past its due date and grace period: started is not done."""

    @property
    def overdue(self) -> list[Slot]:
        """Assessments past their due date and grace period and not submitted — drafts among them."""
        return [slot for slot in self.slots if slot.state is SlotState.OVERDUE or slot.timepoint in self.late_drafts]


def case_schedule(
    *,
    allocated_on: date,
    today: date,
    submitted: Iterable[Timepoint] = (),
    amended: Iterable[Timepoint] = (),
    drafts: Iterable[Timepoint] = (),
    closed: bool = False,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> CaseSchedule:
    """The schedule of one case on ``today``.

    ``submitted`` are timepoints with a submitted assessment, ``amended`` those whose assessment was amended,
    ``drafts`` those with a draft in progress. A case is complete once closure is submitted or it is closed.
    """
    if grace_days < 0:
        raise ValueError("grace_days cannot be negative")
    done = set(submitted) | set(amended)
    amended_set, draft_set = set(amended), set(drafts)
    finished = closed or Timepoint.CLOSURE in done
    grace = timedelta(days=grace_days)
    slots: list[Slot] = []
    late: set[Timepoint] = set()
    for timepoint, due_on in _due_dates(allocated_on):
        if timepoint in amended_set:
            state = SlotState.AMENDED
        elif timepoint in done:
            state = SlotState.SUBMITTED
        elif timepoint in draft_set:
            state = SlotState.DRAFT
            if not finished and today > due_on + grace:
                late.add(timepoint)
        elif finished:
            state = SlotState.NOT_DONE
        elif today > due_on + grace:
            state = SlotState.OVERDUE
        elif today >= due_on:
            state = SlotState.DUE
        else:
            state = SlotState.NOT_DUE
        slots.append(Slot(timepoint, due_on, state))
    pending = (SlotState.DRAFT, SlotState.OVERDUE, SlotState.DUE, SlotState.NOT_DUE)
    next_slot = None if finished else next((s for s in slots if s.state in pending), None)
    return CaseSchedule(tuple(slots), next_slot, frozenset(late))


def next_due(*, allocated_on: date, done: AbstractSet[Timepoint], closed: bool) -> date | None:
    """When the next assessment is due — ``case_schedule(...).next.due_on`` without the whole schedule: the first
    timepoint not submitted, unless the case is finished. ``done``: the submitted and amended timepoints."""
    if closed or Timepoint.CLOSURE in done:
        return None
    for timepoint, due_on in _due_dates(allocated_on):
        if timepoint not in done:
            return due_on
    return None  # not reached: closure, at least, is not done


def is_behind(next_due_on: date | None, *, today: date, grace_days: int = DEFAULT_GRACE_DAYS) -> bool:
    """Whether a case has an overdue assessment (``case_schedule(...).overdue`` is not empty), from its next due date
    alone: due dates come in order, so if any assessment not done is past its grace period, the next one is."""
    return next_due_on is not None and (today - next_due_on).days > grace_days
