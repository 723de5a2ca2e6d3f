"""Every request is checked server-side: other case managers' cases, supervisors' writes, revoked devices, bad
and oversized requests, protocol versions. Refusals store nothing."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from drive_tui.central.assign import assign_case
from drive_tui.central.people import issue_code, list_devices, revoke
from drive_tui.store.cases import create_case
from drive_tui.store.errors import Conflict
from drive_tui.store.replica import sync_state
from drive_tui.sync.client import Client, FailureKind, SyncError, check_url
from drive_tui.sync.engine import sync
from drive_tui.sync.protocol import MAX_BATCH, PROTOCOL_HEADER, DeviceState, Role
from tests.support.central import Central, http_client, local_cases, new_device, work_on_a_case
from tests.support.data import profile


def _change(case_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    return {
        "change_id": str(uuid.uuid4()),
        "at": datetime.now(UTC).isoformat(),
        "entity": "case",
        "entity_id": case_id,
        "op": "case.update",
        "payload": {"changes": changes},
    }


def test_a_case_manager_cannot_read_or_write_another_case_managers_case(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    central.user("cm2")
    owner, other = new_device(central, tmp_path, "cm1"), new_device(central, tmp_path, "cm2")
    case_id, _ = work_on_a_case(owner)
    sync(owner)
    before_cases, before_changes = central.cases(), central.change_count()

    with http_client(central, other) as http:
        age = {"service_user.age": {"old": 34, "new": 99}}
        refused = http.post("/v1/push", json={"changes": [_change(case_id, age)]})
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
        pulled = http.post("/v1/pull", json={}).json()
    assert pulled["cases"] == [] and pulled["assessments"] == []
    sync(other)
    assert local_cases(other) == {}
    assert central.cases() == before_cases and central.change_count() == before_changes


def test_a_supervisor_cannot_write(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    central.user("sup", Role.SUPERVISOR, ["Essex"])
    owner, supervisor = new_device(central, tmp_path, "cm1"), new_device(central, tmp_path, "sup")
    case_id, _ = work_on_a_case(owner)
    sync(owner)
    sync(supervisor)
    assert case_id in local_cases(supervisor)
    before_cases, before_changes = central.cases(), central.change_count()

    with http_client(central, supervisor) as http:
        refused = http.post(
            "/v1/push", json={"changes": [_change(case_id, {"status": {"old": "open", "new": "closed"}})]}
        )
    assert refused.status_code == 403
    with pytest.raises(Conflict), supervisor.transaction() as tx:  # and the device itself refuses first
        create_case(tx, profile("SUP-0001", case_manager="sup"))
    assert sync(supervisor).pushed == 0
    assert central.cases() == before_cases and central.change_count() == before_changes


def test_malformed_and_oversized_requests_are_refused_storing_nothing(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    before = central.change_count()
    with http_client(central, laptop) as http:
        assert (
            http.post("/v1/push", content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 422
        )
        assert http.post("/v1/push", json={"changes": []}).status_code == 422
        bad_op = _change(str(uuid.uuid4()), {}) | {"op": "case.delete_everything"}
        invalid = http.post("/v1/push", json={"changes": [bad_op]})
        assert invalid.status_code == 422 and "delete_everything" not in invalid.text  # says where, not what
        huge = http.post("/v1/push", content=b"x" * (17 * 1024 * 1024), headers={"Content-Type": "application/json"})
        assert huge.status_code == 413 and huge.json()["code"] == "too_large"
        too_many = [_change(str(uuid.uuid4()), {}) for _ in range(MAX_BATCH + 1)]
        assert http.post("/v1/push", json={"changes": too_many}).status_code == 422
        not_a_number = json.dumps(
            {"changes": [_change(str(uuid.uuid4()), {"service_user.age": {"old": None, "new": 1}})]}
        )
        not_a_number = not_a_number.replace('"new": 1', '"new": NaN')
        refused = http.post("/v1/push", content=not_a_number, headers={"Content-Type": "application/json"})
        assert refused.status_code == 422 and refused.json()["message"] == "malformed request: the body is not JSON"
        assert http.post("/v1/pull", json={"cursor": {"seq": -1}}).status_code == 422
        wrong_version = http.get("/v1/hello", headers={PROTOCOL_HEADER: "99"})
        assert wrong_version.status_code == 426 and wrong_version.json()["code"] == "protocol_mismatch"
        no_token = http.get("/v1/hello", headers={"Authorization": ""})
        assert no_token.status_code == 401
    assert central.change_count() == before


@pytest.mark.server_process  # what the server writes to its stderr is read
def test_text_holding_nul_is_rejected_and_kept_never_logged(central: Central, tmp_path: Path) -> None:
    """PostgreSQL cannot store U+0000, and its refusal quotes the row: the change must be rejected before, kept for
    an administrator, and the rest of the batch applied, with no case data in the server's log."""
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    bad = profile("DRV-0100", case_manager="cm1").model_dump(mode="json")
    bad["service_user"]["ethnicity"] = "SENTINEL\u0000VALUE"
    good = profile("DRV-0101", case_manager="cm1").model_dump(mode="json")
    changes = [
        {
            "change_id": str(uuid.uuid4()),
            "at": datetime.now(UTC).isoformat(),
            "entity": "case",
            "entity_id": str(uuid.uuid4()),
            "op": "case.create",
            "payload": {"profile": p},
        }
        for p in (bad, good)
    ]
    with http_client(central, laptop) as http:
        answer = http.post("/v1/push", json={"changes": changes})
    assert answer.status_code == 200
    outcomes = [result["outcome"] for result in answer.json()["results"]]
    # refused by the field's own rule (one line, no control character: old ethnicity text kept as typed), before
    # the NUL guard or the database; the reason names the field, never the value
    reason = answer.json()["results"][0]["reason"]
    assert outcomes == ["rejected", "applied"] and reason == "invalid: payload.profile.service_user.ethnicity_recorded"
    assert set(central.cases()) == {changes[1]["entity_id"]}
    with central.engine.connect() as connection:
        kept = connection.execute(text("SELECT payload FROM changes WHERE outcome = 'rejected'")).scalar_one()
    assert (kept if isinstance(kept, dict) else json.loads(kept))["profile"]["service_user"][
        "ethnicity"
    ] == "SENTINEL\ufffdVALUE"
    process = central.process
    central.stop()
    assert process is not None and process.stderr is not None and b"SENTINEL" not in process.stderr.read()


def test_a_client_of_another_protocol_version_is_told_so(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    with laptop.transaction() as tx:
        state = sync_state(tx)
    client = Client(central.url, token=state.token)
    client._http.headers[PROTOCOL_HEADER] = "99"  # a future client
    with pytest.raises(SyncError) as failed:
        sync(laptop, client=client)
    assert failed.value.kind is FailureKind.VERSION and "version mismatch" in str(failed.value)


def test_enrolment_codes_are_one_time_and_expire(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    code = central.code("cm1")
    with http_client(central) as http:
        for trick in ("laptop\u202egpj.exe", "laptop\x9b31m", "left\u2066right"):  # reversed text, a C1 control
            refused = http.post("/v1/enrol", json={"code": code, "device_name": trick})
            assert refused.status_code == 422 and refused.json()["code"] == "invalid", trick
        assert http.post("/v1/enrol", json={"code": code, "device_name": "a"}).status_code == 200
        again = http.post("/v1/enrol", json={"code": code, "device_name": "b"})
        assert again.status_code == 403 and again.json()["code"] == "enrolment"
        expired = issue_code(central.engine, "cm1", minutes=0)
        assert http.post("/v1/enrol", json={"code": expired, "device_name": "c"}).status_code == 403
        assert http.post("/v1/enrol", json={"code": "AAAA-BBBB-CCCC", "device_name": "d"}).status_code == 403
    assert [d.name for d in list_devices(central.engine)] == ["a"]


def test_a_lost_device_is_refused_and_wiped(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    work_on_a_case(laptop)
    sync(laptop)
    [device] = list_devices(central.engine)
    revoke(central.engine, device.id, DeviceState.LOST)
    with pytest.raises(SyncError) as failed:
        sync(laptop)
    assert failed.value.kind is FailureKind.REVOKED and failed.value.wipe


def test_plain_http_is_refused_except_to_loopback() -> None:
    for url in ("http://drive.example.org", "http://10.0.0.5:8443", "ftp://127.0.0.1"):
        with pytest.raises(SyncError) as failed:
            check_url(url)
        assert failed.value.kind is FailureKind.USAGE
    assert check_url("http://127.0.0.1:8443/") == "http://127.0.0.1:8443"
    assert check_url("http://[::1]:8443") == "http://[::1]:8443"
    assert check_url("https://drive.example.org") == "https://drive.example.org"


def test_malformed_payloads_are_rejected_and_kept_not_a_server_error(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    case_id, _ = work_on_a_case(laptop)
    sync(laptop)
    before = central.cases()
    bad = [
        _change(case_id, {"victims.7.age": {"old": None, "new": 30}}),  # no such victim
        _change(case_id, {"service_user.age": {"old": 34}}),  # no new value
        {**_change(case_id, {}), "payload": {"changes": ["not", "a", "map"]}},
        {**_change(case_id, {}), "op": "case.add_victim", "payload": {"victim": {"age": "old"}}},
        # the V/S's newer free-text fields: one line, bounded, no NUL (PostgreSQL's JSON would refuse it)
        {**_change(case_id, {}), "op": "case.add_victim", "payload": {"victim": {"ethnicity": "a\u0000b"}}},
        {**_change(case_id, {}), "op": "case.add_victim", "payload": {"victim": {"idva_service": "x" * 500}}},
        _change(case_id, {"victims.0.ethnicity": {"old": None, "new": "line\nbreak"}}),
    ]
    with http_client(central, laptop) as http:
        answer = http.post("/v1/push", json={"changes": bad})
    assert answer.status_code == 200
    assert [r["outcome"] for r in answer.json()["results"]] == ["rejected"] * 7
    assert central.cases() == before  # nothing applied
    assert central.change_count() == 17 + 7  # but every change is held (quarantined with its payload)


def test_a_spare_laptop_that_never_held_a_moved_case_cannot_write_into_it(central: Central, tmp_path: Path) -> None:
    """Work on a case moved away is applied (or held) only from a laptop that held the case — one that was sent it
    by a pull, or created it — not from any laptop of its old case manager that has ever pulled at all."""
    central.user("cm1")
    central.user("cm2")
    laptop = new_device(central, tmp_path, "cm1")
    work_on_a_case(laptop)
    sync(laptop)
    spare = new_device(central, tmp_path, "cm1", name="spare")
    with http_client(central, spare) as http:  # one pull of one row: it has pulled, but not the case made next
        assert http.post("/v1/pull", json={"cursor": {"seq": 0, "stamp": ""}, "limit": 1}).status_code == 200
    later, _ = work_on_a_case(laptop, "DRV-0002")
    sync(laptop)
    assign_case(central.engine, site="Essex", reference="DRV-0002", to="cm2")
    with http_client(central, spare) as http:
        forged = http.post("/v1/push", json={"changes": [_change(later, {"service_user.age": {"old": 34, "new": 60}})]})
    assert forged.status_code == 403
    assert central.cases()[later]["service_user"]["age"] == 34 and central.cases()[later]["case_manager"] == "cm2"


def test_a_case_is_not_allocated_or_closed_after_today(central: Central, tmp_path: Path) -> None:
    """Dates the server's clock refutes are refused change by change: a case allocated in 2099 could never have work
    logged on it, and one closed in the future would fall due under the retention policy when the laptop chose."""
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    case_id, _ = work_on_a_case(laptop)
    sync(laptop)
    with http_client(central, laptop) as http:
        answers = [
            http.post("/v1/push", json={"changes": [_change(case_id, changes)]}).json()["results"][0]
            for changes in (
                {"allocated_on": {"old": "2026-01-05", "new": "2099-01-01"}},
                {"status": {"old": "open", "new": "closed"}, "closed_on": {"old": None, "new": "2099-01-01"}},
            )
        ]
    assert [(a["outcome"], a["reason"]) for a in answers] == [
        ("rejected", "the case is allocated after today"),
        ("rejected", "the case is closed after today"),
    ]
    assert central.cases()[case_id]["allocated_on"].isoformat() == "2026-01-05"


def test_a_conflict_offers_only_a_value_the_case_could_hold(central: Central, tmp_path: Path) -> None:
    """An edit whose old value no longer matches opens a conflict for someone to settle — but only with a value
    the case could take: one that could never be stored is refused like any invalid edit, and no one is shown it."""
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    case_id, _ = work_on_a_case(laptop)
    sync(laptop)
    stale = {"old": "SOMETHING-ELSE"}
    with http_client(central, laptop) as http:
        answers = [
            http.post("/v1/push", json={"changes": [_change(case_id, {path: {**stale, "new": new}})]}).json()
            for path, new in (
                ("reference", "R" * 121),
                ("service_user", {"gender": "man", "age": 34, "employment": "unemployed", "extra": "SENTINEL"}),
                ("service_user.age", 35),  # a valid value: a conflict is opened
            )
        ]
    assert [a["results"][0]["outcome"] for a in answers] == ["rejected", "rejected", "conflict"]
    with central.engine.connect() as connection:
        offered = connection.execute(text("SELECT field, incoming_value FROM conflicts")).all()
    assert [(field, value) for field, value in offered] == [("service_user.age", 35)]
