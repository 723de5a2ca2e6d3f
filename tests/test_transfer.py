"""Import and export: all or nothing, clear errors for bad records, no duplicates, exact round trips."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import func, select

from drive_tui.demo import synthetic_exchange
from drive_tui.domain.interchange import FORMAT, ExchangeFile, exchange_json
from drive_tui.store.errors import Invalid
from drive_tui.store.store import Store
from drive_tui.store.tables import AssessmentRow, CaseRow, OutboxRow
from drive_tui.store.transfer import (
    export_exchange,
    import_exchange,
    parse_exchange,
    read_exchange_file,
)
from tests.support.data import clean, sample


def counts(store: Store) -> tuple[int, int, int]:
    with store.transaction() as tx:
        return (
            tx.session.exec(select(func.count()).select_from(CaseRow)).one(),
            tx.session.exec(select(func.count()).select_from(AssessmentRow)).one(),
            tx.session.exec(select(func.count()).select_from(OutboxRow)).one(),
        )


def run_import(store: Store, data: dict):  # type: ignore[no-untyped-def]
    with store.transaction() as tx:
        return import_exchange(tx, parse_exchange(data))


def test_import_stores_cases_and_submitted_assessments(store: Store) -> None:
    report = run_import(store, clean(sample()))
    assert (report.cases_created, report.assessments_added) == (2, 3)
    assert counts(store)[:2] == (2, 3)


def test_importing_twice_duplicates_nothing(store: Store) -> None:
    run_import(store, clean(sample()))
    before = counts(store)
    report = run_import(store, clean(sample()))
    assert (report.cases_created, report.cases_already_present, report.assessments_added) == (0, 2, 0)
    assert report.assessments_already_present == 3
    assert counts(store) == before


def test_a_later_file_adds_only_new_assessments(store: Store) -> None:
    first = clean(sample())
    first["cases"][1]["assessments"] = []
    run_import(store, first)
    report = run_import(store, clean(sample()))
    assert report.assessments_added == 1 and counts(store)[:2] == (2, 3)


def test_round_trip_import_export_import_is_exact(store: Store, tmp_path: Path) -> None:
    from drive_tui.config import Settings
    from drive_tui.store.store import create

    original = ExchangeFile.model_validate(clean(sample()) | {"format": FORMAT})  # a drive-tui/1 file, written as /2
    run_import(store, clean(sample()))
    with store.transaction() as tx:
        exported = export_exchange(tx)
    assert exported == original
    path = tmp_path / "export.json"
    path.write_text(exchange_json(exported))
    with create(Settings(home=tmp_path / "second", keyring=False), "another good passphrase") as second:
        with second.transaction() as tx:
            import_exchange(tx, read_exchange_file(path))
        with second.transaction() as tx:
            again = export_exchange(tx)
    assert again == original
    assert exchange_json(again) == path.read_text()


def test_round_trip_of_a_synthetic_caseload(store: Store) -> None:
    """Work logs included: every entry, its codes, its flag and the request an answer names come back as they went."""
    exchange = synthetic_exchange(store.forms, cases=30, today=date(2026, 11, 26), seed=3, work=True)
    assert sum(len(case.work_log) for case in exchange.cases) > 200
    with store.transaction() as tx:
        import_exchange(tx, exchange)
    with store.transaction() as tx:
        exported = export_exchange(tx)
    key = lambda c: (c.site, c.reference)  # noqa: E731
    assert sorted(exported.cases, key=key) == sorted(exchange.cases, key=key)


def expect_problem(store: Store, data: object, *fragments: str) -> None:
    before = counts(store)
    with pytest.raises(Invalid) as caught:
        with store.transaction() as tx:
            import_exchange(tx, parse_exchange(data, store.forms))
    text = "\n".join(caught.value.problems)
    for fragment in fragments:
        assert fragment in text, text
    assert "nothing was imported" in str(caught.value)
    assert counts(store) == before


def test_wrong_types_name_the_record_and_field(store: Store) -> None:
    data = clean(sample())
    data["cases"][1]["service_user"]["age"] = "thirty"
    expect_problem(store, data, "cases[1].service_user.age")


def test_unknown_codes_name_the_record_and_field(store: Store) -> None:
    data = clean(sample())
    data["cases"][0]["assessments"][1]["answers"]["risk_change"] = "much_better"
    data["cases"][1]["victims"] = [{"relationship": "neighbour"}]
    expect_problem(
        store,
        data,
        "cases[0].assessments[1].answers.risk_change: unknown code 'much_better'",
        "cases[1].victims[0].relationship",
    )


def test_missing_required_answers_and_fields(store: Store) -> None:
    data = clean(sample())
    del data["cases"][0]["assessments"][0]["answers"]["need_housing"]
    del data["cases"][1]["site"]
    expect_problem(
        store, data, "cases[0].assessments[0].answers.need_housing: required", "cases[1].site: Field required"
    )


def test_hidden_answers_are_refused_on_import(store: Store) -> None:
    data = clean(sample())
    data["cases"][1]["assessments"][0]["answers"]["contact_types"] = ["telephone"]
    expect_problem(store, data, "cases[1].assessments[0].answers.contact_types: answered, but the field is hidden")


def test_bad_dates(store: Store) -> None:
    data = clean(sample())
    data["cases"][0]["allocated_on"] = "2016-02-30"
    expect_problem(store, data, "cases[0].allocated_on")
    data = clean(sample())
    data["cases"][1]["assessments"][0]["completed_on"] = "2016-01-01"
    expect_problem(store, data, "cases[1]", "completed before the case was allocated")


def test_duplicate_references_in_one_file(store: Store) -> None:
    data = clean(sample())
    data["cases"].append(copy.deepcopy(data["cases"][0]))
    expect_problem(store, data, "cases[2].reference: DRV-0001 at Essex is also cases[0]")


def test_a_clash_with_what_is_stored_is_refused(store: Store) -> None:
    run_import(store, clean(sample()))
    data = clean(sample())
    data["cases"][0]["assessments"][0]["answers"]["risk_to_victim"] = "standard"
    data["cases"][1]["service_user"]["age"] = 50
    expect_problem(
        store,
        data,
        "cases[0].assessments[0]: intake is stored with different answers",
        "cases[1]: DRV-0002 at Essex is stored with a different profile",
    )


def test_unknown_format_and_extra_keys(store: Store) -> None:
    expect_problem(store, {**clean(sample()), "format": "drive-tui/9"}, "format: 'drive-tui/9' is not drive-tui/1")
    data = clean(sample())
    data["cases"][0]["favourite_colour"] = "blue"
    expect_problem(store, data, "cases[0].favourite_colour: Extra inputs are not permitted")


def test_not_json_and_unreadable_files(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"format": "drive-tui/1", "cases": [}')
    with pytest.raises(Invalid, match="not JSON at line 1"):
        read_exchange_file(path)
    with pytest.raises(Invalid, match="cannot read"):
        read_exchange_file(tmp_path / "missing.json")
    path.write_text(json.dumps([1, 2]))
    with pytest.raises(Invalid):
        read_exchange_file(path)


def with_work() -> dict:
    """The sample as a drive-tui/2 file: DRV-0001 (allocated 2016-05-03, closed 2017-03-01) with a police request,
    its answer (from the victim/survivor alone, with a note), and an attempt without an id."""
    data = clean(sample()) | {"format": FORMAT}
    data["cases"][0]["work_log"] = [
        {"id": "req-1", "date": "2016-05-04", "kind": "indirect", "agency": "police", "action": "info_requested"},
        {"id": "ans-1", "date": "2016-05-09", "kind": "indirect", "agency": "police", "action": "info_received",
         "answers": "req-1", "source": "vs_via_idva", "vs_sole_source": True, "note": "Told only the Idva."},
        {"date": "2016-05-05", "kind": "contact_attempt", "attempt_method": "letter_email",
         "attempt_outcome": "no_answer"},
    ]  # fmt: skip
    return data


def test_a_work_log_is_imported_once_and_exported_as_it_came(store: Store, tmp_path: Path) -> None:
    first = run_import(store, with_work())
    assert (first.work_added, first.work_already_present) == (3, 0)
    again = run_import(store, with_work())  # the entry without an id is recognised by what it says
    assert (again.work_added, again.work_already_present) == (0, 3)
    with store.transaction() as tx:
        exported = export_exchange(tx)
    entries = {entry.date.isoformat(): entry for entry in exported.cases[0].work_log}
    assert list(entries) == ["2016-05-04", "2016-05-05", "2016-05-09"]  # by date
    assert entries["2016-05-09"].answers == "req-1" and entries["2016-05-09"].vs_sole_source
    assert entries["2016-05-09"].note == "Told only the Idva."
    text = json.loads(exchange_json(exported))
    assert text["format"] == "drive-tui/2" and text["cases"][1]["work_log"] == []
    assert text["cases"][0]["work_log"][0] == {
        "id": "req-1", "date": "2016-05-04", "kind": "indirect", "agency": "police", "action": "info_requested",
        "vs_sole_source": False,
    }  # fmt: skip
    from drive_tui.analysis.tabular import pseudonymise

    shared = pseudonymise(exported, b"k" * 32).cases[0].work_log
    assert [entry.note for entry in shared] == ["", "", ""] and shared[2].vs_sole_source


def test_a_bad_work_log_names_each_entry_and_imports_nothing(store: Store) -> None:
    data = with_work()
    log = data["cases"][0]["work_log"]
    log[0]["date"] = "2016-05-01"  # before the allocation
    expect_problem(store, data, "cases[0]", "dated before the case was allocated")
    data = with_work()
    data["cases"][0]["work_log"][1]["answers"] = "nowhere"
    expect_problem(store, data, "answers a request that is not in this case's work log")
    data = with_work()
    data["cases"][0]["work_log"][2] |= {"agency": "police"}  # an attempt has no agency
    expect_problem(store, data, "cases[0].work_log[2]", "a contact attempt has no agency")
    data = with_work()
    data["cases"][1]["work_log"] = [{"date": "2099-01-01", "kind": "indirect", "agency": "marac",
                                     "action": "marac_referral"}]  # fmt: skip
    expect_problem(store, data, "cases[1].work_log[0].date: the work is dated after today")
    data = clean(sample())  # a drive-tui/1 file knows no work log
    data["cases"][0]["work_log"] = []
    expect_problem(store, data, "cases[0].work_log: a drive-tui/1 file has no work log")


def test_a_work_log_entry_clashing_with_what_is_stored_is_refused(store: Store) -> None:
    run_import(store, with_work())
    data = with_work()
    data["cases"][0]["work_log"][0]["agency"] = "probation"
    data["cases"][0]["work_log"][1]["agency"] = "probation"
    expect_problem(store, data, "cases[0].work_log[0]: stored saying something else")
    data = with_work()
    data["cases"][1]["work_log"] = [data["cases"][0]["work_log"][0] | {"date": "2016-06-02"}]  # another case's id
    expect_problem(store, data, "cases[1].work_log[0].id: used by another case's entry in this file")
    data = clean(sample()) | {"format": FORMAT}
    data["cases"][1]["work_log"] = [with_work()["cases"][0]["work_log"][0] | {"date": "2016-06-02"}]
    expect_problem(store, data, "cases[1].work_log[0].id: used by an entry of another case")


def test_a_contact_strategy_is_exported_as_it_stands_and_imported_as_a_draft(store: Store, tmp_path: Path) -> None:
    """An agreement is the service manager's, made on their device: an imported one would be a case manager's device
    claiming it (the central store refuses that), so the plan comes in as a draft, and the import says so."""
    data = with_work()
    data["cases"][0]["contact_strategy"] = {"state": "agreed", "plan": "Via his OM only.", "agreed_by": "sup",
                                            "agreed_on": "2016-05-04"}  # fmt: skip
    report = run_import(store, data)
    assert report.strategies_drafted == 1
    assert run_import(store, data).strategies_drafted == 0  # the same plan: nothing again
    with store.transaction() as tx:
        text = json.loads(exchange_json(export_exchange(tx)))
    assert text["cases"][0]["contact_strategy"] == {
        "state": "drafted", "plan": "Via his OM only.", "agreed_by": None, "agreed_on": None,
    }  # fmt: skip
    assert text["cases"][1]["contact_strategy"] is None
    other = with_work()
    other["cases"][0]["contact_strategy"] = {"state": "drafted", "plan": "Another plan"}
    expect_problem(store, other, "cases[0].contact_strategy: stored with another plan")
