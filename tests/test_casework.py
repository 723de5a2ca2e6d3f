"""Casework: the work log's rules between fields, information requests and their ageing in working days, and the
figures of ``report casework`` over a hand-worked set of cases."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from drive_tui.analysis.casework import Period, casework_figures
from drive_tui.domain.casework import (
    CaseWork,
    ContactStrategy,
    WorkLogEntry,
    info_requests,
    latest_today,
    misdated,
    working_days_between,
)
from drive_tui.domain.models import CaseProfile
from drive_tui.domain.vocab import CaseStatus, StrategyState

D = dt.date


def entry(id: str, day: str, kind: str, **fields: object) -> WorkLogEntry:
    return WorkLogEntry(id=id, case_id="c", date=D.fromisoformat(day), recorded_by="cm1", kind=kind, **fields)


def attempt(id: str, day: str, method: str, outcome: str) -> WorkLogEntry:
    return entry(id, day, "contact_attempt", attempt_method=method, attempt_outcome=outcome)


def indirect(id: str, day: str, agency: str, action: str, answers: str | None = None) -> WorkLogEntry:
    return entry(id, day, "indirect", agency=agency, action=action, answers=answers)


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        ("contact_attempt", {"attempt_method": "telephone"}, "needs its method and its outcome"),
        (
            "contact_attempt",
            {"attempt_method": "telephone", "attempt_outcome": "reached", "agency": "police"},
            "no agency",
        ),
        ("direct_session", {"contact_types": ["face_to_face"]}, "type of contact and its setting"),
        ("indirect", {"agency": "police"}, "the agency and what was done"),
        ("indirect", {"agency": "police", "action": "info_shared", "answers": "x"}, "only information received"),
        ("indirect", {"agency": "police", "action": "interrogation"}, "action"),
        ("direct_session", {"contact_types": ["face_to_face"], "contact_setting": "prison", "note": "a\x00b"}, "note"),
        (
            "direct_session",
            {"contact_types": ["face_to_face"], "contact_setting": "prison", "note": "x" * 4001},
            "note",
        ),
    ],
)
def test_an_entry_has_exactly_the_fields_of_its_kind(kind: str, fields: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        entry("e", "2026-10-01", kind, **fields)


def test_a_valid_entry_of_each_kind_and_what_counts_as_contact() -> None:
    reached = attempt("a", "2026-10-01", "via_prison", "reached")
    session = entry(
        "s", "2026-10-02", "direct_session", contact_types=["face_to_face"], contact_setting="prison",
        support_areas=["housing"], behaviour_change_work=True, note="line one\n\tline two",
    )  # fmt: skip
    shared = indirect("i", "2026-10-03", "marac", "info_shared")
    assert reached.is_contact and session.is_contact and not shared.is_contact
    assert not attempt("n", "2026-10-01", "telephone", "no_answer").is_contact


def test_a_contact_strategy_says_who_agreed_it_and_when() -> None:
    assert ContactStrategy(plan="Approach through the OM first.").state is StrategyState.DRAFTED
    agreed = ContactStrategy(state="agreed", plan="…", agreed_by="sup1", agreed_on=D(2026, 10, 1))
    assert agreed.agreed_by == "sup1"
    with pytest.raises(ValidationError, match="who agreed it and when"):
        ContactStrategy(state="shared_with_marac", plan="…")
    with pytest.raises(ValidationError, match="not agreed yet"):
        ContactStrategy(plan="…", agreed_by="sup1")


def test_working_days_count_monday_to_friday_after_the_first_day() -> None:
    """Worked by hand on the 2026 calendar: 30 Oct is a Friday, 2 Nov a Monday."""
    assert working_days_between(D(2026, 10, 30), D(2026, 11, 2)) == 1  # Fri → Mon: only Monday
    assert working_days_between(D(2026, 11, 2), D(2026, 11, 9)) == 5  # a week
    assert working_days_between(D(2026, 11, 2), D(2026, 11, 16)) == 10
    assert working_days_between(D(2026, 10, 31), D(2026, 11, 1)) == 0  # Sat → Sun
    assert working_days_between(D(2026, 11, 4), D(2026, 11, 4)) == 0
    assert working_days_between(D(2026, 11, 4), D(2026, 11, 3)) == 0


def test_a_request_is_answered_only_by_information_from_the_same_agency_and_stalls_after_ten_working_days() -> None:
    asked = indirect("q", "2026-11-02", "police", "info_requested")
    wrong_agency = indirect("w", "2026-11-03", "probation", "info_received", answers="q")
    too_early = indirect("e", "2026-11-01", "police", "info_received", answers="q")
    (request,) = info_requests([asked, wrong_agency, too_early])
    assert request.open
    assert not request.stalled(D(2026, 11, 16))  # 10 working days: not yet
    assert request.stalled(D(2026, 11, 17))  # 11
    first = indirect("a1", "2026-11-05", "police", "info_received", answers="q")
    second = indirect("a2", "2026-11-06", "police", "info_received", answers="q")
    (request,) = info_requests([second, asked, first])
    assert request.answer == first and request.days_to_answer == 3 and not request.stalled(D(2027, 1, 1))


def _case(reference: str, site: str, allocated: str, closed: str | None = None) -> CaseProfile:
    return CaseProfile(
        reference=reference,
        site=site,
        allocated_on=D.fromisoformat(allocated),
        case_manager="cm1",
        status=CaseStatus.CLOSED if closed else CaseStatus.OPEN,
        closed_on=D.fromisoformat(closed) if closed else None,
    )


def test_casework_figures_over_a_hand_worked_set_of_cases() -> None:
    """Period 1 Oct – 31 Dec 2026, aged to Monday 30 Nov.

    A (Essex, open): attempts 5 Oct no answer, 12 Oct declined, 20 Oct reached; a session 27 Oct; police asked
      6 Oct, answered 9 Oct (3 days); a Marac re-referral 2 Nov (disruption); an attempt on 15 Sep (outside).
    B (Essex, open): attempts 1 Oct no answer, 15 Oct refused by the institution — never contacted; a child
      safeguarding referral 2 Nov; probation asked 2 Nov, unanswered (20 working days to 30 Nov: stalled);
      licence conditions 3 Nov (disruption).
    C (Kent, closed 10 Oct — open in the period): police asked 2 Oct, answered 9 Oct (7 days); information shared
      with the Idva service 3 Oct; reached by telephone 5 Oct.
    D (closed 1 Sep) and E (allocated 5 Jan 2027) fall outside the period, whatever their entries.

    So: 3 cases; 6 attempts, 1 session, 9 indirect entries (per case 2.0, 0.3, 3.0); police 4, probation 2,
    Marac 1, children's social care 1, Idva service 1; requested 3, received 2, shared 1, Marac referral 1,
    licence conditions 1, child safeguarding referral 1; disruption 2 entries in 2 cases (Essex 2, Kent 0); child
    safeguarding 1 entry in 1 case; contacted A and C (3 and 1 attempts: median 2), never contacted B (2);
    attempts before first contact A 2 (no answer, declined), C 0 → median 1; requests 1 open (stalled), 2
    answered in 3 and 7 days → median 5.
    """
    cases = [
        CaseWork(
            _case("A", "Essex", "2026-09-01"),
            [
                attempt("a1", "2026-10-05", "via_prison", "no_answer"),
                attempt("a2", "2026-10-12", "telephone", "declined"),
                attempt("a3", "2026-10-20", "face_to_face", "reached"),
                entry(
                    "a4",
                    "2026-10-27",
                    "direct_session",
                    contact_types=["face_to_face"],
                    contact_setting="prison",
                    behaviour_change_work=True,
                ),  # fmt: skip
                indirect("a5", "2026-10-06", "police", "info_requested"),
                indirect("a6", "2026-10-09", "police", "info_received", answers="a5"),
                indirect("a7", "2026-11-02", "marac", "marac_referral"),
                attempt("a8", "2026-09-15", "telephone", "no_answer"),
            ],
        ),
        CaseWork(
            _case("B", "Essex", "2026-08-01"),
            [
                attempt("b1", "2026-10-01", "letter_email", "no_answer"),
                attempt("b2", "2026-10-15", "via_probation", "refused_by_institution"),
                indirect("b3", "2026-11-02", "childrens_social_care", "child_safeguarding_referral"),
                indirect("b4", "2026-11-02", "probation", "info_requested"),
                indirect("b5", "2026-11-03", "probation", "licence_conditions"),
            ],
        ),
        CaseWork(
            _case("C", "Kent", "2026-06-01", closed="2026-10-10"),
            [
                indirect("c1", "2026-10-02", "police", "info_requested"),
                indirect("c2", "2026-10-09", "police", "info_received", answers="c1"),
                indirect("c3", "2026-10-03", "idva_service", "info_shared"),
                attempt("c4", "2026-10-05", "telephone", "reached"),
            ],
        ),
        CaseWork(
            _case("D", "Kent", "2026-01-01", closed="2026-09-01"),
            [indirect("d1", "2026-10-01", "police", "arrest_or_recall")],
        ),
        CaseWork(_case("E", "Kent", "2027-01-05"), []),
    ]
    figures = casework_figures(cases, today=D(2026, 11, 30), period=Period(D(2026, 10, 1), D(2026, 12, 31)))
    assert figures["cases"] == 3
    assert figures["entries"] == {"contact_attempt": 6, "direct_session": 1, "indirect": 9}
    assert figures["entries_per_case"] == {"contact_attempt": 2.0, "direct_session": 0.3, "indirect": 3.0}
    assert {k: v for k, v in figures["indirect_by_agency"].items() if v} == {
        "police": 4, "probation": 2, "marac": 1, "childrens_social_care": 1, "idva_service": 1,
    }  # fmt: skip
    assert len(figures["indirect_by_agency"]) == 13  # every agency, zeros included: stable columns
    assert {k: v for k, v in figures["indirect_by_action"].items() if v} == {
        "info_requested": 3, "info_received": 2, "info_shared": 1, "marac_referral": 1, "licence_conditions": 1,
        "child_safeguarding_referral": 1,
    }  # fmt: skip
    assert figures["disruption"] == {"entries": 2, "cases": 2, "by_site": {"Essex": 2, "Kent": 0}}
    assert figures["child_safeguarding"] == {"entries": 1, "cases": 1}
    assert figures["contact_attempts"] == {
        "contacted": {"cases": 2, "attempts": 4, "median_attempts": 2.0},
        "never_contacted": {"cases": 1, "attempts": 2, "median_attempts": 2.0},
    }
    assert figures["attempts_before_first_contact_median"] == 1.0
    assert figures["info_requests"] == {
        "open": 1, "answered": 2, "stalled": 1, "stalled_after_working_days": 10, "median_days_to_answer": 5.0,
    }  # fmt: skip


def test_casework_figures_with_no_cases_say_so_rather_than_divide_by_zero() -> None:
    figures = casework_figures([], today=D(2026, 11, 30))
    assert figures["cases"] == 0 and figures["entries_per_case"]["indirect"] is None
    assert figures["contact_attempts"]["contacted"] == {"cases": 0, "attempts": 0, "median_attempts": None}
    assert figures["info_requests"]["median_days_to_answer"] is None


def test_today_for_the_work_log_is_the_latest_date_anywhere() -> None:
    """A laptop in British Summer Time at 00:30 on 2 July is at 23:30 UTC on 1 July: its day's work is dated 2 July
    and is not "after today". Nowhere is it already 3 July."""
    late = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)
    assert latest_today(late) == dt.date(2026, 7, 2)
    assert latest_today(dt.datetime(2026, 7, 1, 5, 0, tzinfo=dt.UTC)) == dt.date(2026, 7, 1)
    assert misdated(dt.date(2026, 7, 2), allocated_on=dt.date(2026, 1, 1), today=latest_today(late)) is None
    assert misdated(dt.date(2026, 7, 3), allocated_on=dt.date(2026, 1, 1), today=latest_today(late)) is not None
