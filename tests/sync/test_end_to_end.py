"""End to end against a real server process, on SQLite and on PostgreSQL: enrol, push, pull on a second device,
a supervisor's pull and sign-off back to the case manager, reassignment, and the central access log."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from drive_tui.central.assign import assign_case, create_case
from drive_tui.domain.casework import info_requests, plan_digest
from drive_tui.store.assessments import save_draft_answer, submit_assessment
from drive_tui.store.cases import add_victim, get_case, update_case
from drive_tui.store.errors import Conflict
from drive_tui.store.reviews import reviews_of, sign_off
from drive_tui.store.strategy import agree_strategy, save_strategy, strategy_of
from drive_tui.store.work_log import record_work, work_log
from drive_tui.sync.engine import Limits, sync
from drive_tui.sync.protocol import Role
from tests.support.central import (
    ALSO_WITH_TWO_WORKERS,
    Central,
    assert_converged,
    local_assessments,
    local_cases,
    new_device,
    work_on_a_case,
)
from tests.support.data import INTAKE_COMPLETE


@ALSO_WITH_TWO_WORKERS
def test_a_case_managers_work_reaches_the_central_store_and_a_second_device(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    case_id, intake_id = work_on_a_case(laptop)

    report = sync(laptop)
    assert report.pushed == 1 + 1 + len(INTAKE_COMPLETE) + 1 and not report.rejected  # create, start, answers, submit
    stored = central.assessments()[intake_id]
    assert stored["status"] == "submitted" and stored["answers"] == INTAKE_COMPLETE
    assert central.cases()[case_id]["case_manager"] == "cm1"

    second = new_device(central, tmp_path, "cm1", name="spare")
    report = sync(second)
    assert report.pulled["cases"] == 1 and report.pulled["assessments"] == 1
    assert_converged(central, laptop, second)
    assert set(local_cases(second)) == {case_id}

    # Nothing to exchange: nothing pushed, nothing pulled, nothing duplicated centrally.
    before = central.change_count()
    assert sync(laptop).summary() == "sync done: pushed 0 change(s), pulled 0 record(s)"
    assert central.change_count() == before


@ALSO_WITH_TWO_WORKERS
def test_a_supervisor_pulls_the_team_read_only_and_signs_off_back_to_the_case_manager(
    central: Central, tmp_path: Path
) -> None:
    central.user("cm1")
    central.user("sup", Role.SUPERVISOR, ["Essex"])
    central.user("sup_kent", Role.SUPERVISOR, ["Kent"])
    laptop = new_device(central, tmp_path, "cm1")
    essex_case, intake_id = work_on_a_case(laptop)
    work_on_a_case(laptop, "DRV-0002", site="Kent")
    sync(laptop)

    supervisor = new_device(central, tmp_path, "sup")
    sync(supervisor)
    assert set(local_cases(supervisor)) == {essex_case}  # the team's site only
    assert_converged(central, supervisor)
    other = new_device(central, tmp_path, "sup_kent")
    sync(other)
    assert essex_case not in local_cases(other)

    with supervisor.transaction() as tx:
        sign_off(tx, intake_id, "returned", "Risk to children: please check with children's services")
    report = sync(supervisor)
    assert report.pushed == 1 and not report.rejected

    sync(laptop)
    with laptop.transaction() as tx:
        reviews = reviews_of(tx, essex_case)
    assert [(r.reviewer, r.decision, r.comment) for r in reviews] == [
        ("sup", "returned", "Risk to children: please check with children's services")
    ]

    with central.engine.connect() as connection:
        reads = (
            connection.execute(
                text("SELECT a.case_ids FROM access_log a JOIN users u ON u.id = a.user_id WHERE u.username = 'sup'")
            )
            .scalars()
            .all()
        )
    assert any(essex_case in ids for ids in reads)


@ALSO_WITH_TWO_WORKERS
def test_cases_allocated_and_reassigned_centrally_move_between_devices(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    central.user("cm2")
    first, second = new_device(central, tmp_path, "cm1"), new_device(central, tmp_path, "cm2")
    new_case = create_case(
        central.engine, reference="DRV-0100", site="Essex", allocated_on=date(2026, 3, 1), case_manager="cm1"
    )
    sync(first)
    assert set(local_cases(first)) == {new_case}

    case_id, intake_id = work_on_a_case(first, "DRV-0101")
    sync(first)
    with first.transaction() as tx:  # work done before the move, not yet pushed
        update_case(tx, case_id, {"service_user.age": 41})
    assign_case(central.engine, site="Essex", reference="DRV-0101", to="cm2")

    sync(second)
    assert case_id in local_cases(second) and intake_id in local_assessments(second)
    report = sync(first)
    assert report.pushed == 1 and not report.rejected  # the pending edit still gets in
    assert report.released == 1 and case_id not in local_cases(first) and intake_id not in local_assessments(first)
    sync(second)
    assert local_cases(second)[case_id]["service_user"]["age"] == 41
    assert_converged(central, first, second)


def test_a_new_device_pulling_in_tiny_pages_gets_every_row_with_its_parents(central: Central, tmp_path: Path) -> None:
    """Rows changed later get later sequence numbers than rows that refer to them (a review of an assessment that was
    then amended; a conflict on a case edited since): pages of one row must still apply on their own."""
    from drive_tui.store.assessments import amend_assessment

    central.user("cm1")
    central.user("sup", Role.SUPERVISOR, ["Essex"])
    laptop, spare = new_device(central, tmp_path, "cm1"), new_device(central, tmp_path, "cm1", name="spare")
    supervisor = new_device(central, tmp_path, "sup")
    case_id, intake_id = work_on_a_case(laptop)
    sync(laptop)
    sync(spare)
    sync(supervisor)
    with supervisor.transaction() as tx:
        sign_off(tx, intake_id, "returned", "Check the dates")
    sync(supervisor)
    with laptop.transaction() as tx:  # conflicting edits, then an amendment: the case and intake get newer numbers
        update_case(tx, case_id, {"service_user.age": 40})
    with spare.transaction() as tx:
        update_case(tx, case_id, {"service_user.age": 41})
    sync(laptop)
    sync(spare)
    with laptop.transaction() as tx:
        amendment = amend_assessment(tx, intake_id)
        save_draft_answer(tx, amendment.id, "engagement", "high")
        submit_assessment(tx, amendment.id)
    sync(laptop)

    fresh_supervisor, fresh_laptop = (
        new_device(central, tmp_path, "sup", name="new"),
        new_device(central, tmp_path, "cm1", name="new"),
    )
    for device in (fresh_supervisor, fresh_laptop):
        sync(device, limits=Limits(pull_page=1))
        assert_converged(central, device)
        assert set(local_assessments(device)) == {intake_id, amendment.id}
    with fresh_laptop.transaction() as tx:
        assert [r.comment for r in reviews_of(tx, case_id)] == ["Check the dates"]
        from drive_tui.store.reviews import open_conflicts

        assert [c.field for c in open_conflicts(tx, case_id)] == ["service_user.age"]


def test_victim_survivors_added_and_edited_in_the_app_reach_the_second_device(central: Central, tmp_path: Path) -> None:
    """A V/S added on one laptop (with ethnicity and Idva service) and edited on the other travel both ways through
    the central store as the case's own changes."""
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    case_id, _ = work_on_a_case(laptop)
    with laptop.transaction() as tx:
        add_victim(
            tx,
            case_id,
            {"relationship": "ex_partner", "gender": "woman", "age": 29, "ethnicity": "White British",
             "idva_engaged": True, "idva_service": "Essex Idva Service"},
        )  # fmt: skip
    assert not sync(laptop).rejected
    second = new_device(central, tmp_path, "cm1", name="spare")
    sync(second)
    with second.transaction() as tx:
        victims = get_case(tx, case_id).victims
        assert (
            victims[-1].idva_service == "Essex Idva Service" and victims[-1].ethnicity == "white_british"
        )  # coded as read
        update_case(tx, case_id, {f"victims.{len(victims) - 1}.age": 30})
    assert not sync(second).rejected
    sync(laptop)
    with laptop.transaction() as tx:
        assert get_case(tx, case_id).victims[-1].age == 30
    assert_converged(central, laptop, second)


def test_the_work_log_travels_both_ways_and_the_supervisor_reads_it(central: Central, tmp_path: Path) -> None:
    """Contact attempts, an information request and its answer and a Marac re-referral logged offline reach the
    central store as the case manager's (whatever the device claimed), a second laptop and the site's supervisor;
    a correction made on the second laptop comes back to the first; a supervisor's device cannot log work."""
    central.user("cm1")
    central.user("sup", Role.SUPERVISOR, ["Essex"])
    laptop = new_device(central, tmp_path, "cm1")
    case_id, _ = work_on_a_case(laptop)
    with laptop.transaction() as tx:
        for day in (10, 12):
            record_work(tx, case_id, {"date": date(2026, 2, day), "kind": "contact_attempt",
                                      "attempt_method": "telephone", "attempt_outcome": "no_answer"})  # fmt: skip
        asked = record_work(
            tx,
            case_id,
            {"date": date(2026, 2, 11), "kind": "indirect", "agency": "police", "action": "info_requested",
             "source": "police", "recorded_by": "someone-else"},
        )  # fmt: skip
        record_work(
            tx,
            case_id,
            {"date": date(2026, 2, 16), "kind": "indirect", "agency": "police", "action": "info_received",
             "answers": asked.id, "source": "police", "vs_sole_source": True, "note": "Bail conditions."},
        )  # fmt: skip
        marac = record_work(tx, case_id, {"date": date(2026, 2, 18), "kind": "indirect", "agency": "marac",
                                          "action": "marac_referral"})  # fmt: skip
    assert not sync(laptop).rejected
    stored = central.work_log()
    assert len(stored) == 5 and {row["entry"]["recorded_by"] for row in stored.values()} == {"cm1"}
    assert stored[asked.id]["author"] == "cm1" and stored[marac.id]["kind"] == "indirect"

    second = new_device(central, tmp_path, "cm1", name="spare")
    assert sync(second).pulled["work_log"] == 5
    with second.transaction() as tx:
        assert [e.date.day for e in work_log(tx, case_id)] == [18, 16, 12, 11, 10]
        assert info_requests(work_log(tx, case_id))[0].answer is not None
        record_work(tx, case_id, {"date": date(2026, 2, 19), "kind": "indirect", "agency": "marac",
                                  "action": "marac_referral", "note": "Heard on the 19th."},
                    entry_id=marac.id)  # fmt: skip
    assert not sync(second).rejected
    sync(laptop)
    with laptop.transaction() as tx:
        corrected = next(e for e in work_log(tx, case_id) if e.id == marac.id)
        assert corrected.date == date(2026, 2, 19) and corrected.note == "Heard on the 19th."
    assert_converged(central, laptop, second)

    supervisor = new_device(central, tmp_path, "sup")
    sync(supervisor)
    with supervisor.transaction() as tx:
        assert len(work_log(tx, case_id)) == 5
        with pytest.raises(Conflict):
            record_work(tx, case_id, {"date": date(2026, 2, 20), "kind": "indirect", "agency": "police",
                                      "action": "info_shared"})  # fmt: skip


def test_the_contact_strategy_is_drafted_agreed_by_the_service_manager_and_shared(
    central: Central, tmp_path: Path
) -> None:
    """Drafted on the laptop, agreed on the supervisor's device as the plan they read, shared with the Marac once
    agreed; a changed plan is a draft again."""
    central.user("cm1")
    central.user("sup", Role.SUPERVISOR, ["Essex"])
    laptop = new_device(central, tmp_path, "cm1")
    case_id, _ = work_on_a_case(laptop)
    plan = "Approach through his offender manager after the hearing;\nno letters to the home address."
    with laptop.transaction() as tx:
        save_strategy(tx, case_id, plan)
        with pytest.raises(Conflict, match="once the service manager has agreed it"):
            save_strategy(tx, case_id, plan, shared_with_marac=True)
        with pytest.raises(Conflict, match="supervisor's device"):
            agree_strategy(tx, case_id, plan_digest(plan))
    assert not sync(laptop).rejected
    supervisor = new_device(central, tmp_path, "sup")
    sync(supervisor)
    with supervisor.transaction() as tx:
        read = strategy_of(tx, case_id)
        assert read is not None and read.plan == plan and not read.agreed
        agree_strategy(tx, case_id, read.digest)
    assert not sync(supervisor).rejected
    stored = central.cases()[case_id]["contact_strategy"]
    assert (stored["state"], stored["agreed_by"], stored["plan"]) == ("agreed", "sup", plan)
    sync(laptop)
    with laptop.transaction() as tx:
        assert strategy_of(tx, case_id).agreed_by == "sup"  # type: ignore[union-attr]
        save_strategy(tx, case_id, plan, shared_with_marac=True)
    assert not sync(laptop).rejected
    assert central.cases()[case_id]["contact_strategy"]["state"] == "shared_with_marac"
    with laptop.transaction() as tx:
        redrafted = save_strategy(tx, case_id, plan + " Review after recall.")
    assert redrafted.state.value == "drafted" and redrafted.agreed_by is None
    sync(laptop)
    sync(supervisor)
    assert_converged(central, laptop, supervisor)
    assert central.cases()[case_id]["contact_strategy"]["state"] == "drafted"


def test_a_case_moved_to_a_synced_laptop_brings_its_work_log(central: Central, tmp_path: Path) -> None:
    """The new case manager's laptop, synced before the move, gets the case with everything under it — the work
    log included (a move renumbers it with the assessments, reviews and conflicts)."""
    central.user("cm1")
    central.user("cm2")
    laptop = new_device(central, tmp_path, "cm1")
    case_id, _ = work_on_a_case(laptop)
    with laptop.transaction() as tx:
        record_work(tx, case_id, {"date": date(2026, 2, 10), "kind": "contact_attempt",
                                  "attempt_method": "telephone", "attempt_outcome": "no_answer"})  # fmt: skip
    sync(laptop)
    receiving = new_device(central, tmp_path, "cm2")
    sync(receiving)  # its cursor is past everything the case has
    assign_case(central.engine, site="Essex", reference="DRV-0001", to="cm2")
    sync(receiving)
    with receiving.transaction() as tx:
        assert len(work_log(tx, case_id)) == 1
    assert case_id in local_cases(receiving)
    assert_converged(central, receiving)


def test_a_case_moved_to_another_site_leaves_the_old_sites_supervisors(central: Central, tmp_path: Path) -> None:
    """Moved from Essex to Kent (same case manager or another): the Essex supervisor's laptop removes it, the Kent
    supervisor's gets it."""
    central.user("cm1")
    central.user("sup", Role.SUPERVISOR, ["Essex"])
    central.user("sup_kent", Role.SUPERVISOR, ["Kent"])
    laptop = new_device(central, tmp_path, "cm1")
    case_id, _ = work_on_a_case(laptop)
    sync(laptop)
    essex, kent = new_device(central, tmp_path, "sup"), new_device(central, tmp_path, "sup_kent")
    sync(essex)
    sync(kent)
    assert case_id in local_cases(essex) and case_id not in local_cases(kent)
    assign_case(central.engine, site="Essex", reference="DRV-0001", to="cm1", to_site="Kent")
    sync(essex)
    sync(kent)
    assert case_id not in local_cases(essex) and case_id in local_cases(kent)
    sync(laptop)
    assert local_cases(laptop)[case_id]["site"] == "Kent"  # its case manager keeps it, at its new site
