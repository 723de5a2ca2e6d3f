"""The retention policy (``drive-tui server retention``): cases closed before a date leave the central store with
everything recorded about them, and every device that held them removes them at its next sync; the dry run and a
run without ``--yes`` change nothing; every run is recorded by its counts alone."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from drive_tui.central.retention import Removal, preview, purge
from drive_tui.domain.vocab import Timepoint
from drive_tui.store.assessments import save_draft_answer, start_assessment, submit_assessment
from drive_tui.store.cases import create_case, update_case
from drive_tui.store.reviews import sign_off
from drive_tui.store.store import Store
from drive_tui.store.work_log import record_work
from drive_tui.sync.engine import sync
from drive_tui.sync.protocol import Role
from tests.support.central import Central, http_client, local_cases, new_device, work_on_a_case
from tests.support.data import INTAKE_COMPLETE, PASSPHRASE, profile


def _retention(central: Central, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIVE_TUI_")}
    env.update(DRIVE_TUI_HOME=str(central.home), DRIVE_TUI_PASSPHRASE=PASSPHRASE, DRIVE_TUI_KEYRING="0")
    return subprocess.run(
        [sys.executable, "-m", "drive_tui", "server", "retention", "--database-url", central.database_url, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _as_if_written_in_2018(central: Central) -> None:
    """Everything the central store holds so far, as if it had been written in mid-2018: a purge goes by the
    server's own record of when a case was last written, and a test cannot wait six years."""
    with central.engine.begin() as connection:
        connection.execute(text("UPDATE commits SET at = :at"), {"at": datetime(2018, 7, 1, tzinfo=UTC)})


def _refused_entry(case_id: str) -> dict[str, object]:
    """A work-log entry under a new id, naming the case, dated before it was allocated: refused, its text kept."""
    entry_id = str(uuid.uuid4())
    entry = {"id": entry_id, "case_id": case_id, "date": "2016-01-01", "recorded_by": "cm1", "kind": "indirect",
             "agency": "police", "action": "info_shared", "note": "SENTINEL-ENTRY"}  # fmt: skip
    return {"change_id": str(uuid.uuid4()), "at": datetime.now(UTC).isoformat(), "entity": "work_log",
            "entity_id": entry_id, "op": "work_log.record", "payload": {"entry": entry}}  # fmt: skip


def _an_old_closed_case(laptop: Store) -> tuple[str, str]:
    """A case allocated in 2017, its intake submitted, a work-log entry, closed in mid-2018."""
    with laptop.transaction() as tx:
        case = create_case(tx, profile("OLD-0001", allocated_on=date(2017, 1, 5)))
        draft = start_assessment(tx, case.id, Timepoint.INTAKE)
        draft_id = draft.id
    with laptop.transaction() as tx:
        for answer_id, value in INTAKE_COMPLETE.items():
            save_draft_answer(tx, draft_id, answer_id, value)
        submit_assessment(tx, draft_id, completed_on=date(2017, 1, 20))
        record_work(tx, case.id, {"date": date(2017, 2, 1), "kind": "contact_attempt",
                                  "attempt_method": "telephone", "attempt_outcome": "no_answer"})  # fmt: skip
        update_case(tx, case.id, {"status": "closed", "closed_on": "2018-06-30"})
    return case.id, draft_id


def test_old_closed_cases_go_everywhere_and_nothing_else_does(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    central.user("cm2")
    central.user("sup", Role.SUPERVISOR, ["Essex"])
    laptop = new_device(central, tmp_path, "cm1")
    old_case, old_intake = _an_old_closed_case(laptop)
    kept_case, _ = work_on_a_case(laptop, "NEW-0001")  # open: stays
    assert not sync(laptop).rejected
    supervisor = new_device(central, tmp_path, "sup")
    sync(supervisor)
    with supervisor.transaction() as tx:
        sign_off(tx, old_intake, "reviewed", "Seen.")
    sync(supervisor)
    other = new_device(central, tmp_path, "cm2")
    sync(other)
    assert {old_case, kept_case} <= set(local_cases(supervisor))
    refused = {  # a change the central store refuses keeps its text for an administrator: case data
        "change_id": str(uuid.uuid4()),
        "at": datetime.now(UTC).isoformat(),
        "entity": "case",
        "entity_id": old_case,
        "op": "case.update",
        "payload": {"changes": {"service_user.age": {"old": 34, "new": "SENTINEL-AGE"}}},
    }
    with http_client(central, laptop) as client:
        answer = client.post("/v1/push", json={"changes": [refused, _refused_entry(old_case)]}).json()
    assert [result["outcome"] for result in answer["results"]] == ["rejected", "rejected"]
    _as_if_written_in_2018(central)
    with laptop.transaction() as tx:  # a case back-dated today: not due, whatever dates the laptop gives it
        backdated = create_case(tx, profile("BACK-0001", allocated_on=date(2000, 1, 5)))
        update_case(tx, backdated.id, {"status": "closed", "closed_on": "2000-06-30"})
    assert not sync(laptop).rejected

    expected = Removal(cases=1, assessments=1, reviews=1, work_log=1, conflicts=0, moves=0, change_texts=2)
    assert preview(central.engine, date(2019, 1, 1)) == expected
    assert preview(central.engine, date(2018, 6, 30)) == Removal()  # closed *before* the date

    dry = _retention(central, "--closed-before", "2019-01-01", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "1 case(s), 1 assessment(s), 1 review(s), 1 work-log entry" in dry.stdout
    unconfirmed = _retention(central, "--closed-before", "2019-01-01")
    assert unconfirmed.returncode == 2 and "add --yes" in unconfirmed.stderr
    future = _retention(central, "--closed-before", "2999-01-01", "--yes")
    assert future.returncode == 2 and "in the future" in future.stderr
    for odd in ("20190101", "2019-W01-1", "2019-1-1"):  # Python would read the first two; only YYYY-MM-DD is taken
        loose = _retention(central, "--closed-before", odd, "--yes")
        assert loose.returncode == 2 and "takes YYYY-MM-DD" in loose.stderr, odd
    assert old_case in central.cases() and old_intake in central.assessments()  # none of those removed anything

    done = _retention(central, "--closed-before", "2019-01-01", "--yes")
    assert done.returncode == 0, done.stderr
    assert "Removed 1 case(s)" in done.stdout
    assert set(central.cases()) == {kept_case, backdated.id}
    assert all(row["case_id"] == kept_case for row in central.assessments().values())
    assert all(row["case_id"] == kept_case for row in central.work_log().values())
    with central.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM reviews")).scalar_one() == 0
        purges = connection.execute(text("SELECT by, closed_before, counts FROM purges")).all()
        kept_ids = connection.execute(text("SELECT count(*) FROM changes")).scalar_one()
        texts = connection.execute(text("SELECT payload FROM changes WHERE payload IS NOT NULL")).scalars().all()
    assert len(purges) == 1 and purges[0].by == getpass.getuser()
    assert str(purges[0].closed_before) == "2019-01-01"
    assert old_case not in str(purges[0].counts) and "OLD-0001" not in str(purges[0].counts)
    assert kept_ids > 0  # the change log keeps ids and outcomes: a change sent again is known, not applied twice
    assert not any("SENTINEL" in str(kept) for kept in texts)  # but not the refused changes' text

    sync(laptop)
    sync(supervisor)
    assert set(local_cases(laptop)) == {kept_case, backdated.id}
    assert old_case not in local_cases(supervisor) and kept_case in local_cases(supervisor)
    with http_client(central, other) as client:  # another case manager was never told of a case not theirs
        page = client.post("/v1/pull", json={"cursor": {"seq": 0, "stamp": ""}}).json()
    assert page["removed_cases"] == []


def test_work_still_pending_on_a_purged_case_is_refused_for_that_change_alone(central: Central, tmp_path: Path) -> None:
    """A laptop that edits a case offline while the case is purged centrally: its push is answered change by change
    (refused: removed under the retention policy), not refused whole, and the case then leaves the laptop."""
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    old_case, _ = _an_old_closed_case(laptop)
    other_case, _ = work_on_a_case(laptop, "NEW-0001")
    sync(laptop)
    _as_if_written_in_2018(central)
    with laptop.transaction() as tx:
        update_case(tx, old_case, {"service_user.age": 45})
        update_case(tx, other_case, {"service_user.age": 40})
        record_work(tx, old_case, {"date": date(2017, 3, 1), "kind": "indirect", "agency": "police",
                                   "action": "info_shared", "note": "SENTINEL-LATE"})  # fmt: skip
    assert purge(central.engine, date(2019, 1, 1), by="test").cases == 1
    report = sync(laptop)
    assert len(report.rejected) == 2 and all("retention policy" in line for line in report.rejected)
    assert central.cases()[other_case]["service_user"]["age"] == 40
    sync(laptop)
    assert set(local_cases(laptop)) == {other_case}
    with central.engine.connect() as connection:  # work refused as purged keeps no text of it
        texts = connection.execute(text("SELECT payload FROM changes WHERE payload IS NOT NULL")).scalars().all()
    assert not any("SENTINEL" in str(kept) or "45" in str(kept) for kept in texts)


def test_a_case_moved_before_it_was_purged_leaves_every_laptop_that_held_it(central: Central, tmp_path: Path) -> None:
    """The case manager a case was moved away from — whose laptop had not synced since — hears of the purge too;
    its work still pending on the case is refused change by change, not as a batch."""
    central.user("cm1")
    central.user("cm3")
    laptop = new_device(central, tmp_path, "cm1")
    old_case, _ = _an_old_closed_case(laptop)
    sync(laptop)
    from drive_tui.central.assign import assign_case

    assign_case(central.engine, reference="OLD-0001", site="Essex", to="cm3")
    _as_if_written_in_2018(central)
    with laptop.transaction() as tx:
        update_case(tx, old_case, {"service_user.age": 50})
        fresh = create_case(tx, profile("NEW-0002"))
    assert purge(central.engine, date(2019, 1, 1), by="test").cases == 1
    report = sync(laptop)
    assert len(report.rejected) == 1 and "retention policy" in report.rejected[0]
    assert fresh.id in central.cases()  # the rest of the batch went in
    sync(laptop)
    assert set(local_cases(laptop)) == {fresh.id}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_purge_with_nothing_due_is_still_recorded(central: Central) -> None:
    assert purge(central.engine, date(2000, 1, 1), by="dpo") == Removal()
    with central.engine.connect() as connection:
        assert connection.execute(text("SELECT by FROM purges")).scalars().all() == ["dpo"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_another_users_purged_case_is_refused_as_any_case_not_theirs(central: Central, tmp_path: Path) -> None:
    """An insider who learnt a purged case's id learns nothing from it: writing to it, or creating a case under it,
    is refused exactly as a case of someone else's is — and the id is never brought back."""
    central.user("cm1")
    central.user("cm2")
    laptop = new_device(central, tmp_path, "cm1")
    old_case, _ = _an_old_closed_case(laptop)
    sync(laptop)
    _as_if_written_in_2018(central)
    assert purge(central.engine, date(2019, 1, 1), by="test").cases == 1
    insider = new_device(central, tmp_path, "cm2")
    edit = {
        "change_id": str(uuid.uuid4()),
        "at": datetime.now(UTC).isoformat(),
        "entity": "case",
        "entity_id": old_case,
        "op": "case.update",
        "payload": {"changes": {"service_user.age": {"old": 34, "new": 35}}},
    }
    create = {
        **edit,
        "change_id": str(uuid.uuid4()),
        "op": "case.create",
        "payload": {"profile": profile("MINE-0001", case_manager="cm2").model_dump(mode="json")},
    }
    never = {**edit, "change_id": str(uuid.uuid4()), "entity_id": str(uuid.uuid4())}  # an id that never existed
    with http_client(central, insider) as client:
        answers = [client.post("/v1/push", json={"changes": [change]}) for change in (edit, create, never)]
    assert [a.status_code for a in answers] == [403, 403, 403]
    assert answers[0].json()["message"] == answers[2].json()["message"]  # no telling a purged case from none
    assert "retention" not in answers[0].text + answers[1].text
    assert old_case not in central.cases()
