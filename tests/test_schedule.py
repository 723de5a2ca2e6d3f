"""The assessment schedule: due dates, what is next, what is overdue, early closure."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drive_tui.domain.schedule import SlotState, add_months, case_schedule, due_dates, is_behind, next_due
from drive_tui.domain.vocab import Timepoint as T


def test_due_dates_count_calendar_months_from_allocation() -> None:
    dues = due_dates(date(2026, 1, 5))
    assert dues == {
        T.INTAKE: date(2026, 1, 5),
        T.MONTH_3: date(2026, 4, 5),
        T.MONTH_6: date(2026, 7, 5),
        T.MONTH_9: date(2026, 10, 5),
        T.CLOSURE: date(2026, 11, 5),
    }


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2026, 5, 3), 10, date(2027, 3, 3)),
    ],
)
def test_add_months_clamps_to_the_end_of_short_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def states(schedule) -> dict[T, SlotState]:  # type: ignore[no-untyped-def]
    return {slot.timepoint: slot.state for slot in schedule.slots}


def test_a_new_case_has_intake_due_and_the_rest_not_due() -> None:
    schedule = case_schedule(allocated_on=date(2026, 1, 5), today=date(2026, 1, 6))
    assert states(schedule)[T.INTAKE] is SlotState.DUE
    assert {states(schedule)[t] for t in (T.MONTH_3, T.MONTH_6, T.MONTH_9, T.CLOSURE)} == {SlotState.NOT_DUE}
    assert schedule.next is not None and schedule.next.timepoint is T.INTAKE


def test_overdue_only_after_the_grace_period() -> None:
    allocated = date(2026, 1, 5)
    on_last_day = case_schedule(allocated_on=allocated, today=date(2026, 1, 19), grace_days=14)
    day_after = case_schedule(allocated_on=allocated, today=date(2026, 1, 20), grace_days=14)
    assert states(on_last_day)[T.INTAKE] is SlotState.DUE
    assert states(day_after)[T.INTAKE] is SlotState.OVERDUE
    assert [s.timepoint for s in day_after.overdue] == [T.INTAKE]
    stricter = case_schedule(allocated_on=allocated, today=date(2026, 1, 8), grace_days=2)
    assert states(stricter)[T.INTAKE] is SlotState.OVERDUE


def test_a_draft_past_its_due_date_is_still_overdue() -> None:
    """Opening an overdue assessment starts a draft; it stays overdue until submitted (it once stopped counting,
    and the supervisor's overdue figures fell as case managers merely opened forms)."""
    allocated = date(2026, 1, 5)
    late = case_schedule(allocated_on=allocated, today=date(2026, 1, 20), drafts=[T.INTAKE], grace_days=14)
    assert states(late)[T.INTAKE] is SlotState.DRAFT
    assert [s.timepoint for s in late.overdue] == [T.INTAKE]
    in_time = case_schedule(allocated_on=allocated, today=date(2026, 1, 19), drafts=[T.INTAKE], grace_days=14)
    assert in_time.overdue == []
    closed = case_schedule(allocated_on=allocated, today=date(2026, 9, 1), drafts=[T.MONTH_3], closed=True)
    assert closed.overdue == []


def test_next_is_the_first_assessment_not_done() -> None:
    schedule = case_schedule(
        allocated_on=date(2026, 1, 5), today=date(2026, 7, 1), submitted=[T.INTAKE], drafts=[T.MONTH_3]
    )
    assert states(schedule)[T.MONTH_3] is SlotState.DRAFT
    assert schedule.next is not None and schedule.next.timepoint is T.MONTH_3


def test_early_closure_ends_the_schedule_without_overdue_reviews() -> None:
    schedule = case_schedule(
        allocated_on=date(2026, 1, 5), today=date(2026, 12, 1), submitted=[T.INTAKE, T.MONTH_3, T.CLOSURE]
    )
    assert states(schedule)[T.MONTH_6] is SlotState.NOT_DONE
    assert states(schedule)[T.MONTH_9] is SlotState.NOT_DONE
    assert schedule.overdue == [] and schedule.next is None


def test_amended_wins_over_submitted() -> None:
    schedule = case_schedule(
        allocated_on=date(2026, 1, 5), today=date(2026, 2, 1), submitted=[T.INTAKE], amended=[T.INTAKE]
    )
    assert states(schedule)[T.INTAKE] is SlotState.AMENDED


def test_negative_grace_is_refused() -> None:
    with pytest.raises(ValueError, match="grace"):
        case_schedule(allocated_on=date(2026, 1, 5), today=date(2026, 1, 5), grace_days=-1)


timepoints = st.sets(st.sampled_from(list(T)))


@given(
    allocated_on=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    days_on=st.integers(-30, 500),
    submitted=timepoints,
    amended=timepoints,
    drafts=timepoints,
    closed=st.booleans(),
    grace_days=st.integers(0, 60),
)
def test_the_next_due_date_and_being_behind_agree_with_the_whole_schedule(
    allocated_on: date,
    days_on: int,
    submitted: set[T],
    amended: set[T],
    drafts: set[T],
    closed: bool,
    grace_days: int,
) -> None:
    """The caseload orders and counts 2,000 cases from these two alone, before any whole schedule is worked out."""
    today = allocated_on + timedelta(days=days_on)
    schedule = case_schedule(
        allocated_on=allocated_on,
        today=today,
        submitted=submitted,
        amended=amended,
        drafts=drafts,
        closed=closed,
        grace_days=grace_days,
    )
    due = next_due(allocated_on=allocated_on, done=submitted | amended, closed=closed)
    assert due == (schedule.next.due_on if schedule.next else None)
    assert is_behind(due, today=today, grace_days=grace_days) == bool(schedule.overdue)
