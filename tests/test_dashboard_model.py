"""Dashboard figures worked out by hand: load per case manager, stale drafts, missing data per field and group."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from drive_tui.analysis.dashboard import missing_data, team_load
from drive_tui.domain.casework import WorkLogEntry, info_requests
from drive_tui.domain.cohort import CohortCase
from drive_tui.domain.models import Assessment, Case
from drive_tui.domain.schedule import case_schedule
from drive_tui.domain.vocab import Agency, AgencyAction, Timepoint, WorkKind
from drive_tui.forms.catalogue import load_catalogue

FORMS = load_catalogue()
TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, tzinfo=UTC)


def case(number: int, manager: str, site: str, allocated: date, **su: object) -> Case:
    return Case(
        id=f"c{number}",
        reference=f"R{number}",
        site=site,
        allocated_on=allocated,
        case_manager=manager,
        service_user=su,
        created_at=NOW,
        updated_at=NOW,
    )


def intake(case_id: str, answers: dict[str, object], updated: datetime = NOW, status: str = "submitted") -> Assessment:
    form = FORMS.for_timepoint(Timepoint.INTAKE)
    return Assessment(
        id=f"{case_id}-i",
        case_id=case_id,
        timepoint=Timepoint.INTAKE,
        form_id=form.id,
        form_version=form.version,
        answers=answers,
        status=status,
        author="x",
        device_id="d",
        created_at=updated,
        updated_at=updated,
    )


def test_team_load_counts_per_case_manager() -> None:
    overdue = case(1, "ann", "Essex", date(2026, 9, 15))  # intake never done: overdue; 3 months 15 Dec
    due_soon = case(2, "ann", "Essex", date(2026, 8, 30))  # intake submitted; 3 months due 30 Nov
    fresh = case(3, "bob", "Kent", date(2026, 11, 20))  # intake due now (allocation date), draft stale
    started_late = case(4, "ann", "Essex", date(2026, 9, 15))  # intake overdue, opened as a draft: still overdue
    schedules = [
        (overdue, case_schedule(allocated_on=overdue.allocated_on, today=TODAY)),
        (due_soon, case_schedule(allocated_on=due_soon.allocated_on, today=TODAY, submitted=[Timepoint.INTAKE])),
        (fresh, case_schedule(allocated_on=fresh.allocated_on, today=TODAY, drafts=[Timepoint.INTAKE])),
        (started_late, case_schedule(allocated_on=started_late.allocated_on, today=TODAY, drafts=[Timepoint.INTAKE])),
    ]
    drafts = [intake("c3", {}, updated=NOW - timedelta(days=8), status="draft")]
    load = {m.case_manager: m for m in team_load(schedules, drafts, {"c1": 2}, today=TODAY)}
    assert (load["ann"].open_cases, load["ann"].overdue, load["ann"].due_soon, load["ann"].conflicts) == (3, 2, 1, 2)
    assert (load["bob"].open_cases, load["bob"].overdue, load["bob"].stale_drafts) == (1, 0, 1)


def test_missing_data_rates_overall_and_by_site() -> None:
    needs = {"contact_made": "yes", "contact_types": ["telephone"], "contact_setting": "community", "engagement": "low"}
    cohort = [
        CohortCase(
            case(1, "ann", "Essex", date(2026, 1, 1), gender="man"),
            {Timepoint.INTAKE: intake("c1", needs | {"need_housing": "not_known"})},
        ),
        CohortCase(
            case(2, "ann", "Kent", date(2026, 1, 1)), {Timepoint.INTAKE: intake("c2", needs | {"need_housing": "yes"})}
        ),
        CohortCase(case(3, "bob", "Kent", date(2026, 1, 1)), {}),  # no assessment yet: only its profile counts
    ]
    result = missing_data(cohort, FORMS.get, by="site")
    housing = result.overall["need_housing"]
    assert (housing.asked, housing.not_known, housing.unanswered) == (2, 1, 0) and housing.not_known_rate == 0.5
    assert result.groups["Kent"]["need_housing"].not_known == 0
    gender = result.overall["service_user.gender"]
    assert (gender.asked, gender.unanswered) == (3, 2)
    assert "no_contact_reason" not in result.overall  # never asked: contact was made
    by_manager = missing_data(cohort, FORMS.get, by="case_manager")
    assert set(by_manager.groups) == {"ann", "bob"}
    assert ("need_housing", "Housing difficulties") in result.fields


def test_team_load_counts_information_requests_open_and_stalled() -> None:
    """Working days up to Thursday 26 November 2026: a request of Wednesday 11th has waited 11 (Thu 12th, Fri 13th,
    the week of the 16th, Mon 23rd to Thu 26th): stalled past 10; one of Thursday 12th has waited 10: open, not
    stalled; an answered one is not open."""

    def entry(number: int, case_id: str, day: date, action: str, answers: str | None = None) -> WorkLogEntry:
        return WorkLogEntry(id=f"e{number}", case_id=case_id, date=day, recorded_by="ann", kind=WorkKind.INDIRECT,
                            agency=Agency.POLICE, action=AgencyAction(action), answers=answers)  # fmt: skip

    first, second = case(1, "ann", "Essex", date(2026, 9, 1)), case(2, "ann", "Essex", date(2026, 9, 1))
    other = case(3, "bob", "Kent", date(2026, 9, 1))
    requests = {
        "c1": info_requests([entry(1, "c1", date(2026, 11, 11), "info_requested")]),
        "c2": info_requests(
            [
                entry(2, "c2", date(2026, 11, 12), "info_requested"),
                entry(3, "c2", date(2026, 10, 1), "info_requested"),
                entry(4, "c2", date(2026, 10, 9), "info_received", answers="e3"),
            ]
        ),
    }
    schedules = [(c, case_schedule(allocated_on=c.allocated_on, today=TODAY)) for c in (first, second, other)]
    load = {m.case_manager: m for m in team_load(schedules, [], {}, today=TODAY, requests=requests)}
    assert (load["ann"].open_requests, load["ann"].stalled_requests) == (2, 1)
    assert (load["bob"].open_requests, load["bob"].stalled_requests) == (0, 0)
    stricter = team_load(schedules, [], {}, today=TODAY, requests=requests, stalled_after=9)
    assert [m.stalled_requests for m in stricter] == [2, 0]


def test_case_managers_come_in_the_order_a_person_expects() -> None:
    """cm2 before cm10 — as text they came cm1, cm10, cm100, cm11… (a helper found a team of a hundred that way)."""
    managers = ["cm10", "cm2", "cm1", "cm100", "Cm3"]
    cases = [case(number, manager, "Essex", date(2026, 9, 15)) for number, manager in enumerate(managers, start=1)]
    schedules = [(c, case_schedule(allocated_on=c.allocated_on, today=TODAY)) for c in cases]
    assert [m.case_manager for m in team_load(schedules, [], {}, today=TODAY)] == ["cm1", "cm2", "Cm3", "cm10", "cm100"]
