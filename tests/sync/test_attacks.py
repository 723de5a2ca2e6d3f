"""An insider with a genuine enrolled device and its own token, speaking the protocol directly: every finding of the
trust review as a test on the real service (uvicorn on a loopback socket), on SQLite and PostgreSQL. Each checks
that the victim's data is untouched, whole rows compared, and that the victim's and the attacker's next ordinary
sync still succeeds."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update

from drive_tui.central.assign import assign_case
from drive_tui.central.assign import create_case as allocate
from drive_tui.central.people import ENROLMENT_ATTEMPTS, list_devices, revoke
from drive_tui.central.tables import DeviceRow
from drive_tui.domain.vocab import Timepoint
from drive_tui.store.assessments import start_assessment
from drive_tui.store.cases import create_case as create_local_case
from drive_tui.store.cases import update_case
from drive_tui.store.reviews import open_conflicts, resolve_conflict
from drive_tui.store.store import Store
from drive_tui.store.strategy import save_strategy
from drive_tui.store.work_log import record_work, work_log
from drive_tui.sync.client import FailureKind, SyncError
from drive_tui.sync.engine import sync
from drive_tui.sync.protocol import DeviceState, Role
from tests.support.central import (
    Central,
    assert_converged,
    http_client,
    local_assessments,
    local_cases,
    local_work_log,
    new_device,
    work_on_a_case,
)
from tests.support.data import INTAKE_COMPLETE, profile

SENTINEL = "SENTINEL-7f3a"


def _change(
    op: str, entity_id: str, payload: dict[str, Any], *, at: datetime | None = None, change_id: str | None = None
) -> dict[str, Any]:
    return {
        "change_id": change_id or str(uuid.uuid4()),
        "at": (at or datetime.now(UTC)).isoformat(),
        "entity": op.split(".")[0],
        "entity_id": entity_id,
        "op": op,
        "payload": payload,
    }


def _submitted(
    case_id: str, *, assessment_id: str | None = None, supersedes: str | None = None, **overrides: Any
) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {
        "id": assessment_id or str(uuid.uuid4()),
        "case_id": case_id,
        "timepoint": "intake",
        "form_id": "intake",
        "form_version": 1,
        "answers": INTAKE_COMPLETE | {"notes": SENTINEL},
        "status": "submitted",
        "author": "cm2",
        "device_id": "x",
        "created_at": now,
        "updated_at": now,
        "submitted_at": now,
        "completed_on": "2026-01-20",
        "supersedes": supersedes,
    } | overrides


class World:
    """A victim case manager (cm1, Essex) with a case and a submitted intake, an attacker (cm2, Kent) with a case
    of their own, and Essex's supervisor; everyone synced."""

    def __init__(self, central: Central, tmp_path: Path) -> None:
        central.user("cm1", sites=["Essex"])
        central.user("cm2", sites=["Kent"])
        central.user("sup", Role.SUPERVISOR, ["Essex"])
        self.central = central
        self.tmp_path = tmp_path
        self.victim = new_device(central, tmp_path, "cm1")
        self.attacker = new_device(central, tmp_path, "cm2")
        self.supervisor = new_device(central, tmp_path, "sup")
        self.case_id, self.intake_id = work_on_a_case(self.victim, "ESX-001", site="Essex")
        self.own_case, self.own_intake = work_on_a_case(self.attacker, "KNT-001", site="Kent")
        for device in (self.victim, self.attacker, self.supervisor):
            sync(device)
        self.before = self.victims_rows()

    def victims_rows(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """The victim's case and its assessments, centrally and on the victim's laptop: whole rows."""
        central_cases = {k: v for k, v in self.central.cases().items() if k == self.case_id}
        central_assessments = {k: v for k, v in self.central.assessments().items() if v["case_id"] == self.case_id}
        return central_cases, central_assessments, local_assessments(self.victim)

    def assert_untouched_and_flowing(self) -> None:
        assert self.victims_rows() == self.before
        for device in (self.victim, self.attacker, self.supervisor):
            sync(device)  # raises on any failure
        assert self.victims_rows() == self.before
        assert_converged(self.central, self.victim)
        assert SENTINEL not in json.dumps(local_assessments(self.supervisor), default=str)

    def push(self, *changes: dict[str, Any], store: Store | None = None) -> httpx.Response:
        with http_client(self.central, store or self.attacker) as http:
            return http.post("/v1/push", json={"changes": list(changes)})


@pytest.fixture
def world(central: Central, tmp_path: Path) -> World:
    return World(central, tmp_path)


def test_1_an_amendment_or_submit_cannot_reach_into_another_case(world: World) -> None:
    amend = _change("assessment.amend", str(uuid.uuid4()), {"supersedes": world.intake_id, "answers": {}})
    assert world.push(amend).status_code == 403
    forged = _submitted(world.own_case, supersedes=world.intake_id)
    submit = _change("assessment.submit", forged["id"], {"assessment": forged})
    refused = world.push(submit)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    # A record of someone else's and no record at all are refused with the same words.
    nowhere = _change("assessment.amend", str(uuid.uuid4()), {"supersedes": str(uuid.uuid4()), "answers": {}})
    assert world.push(nowhere).json()["message"] == refused.json()["message"]
    world.assert_untouched_and_flowing()
    with world.central.engine.connect() as connection:
        logged = connection.execute(text("SELECT action, reason, device_id FROM refusals")).all()
    assert {row.action for row in logged} >= {"push assessment.amend", "push assessment.submit"}
    assert all(SENTINEL not in row.reason and row.device_id for row in logged)


def test_2_injected_drafts_and_cross_site_amendments_cannot_wedge_other_devices(world: World) -> None:
    for _ in range(2):
        start = _change(
            "assessment.start",
            str(uuid.uuid4()),
            {"case_id": world.case_id, "timepoint": "month_3", "form_id": "review", "form_version": 1},
        )
        assert world.push(start).status_code == 403
    forged = _submitted(world.own_case, supersedes=world.intake_id, timepoint="intake")
    assert world.push(_change("assessment.import", forged["id"], {"assessment": forged})).status_code == 403
    world.assert_untouched_and_flowing()


def test_2b_a_second_draft_of_one_assessment_from_another_device_is_rejected_and_no_device_is_wedged(
    world: World, tmp_path: Path
) -> None:
    spare = new_device(world.central, tmp_path, "cm1", name="spare")
    sync(spare)
    for device in (world.victim, spare):
        with device.transaction() as tx:
            start_assessment(tx, world.case_id, Timepoint.MONTH_3)
    assert not sync(world.victim).rejected
    report = sync(spare)
    assert len(report.rejected) == 1 and "open draft" in report.rejected[0]
    for device in (world.victim, spare, world.supervisor):
        sync(device)


def test_3_a_clashing_reference_or_site_is_rejected_and_never_wedges(world: World) -> None:
    central = world.central
    with world.victim.transaction() as tx:
        other = create_local_case(tx, profile("ESX-002", case_manager="cm1"))
    sync(world.victim)
    allocate(central.engine, reference="ESX-777", site="Essex", allocated_on=date(2026, 2, 1), case_manager="cm1")
    with world.victim.transaction() as tx:  # the laptop cannot know ESX-777 is taken: it is not in its caseload
        update_case(tx, other.id, {"reference": "ESX-999"})
    sync(world.victim)
    rename = _change("case.update", other.id, {"changes": {"reference": {"old": "ESX-999", "new": "ESX-777"}}})
    answer = world.push(rename, store=world.victim).json()["results"][0]
    assert answer["outcome"] == "rejected" and "ESX-777" not in answer["reason"] and "already used" in answer["reason"]
    padded = _change("case.update", other.id, {"changes": {"reference": {"old": "ESX-999", "new": " ESX-777\t"}}})
    answer = world.push(padded, store=world.victim).json()["results"][0]  # the stored form of the name clashes
    assert answer["outcome"] == "rejected" and "already used" in answer["reason"]
    move = _change("case.update", other.id, {"changes": {"site": {"old": "Essex", "new": "Kent"}}})
    assert world.push(move, store=world.victim).json()["results"][0]["outcome"] == "rejected"
    assert central.cases()[other.id]["site"] == "Essex" and central.cases()[other.id]["reference"] == "ESX-999"
    sync(world.victim)
    assert local_cases(world.victim)[other.id]["reference"] == "ESX-999"
    world.before = world.victims_rows()
    world.assert_untouched_and_flowing()


def test_4_after_a_move_the_old_device_cannot_write_by_claiming_an_older_clock(world: World) -> None:
    central = world.central
    central.user("cm3", sites=["Essex"])
    assign_case(central.engine, site="Essex", reference="ESX-001", to="cm3")
    sync(world.victim)  # the victim's laptop is told of the move (and releases the case)
    assert world.case_id not in local_cases(world.victim)
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    edit = _change("case.update", world.case_id, {"changes": {"service_user.age": {"old": 34, "new": 70}}}, at=long_ago)
    result = world.push(edit, store=world.victim).json()["results"][0]
    assert result["outcome"] == "held"
    assert central.cases()[world.case_id]["service_user"]["age"] == 34  # not applied on the device's word
    # The new case manager sees it held, and accepting it applies it, recorded as the old case manager's work.
    new_cm = new_device(central, world.victim.home.parent, "cm3")
    sync(new_cm)
    with new_cm.transaction() as tx:
        [held] = [c for c in open_conflicts(tx, world.case_id) if c.field.startswith("held.")]
        assert held.incoming_author == "cm1"
        resolve_conflict(tx, held.id, held.incoming_value)
    assert not sync(new_cm).rejected
    assert central.cases()[world.case_id]["service_user"]["age"] == 70
    with central.engine.connect() as connection:  # what was accepted is recorded as it was held, whatever was sent
        recorded = connection.execute(
            text("SELECT resolution FROM conflicts WHERE field = 'held.case.update'")
        ).scalar_one()
    recorded = recorded if isinstance(recorded, dict) else json.loads(recorded)
    assert recorded["author"] == "cm1" and recorded["change"]["payload"]["changes"]["service_user.age"]["new"] == 70
    sync(world.supervisor)


def test_4c_a_device_that_never_held_a_moved_case_cannot_write_it_nor_settle_its_own_held_work(
    world: World, tmp_path: Path
) -> None:
    central = world.central
    central.user("cm3", sites=["Essex"])
    assign_case(central.engine, site="Essex", reference="ESX-001", to="cm3")
    edit = _change("case.update", world.case_id, {"changes": {"service_user.age": {"old": 34, "new": 77}}})
    enrolled_after = new_device(central, tmp_path, "cm1", name="after-the-move")
    assert world.push(edit, store=enrolled_after).status_code == 403
    with http_client(central) as http:  # enrolled before the move, but never pulled and never created the case
        token = http.post("/v1/enrol", json={"code": central.code("cm1"), "device_name": "api"}).json()["token"]
    assign_case(central.engine, site="Essex", reference="ESX-001", to="cm1")
    assign_case(central.engine, site="Essex", reference="ESX-001", to="cm3")
    with http_client(central) as http:
        http.headers["Authorization"] = f"Bearer {token}"
        assert http.post("/v1/push", json={"changes": [edit | {"change_id": str(uuid.uuid4())}]}).status_code == 403
    sync(world.victim)  # told of the move; its later work is held
    held = world.push(edit | {"change_id": str(uuid.uuid4())}, store=world.victim).json()["results"][0]
    assert held["outcome"] == "held"
    with central.engine.connect() as connection:
        conflict_id, incoming = connection.execute(
            text("SELECT id, incoming_value FROM conflicts WHERE field = 'held.case.update'")
        ).one()
    incoming = incoming if isinstance(incoming, dict) else json.loads(incoming)
    settle = _change("conflict.resolve", conflict_id, {"case_id": world.case_id, "value": incoming})
    answer = world.push(settle, store=world.victim).json()["results"][0]
    assert answer["outcome"] == "held"  # not theirs to accept any more: held in its turn, for the new case manager
    assert central.cases()[world.case_id]["service_user"]["age"] == 34
    world.before = world.victims_rows()
    world.assert_untouched_and_flowing()


def test_4b_work_begun_after_the_move_is_held_whole_and_never_wedges_the_old_device(world: World) -> None:
    """A draft started on the old laptop after it was told of the move, then answered in later syncs: every piece is
    held (none refused with 403, which would stop that laptop's syncs for good) for the new case manager."""
    central = world.central
    central.user("cm3", sites=["Essex"])
    with world.victim.transaction() as tx:  # keeps the case on the laptop: a change to it is still pending
        update_case(tx, world.case_id, {"service_user.age": 35})
    assign_case(central.engine, site="Essex", reference="ESX-001", to="cm3")
    with http_client(central, world.victim) as http:  # told of the move before pushing
        assert http.post("/v1/pull", json={}).status_code == 200
    draft_id = str(uuid.uuid4())
    start = _change(
        "assessment.start",
        draft_id,
        {"case_id": world.case_id, "timepoint": "month_3", "form_id": "review", "form_version": 1},
    )
    first = world.push(start, store=world.victim).json()["results"]
    answer = _change("assessment.answer", draft_id, {"answer_id": "contact_made", "value": "yes"})
    later = world.push(answer, store=world.victim).json()["results"]
    assert [r["outcome"] for r in first + later] == ["held", "held"]
    report = sync(world.victim)
    assert report.held == 1 and not report.rejected  # the pending age edit: held too
    assert central.cases()[world.case_id]["service_user"]["age"] == 34 and draft_id not in central.assessments()
    new_cm = new_device(central, world.victim.home.parent, "cm3")
    sync(new_cm)
    with new_cm.transaction() as tx:
        held = [c for c in open_conflicts(tx, world.case_id) if c.field.startswith("held.")]
        assert sorted(c.field for c in held) == ["held.assessment.answer", "held.assessment.start", "held.case.update"]
    sync(world.supervisor)


def test_4e_work_logged_after_a_move_is_held_and_once_accepted_is_recorded_as_its_authors(world: World) -> None:
    central = world.central
    central.user("cm3", sites=["Essex"])
    with world.victim.transaction() as tx:
        attempt = {"date": date(2026, 2, 2), "kind": "contact_attempt", "attempt_method": "via_prison",
                   "attempt_outcome": "declined"}  # fmt: skip
        entry = record_work(tx, world.case_id, attempt)
    assign_case(central.engine, site="Essex", reference="ESX-001", to="cm3")
    with http_client(central, world.victim) as http:  # told of the move before pushing
        assert http.post("/v1/pull", json={}).status_code == 200
    report = sync(world.victim)
    assert report.held == 1 and not report.rejected and entry.id not in central.work_log()
    new_cm = new_device(central, world.tmp_path, "cm3")
    sync(new_cm)
    with new_cm.transaction() as tx:
        (held,) = [c for c in open_conflicts(tx, world.case_id) if c.field == "held.work_log.record"]
        resolve_conflict(tx, held.id, held.incoming_value)  # accept it
    assert not sync(new_cm).rejected
    accepted = central.work_log()[entry.id]
    assert accepted["entry"]["recorded_by"] == "cm1" and accepted["author"] == "cm1"  # the work of who did it
    sync(new_cm)
    with new_cm.transaction() as tx:
        assert [e.id for e in work_log(tx, world.case_id)] == [entry.id]


def test_4d_held_work_that_no_longer_applies_stays_open_on_every_device(world: World) -> None:
    central = world.central
    central.user("cm3", sites=["Essex"])
    allocate(central.engine, reference="ESX-050", site="Essex", allocated_on=date(2026, 2, 1), case_manager="cm3")
    assign_case(central.engine, site="Essex", reference="ESX-001", to="cm3")
    sync(world.victim)
    rename = _change("case.update", world.case_id, {"changes": {"reference": {"old": "ESX-001", "new": "ESX-050"}}})
    assert world.push(rename, store=world.victim).json()["results"][0]["outcome"] == "held"
    new_cm = new_device(central, world.victim.home.parent, "cm3")
    sync(new_cm)
    with new_cm.transaction() as tx:
        [held] = [c for c in open_conflicts(tx, world.case_id) if c.field.startswith("held.")]
        resolve_conflict(tx, held.id, held.incoming_value)
    report = sync(new_cm)
    assert len(report.rejected) == 1 and "already used" in report.rejected[0]
    with new_cm.transaction() as tx:  # refused centrally: open again here too, to discard or try later
        assert [c.id for c in open_conflicts(tx, world.case_id) if c.field.startswith("held.")] == [held.id]
    assert central.cases()[world.case_id]["reference"] == "ESX-001"


def test_5_a_retired_device_pushes_once_then_is_refused_like_a_lost_one(world: World) -> None:
    central = world.central
    device_id = next(d.id for d in list_devices(central.engine) if d.user.username == "cm1")
    with world.victim.transaction() as tx:
        update_case(tx, world.case_id, {"service_user.age": 35})
    revoke(central.engine, device_id, DeviceState.RETIRED)
    report = sync(world.victim)
    assert report.pushed == 1 and report.wiped
    assert central.cases()[world.case_id]["service_user"]["age"] == 35
    with central.engine.begin() as connection:  # the sync that told it to wipe is over
        connection.execute(
            update(DeviceRow.__table__)
            .values(  # type: ignore[attr-defined]
                wipe_ordered_at=datetime.now(UTC) - timedelta(hours=1)
            )
            .where(DeviceRow.__table__.c.id == device_id)
        )
    after = world.push(
        _change("case.update", world.case_id, {"changes": {"service_user.age": {"old": 35, "new": 36}}}),
        store=world.victim,
    )
    assert after.status_code == 403 and after.json()["wipe"] is True
    assert central.cases()[world.case_id]["service_user"]["age"] == 35


def test_6_author_device_and_receipt_are_the_servers_facts(world: World) -> None:
    forged = _submitted(
        world.own_case, author="cm1", device_id="victims-laptop", submitted_at="2020-01-01T00:00:00+00:00"
    )
    answer = world.push(_change("assessment.submit", forged["id"], {"assessment": forged}))
    assert answer.json()["results"][0]["outcome"] == "conflict"  # a second intake: kept, shown as a conflict
    stored = world.central.assessments()[forged["id"]]
    attacker_device = next(d.id for d in list_devices(world.central.engine) if d.user.username == "cm2")
    assert stored["author"] == "cm2" and stored["device_id"] == attacker_device
    assert stored["received_at"] > datetime.now(UTC) - timedelta(minutes=5)
    world.assert_untouched_and_flowing()


def test_7_odd_numbers_times_and_strings_are_refused_with_4xx_never_a_server_error(world: World) -> None:
    with http_client(world.central, world.attacker) as http:
        huge = json.dumps(
            {
                "changes": [
                    _change("case.update", world.own_case, {"changes": {"service_user.age": {"old": 34, "new": 1}}})
                ]
            }
        ).replace('"new": 1', f'"new": 1e400, "x": "{SENTINEL}"')
        assert http.post("/v1/push", content=huge, headers={"Content-Type": "application/json"}).status_code < 500
        far = _change("case.update", world.own_case, {"changes": {"service_user.age": {"old": 34, "new": 40}}})
        far["at"] = "2026-03-01T10:00:00+16:00"
        wide = http.post("/v1/push", json={"changes": [far]}).json()["results"][0]
        assert wide["outcome"] == "rejected" and "offset" in wide["reason"]
        far["at"], far["change_id"] = "0001-01-01T00:00:00+16:00", str(uuid.uuid4())
        assert http.post("/v1/push", json={"changes": [far]}).status_code == 422
        assert http.post("/v1/pull", json={"cursor": {"seq": 2**63}}).status_code == 422
        assert http.post("/v1/pull", json={"cursor": {"seq": False}}).status_code == 422
        numeric_time = _change("case.update", world.own_case, {"changes": {}}) | {"at": 0}
        assert http.post("/v1/push", json={"changes": [numeric_time]}).status_code == 422
        big = _change("assessment.answer", str(uuid.uuid4()), {"answer_id": "dva_physical", "value": 10**30})
        assert http.post("/v1/push", json={"changes": [big]}).status_code < 500
        edit = {"changes": {"service_user": {"old": None, "new": {"a\u0000": 1}}}}  # a key holding U+0000
        nul_key = http.post("/v1/push", json={"changes": [_change("case.update", world.own_case, edit)]})
        assert nul_key.status_code == 200 and nul_key.json()["results"][0]["outcome"] == "rejected"
        assert "\x00" not in nul_key.json()["results"][0]["reason"]
        for value in ("1e400", "-1e400", '"50"'):  # infinity is not null, and text is not a number
            raw = json.dumps(
                {
                    "changes": [
                        _change("case.update", world.own_case, {"changes": {"service_user.age": {"old": 34, "new": 1}}})
                    ]
                }
            ).replace('"new": 1', f'"new": {value}')
            answer = http.post("/v1/push", content=raw, headers={"Content-Type": "application/json"})
            assert answer.status_code == 200 and answer.json()["results"][0]["outcome"] == "rejected"
        nul_reference = profile("KNT-9", site="Kent", case_manager="cm2").model_dump(mode="json") | {
            "reference": "KNT-\u0000"
        }
        created = http.post(
            "/v1/push", json={"changes": [_change("case.create", str(uuid.uuid4()), {"profile": nul_reference})]}
        )
        assert created.status_code == 200 and created.json()["results"][0]["outcome"] == "rejected"
        ancient = _change(
            "case.update", world.own_case, {"changes": {"allocated_on": {"old": "2026-01-05", "new": "0001-01-01"}}}
        )
        assert http.post("/v1/push", json={"changes": [ancient]}).json()["results"][0]["outcome"] == "rejected"
    assert world.central.cases()[world.own_case]["service_user"]["age"] == 34
    code = world.central.code("cm2")
    with http_client(world.central) as http:
        assert http.post("/v1/enrol", json={"code": code, "device_name": "a\u0000b"}).status_code == 422
        assert http.post("/v1/enrol", json={"code": code, "device_name": "second"}).status_code == 200  # not used up
    world.assert_untouched_and_flowing()


def test_8_change_ids_are_per_device_and_a_repeated_id_must_mean_one_change(world: World) -> None:
    shared_id = str(uuid.uuid4())
    mine = _change(
        "case.update", world.own_case, {"changes": {"service_user.age": {"old": 34, "new": 44}}}, change_id=shared_id
    )
    assert world.push(mine).json()["results"][0]["outcome"] == "applied"
    theirs = _change(
        "case.update", world.case_id, {"changes": {"service_user.age": {"old": 34, "new": 50}}}, change_id=shared_id
    )
    assert world.push(theirs, store=world.victim).json()["results"][0]["outcome"] == "applied"
    assert world.central.cases()[world.case_id]["service_user"]["age"] == 50
    again = _change("case.update", world.own_case, {"changes": {"service_user.age": {"old": 44, "new": 45}}})
    same = world.push(again, again)
    assert [r["outcome"] for r in same.json()["results"]] == ["applied", "duplicate"]
    other = again | {"payload": {"changes": {"service_user.age": {"old": 45, "new": 46}}}}
    assert (
        world.push(again | {"change_id": str(uuid.uuid4())}, other | {"change_id": shared_id + "x"}).status_code == 200
    )
    clash = world.push(other | {"change_id": "dup-1"}, again | {"change_id": "dup-1"})
    assert clash.status_code == 422
    world.before = world.victims_rows()
    world.assert_untouched_and_flowing()


def test_9_case_managers_create_only_at_their_sites_and_refusals_reveal_nothing(world: World) -> None:
    essex = profile("ESX-001", site="Essex", case_manager="cm2").model_dump(mode="json")
    answer = world.push(_change("case.create", str(uuid.uuid4()), {"profile": essex})).json()["results"][0]
    assert answer["outcome"] == "rejected" and "own sites" in answer["reason"] and "ESX" not in answer["reason"]
    kent = profile("KNT-001", site="Kent", case_manager="cm2").model_dump(mode="json")
    clash = world.push(_change("case.create", str(uuid.uuid4()), {"profile": kent})).json()["results"][0]
    assert clash["outcome"] == "rejected" and "KNT-001" not in clash["reason"] and "Kent" not in clash["reason"]
    stolen = world.push(_change("case.create", world.case_id, {"profile": kent | {"reference": "KNT-002"}}))
    assert stolen.status_code == 403
    move = _change("case.update", world.own_case, {"changes": {"site": {"old": "Kent", "new": "Essex"}}})
    assert world.push(move).json()["results"][0]["outcome"] == "rejected"
    assert world.central.cases()[world.own_case]["site"] == "Kent"
    world.assert_untouched_and_flowing()
    assert world.own_case not in local_cases(world.supervisor)


def test_11_the_work_log_is_written_only_by_a_cases_case_manager_and_recorded_as_the_server_knows(
    world: World,
) -> None:
    """Forged cases, ids, authors, dates and answers; a supervisor writing work; text the stores cannot keep."""
    with world.victim.transaction() as tx:
        request = record_work(tx, world.case_id, {"date": date(2026, 2, 2), "kind": "indirect", "agency": "police",
                                                  "action": "info_requested", "note": SENTINEL})  # fmt: skip
    sync(world.victim)
    victims_entries = world.central.work_log()
    assert victims_entries[request.id]["entry"]["recorded_by"] == "cm1"

    def entry(case_id: str, entry_id: str | None = None, **fields: Any) -> dict[str, Any]:
        data = {"id": entry_id or str(uuid.uuid4()), "case_id": case_id, "date": "2026-02-03", "recorded_by": "cm1",
                "kind": "indirect", "agency": "police", "action": "info_shared"} | fields  # fmt: skip
        return _change("work_log.record", data["id"], {"entry": data})

    def outcome(change: dict[str, Any], store: Store | None = None) -> tuple[str, str]:
        result = world.push(change, store=store).json()["results"][0]
        return result["outcome"], result["reason"] or ""

    # Into another's case, or over another's entry from one's own case: the whole batch refused, nothing stored.
    assert world.push(entry(world.case_id)).status_code == 403
    assert world.push(entry(world.own_case, request.id)).status_code == 403
    # A supervisor reads the work log; they do not write it.
    assert world.push(entry(world.case_id), store=world.supervisor).status_code == 403
    # Who recorded it is the server's fact.
    mine = entry(world.own_case)
    assert outcome(mine) == ("applied", "")
    stored = world.central.work_log()[mine["entity_id"]]
    assert stored["entry"]["recorded_by"] == "cm2" and stored["author"] == "cm2"
    # Odd dates, answers to someone else's request, an entry under another id, text with NUL: rejected, kept.
    assert outcome(entry(world.own_case, date="2099-01-01"))[1] == "the work is dated after today"
    assert outcome(entry(world.own_case, date="2025-12-31"))[1] == "the work is dated before the case was allocated"
    answered = entry(world.own_case, action="info_received", answers=request.id)
    assert outcome(answered) == ("rejected", "the request it answers is not an information request of this case")
    assert outcome(entry(world.own_case) | {"entity_id": str(uuid.uuid4())})[0] == "rejected"
    assert outcome(entry(world.own_case, note="a\x00b"))[0] == "rejected"
    assert outcome(entry(world.own_case, kind="contact_attempt"))[0] == "rejected"  # indirect fields on an attempt
    assert outcome(entry(world.own_case, date="2026-02-30"))[0] == "rejected"
    assert world.central.work_log()[request.id] == victims_entries[request.id]
    world.assert_untouched_and_flowing()
    assert SENTINEL not in json.dumps(local_work_log(world.attacker))


def test_12_a_contact_strategy_is_agreed_only_by_the_cases_supervisor_and_only_as_it_was_read(world: World) -> None:
    plan = f"Via probation only. {SENTINEL}"
    with world.victim.transaction() as tx:
        save_strategy(tx, world.case_id, plan)
    sync(world.victim)
    world.before = world.victims_rows()

    def agree(case_id: str, digest: str) -> dict[str, Any]:
        return _change("review.agree_strategy", str(uuid.uuid4()), {"case_id": case_id, "plan_digest": digest})

    digest = hashlib.sha256(plan.encode()).hexdigest()
    assert world.push(agree(world.case_id, digest)).status_code == 403  # a case manager agrees nothing
    assert world.push(agree(world.own_case, digest)).status_code == 403
    kent = world.central.user("sup_kent", Role.SUPERVISOR, ["Kent"])
    other_supervisor = new_device(world.central, world.tmp_path, kent)
    assert world.push(agree(world.case_id, digest), store=other_supervisor).status_code == 403  # not their site
    strategy = _change("case.set_strategy", world.case_id, {"plan": "Anything", "shared_with_marac": False})
    assert world.push(strategy, store=world.supervisor).status_code == 403  # a supervisor drafts nothing
    assert world.push(strategy).status_code == 403  # nor another case manager
    stale = world.push(agree(world.case_id, "0" * 64), store=world.supervisor).json()["results"][0]
    assert stale["outcome"] == "rejected" and "changed since it was read" in stale["reason"]
    assert world.central.cases()[world.case_id]["contact_strategy"]["state"] == "drafted"
    agreed = world.push(agree(world.case_id, digest), store=world.supervisor).json()["results"][0]
    assert agreed["outcome"] == "applied"
    stored = world.central.cases()[world.case_id]["contact_strategy"]
    assert (stored["agreed_by"], stored["agreed_on"]) == ("sup", datetime.now(UTC).date().isoformat())
    world.before = world.victims_rows()
    world.assert_untouched_and_flowing()


def test_10_failed_enrolments_are_rate_limited_per_address(world: World) -> None:
    code = world.central.code("cm2")
    with http_client(world.central) as http:
        for _ in range(ENROLMENT_ATTEMPTS):
            assert http.post("/v1/enrol", json={"code": "AAAA-BBBB-CCCC", "device_name": "x"}).status_code == 403
        limited = http.post("/v1/enrol", json={"code": code, "device_name": "x"})
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    with world.central.engine.begin() as connection:  # a minute later
        connection.execute(
            text("UPDATE refusals SET at = :at WHERE action = 'enrol'"),
            {"at": datetime.now(UTC) - timedelta(minutes=2)},
        )
    with http_client(world.central) as http:
        assert http.post("/v1/enrol", json={"code": code, "device_name": "x"}).status_code == 200


def test_a_retired_or_lost_device_cannot_sync_after_being_told(world: World) -> None:
    device_id = next(d.id for d in list_devices(world.central.engine) if d.user.username == "cm2")
    revoke(world.central.engine, device_id, DeviceState.LOST)
    with pytest.raises(SyncError) as failed:
        sync(world.attacker)
    assert failed.value.kind is FailureKind.REVOKED and failed.value.wipe


def _postgres_log(central: Central) -> Path | None:
    """The PostgreSQL server's log file, where this test can read it: ``pg_current_logfile()`` when the server
    runs its own logging collector, else the Debian packaging's log (the server's stderr)."""
    with central.engine.connect() as connection:
        current = connection.execute(text("SELECT pg_current_logfile()")).scalar()
        data = connection.execute(text("SHOW data_directory")).scalar()
    if current:
        path = Path(current) if Path(current).is_absolute() else Path(str(data)) / current
        return path if path.exists() else None
    found = sorted(Path("/var/log/postgresql").glob("postgresql-*-main.log"))
    return found[-1] if found else None


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_no_hostile_request_makes_postgresql_log_an_error_or_case_data(central: Central, tmp_path: Path) -> None:
    log = _postgres_log(central)
    if log is None or not log.exists():
        pytest.skip("the PostgreSQL server's log cannot be read here")
    start = log.stat().st_size
    world = World(central, tmp_path)
    mark = f"{SENTINEL}\u0000"
    hostile = [
        _change(
            "case.create",
            str(uuid.uuid4()),
            {  # as a hostile client sends it: not through the models, which refuse a NUL in one-line text
                "profile": profile("KNT-9", site="Kent", case_manager="cm2").model_dump(mode="json")
                | {"service_user": {"ethnicity": mark}}
            },
        ),
        _change("case.update", world.own_case, {"changes": {"service_user.ethnicity": {"old": None, "new": mark}}}),
        _change(
            "case.update",
            world.own_case,
            {
                "changes": {
                    "reference": {"old": "KNT-001", "new": "KNT-001"},
                    "service_user.ethnicity": {"old": None, "new": SENTINEL},
                }
            },
        ),
        _change("assessment.submit", "x", {"assessment": _submitted(world.own_case)}),
        _change("assessment.answer", world.own_intake, {"answer_id": "notes", "value": mark}),
    ]
    wide = _change(
        "case.update", world.own_case, {"changes": {"service_user.ethnicity": {"old": None, "new": SENTINEL}}}
    )
    hostile += [
        wide | {"at": "2026-03-01T10:00:00+16:00"},
        wide | {"at": "2026-03-01T10:00:00-23:59", "change_id": str(uuid.uuid4()), "payload": {}},
    ]
    for change in hostile:
        assert world.push(change).status_code < 500
    with http_client(central, world.attacker) as http:
        body = json.dumps(
            {
                "changes": [
                    _change("case.update", world.own_case, {"changes": {"service_user.age": {"old": 34, "new": 1}}})
                ]
            }
        ).replace('"new": 1', f'"new": 1e400, "n": "{SENTINEL}"')
        assert http.post("/v1/push", content=body, headers={"Content-Type": "application/json"}).status_code < 500
        assert http.post("/v1/pull", json={"cursor": {"seq": 2**63, "stamp": ""}}).status_code == 422
    world.assert_untouched_and_flowing()
    with log.open("rb") as handle:
        handle.seek(start)
        written = handle.read().decode("utf-8", "replace")
    database = central.engine.url.database
    assert SENTINEL not in written
    assert not [line for line in written.splitlines() if f"@{database} ERROR" in line]
