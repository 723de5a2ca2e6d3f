"""The request log: one JSON line per request, every endpoint, success and failure — with a sentinel pushed through
every one of them in values, notes, references, device names, tokens, paths and bodies, and never once logged."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drive_tui.central import api
from drive_tui.central.people import issue_code, list_devices, revoke
from drive_tui.store.assessments import save_draft_answer, start_assessment
from drive_tui.store.cases import create_case, update_case
from drive_tui.store.replica import outbox_batch, sync_state
from drive_tui.sync.engine import sync
from drive_tui.sync.protocol import (
    MAX_BODY_BYTES,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    DeviceState,
    Timepoint,
    encode_push,
)
from tests.support.central import Central, http_client, new_device, work_on_a_case
from tests.support.data import profile

SENTINEL = "ZEBRA-SENTINEL-9931"


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage() + (self.formatException(record.exc_info) if record.exc_info else ""))

    def formatException(self, exc_info) -> str:  # type: ignore[no-untyped-def, override]
        return logging.Formatter().formatException(exc_info)


@pytest.fixture
def lines() -> Iterator[Lines]:
    """Everything the service and its server log (not the test's own HTTP client, which names the URLs it asks)."""
    handler = Lines()
    watched = [logging.getLogger(name) for name in ("drive_tui", "uvicorn", "uvicorn.error", "fastapi")]
    levels = [logger.level for logger in watched]
    for logger in watched:
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        for logger, level in zip(watched, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_request_is_one_json_line_and_no_case_data_is_ever_logged(
    central: Central, tmp_path: Path, lines: Lines
) -> None:
    central.user("cm1", sites=["Essex", SENTINEL[:20]])
    laptop = new_device(central, tmp_path, "cm1")
    with laptop.transaction() as tx:  # case data holding the sentinel everywhere it can: reference, notes
        case = create_case(tx, profile(f"R-{SENTINEL}", case_manager="cm1"))
        draft = start_assessment(tx, case.id, Timepoint.INTAKE)
        save_draft_answer(tx, draft.id, "notes", f"said {SENTINEL} twice")
    assert sync(laptop).pushed > 0  # hello, push, pull: success
    rejected = {
        "change_id": str(uuid.uuid4()),
        "at": datetime.now(UTC).isoformat(),
        "entity": "case",
        "entity_id": case.id,
        "op": "case.update",
        "payload": {"changes": {"service_user.ethnicity": {"old": None, "new": f"{SENTINEL}\u0000"}}},
    }
    with http_client(central, laptop) as http:
        assert http.post("/v1/push", json={"changes": [rejected]}).json()["results"][0]["outcome"] == "rejected"
        assert http.post("/v1/pull", content=f'{{"cursor": "{SENTINEL}"}}').status_code == 422  # malformed
        too_big = b'{"changes": "' + SENTINEL.encode() * (MAX_BODY_BYTES // len(SENTINEL) + 1) + b'"}'
        assert http.post("/v1/push", content=too_big).status_code == 413
    with http_client(central) as http:  # no token, a forged one, a wrong enrolment code, a made-up path
        assert http.get("/v1/hello", headers={"Authorization": f"Bearer {SENTINEL}"}).status_code == 401
        assert http.post("/v1/enrol", json={"code": SENTINEL, "device_name": SENTINEL}).status_code in (403, 422)
        code = issue_code(central.engine, "cm1")
        assert http.post("/v1/enrol", json={"code": code, "device_name": SENTINEL}).status_code == 200
        assert http.get(f"/{SENTINEL}?q={SENTINEL}").status_code == 404
        assert http.request(SENTINEL, "/v1/push").status_code in (400, 405)  # a method of its own making
        assert http.get("/healthz").status_code == 200 and http.get("/readyz").status_code == 200

    everything = "\n".join(lines.messages)
    assert SENTINEL not in everything and SENTINEL[:20] not in everything
    requests = [json.loads(message) for message in lines.messages if message.startswith('{"time"')]
    routes = [(line["route"], line["status"]) for line in requests]
    for expected in [
        ("/v1/hello", 200),
        ("/v1/push", 200),
        ("/v1/pull", 200),
        ("/v1/pull", 422),
        ("/v1/push", 413),
        ("/v1/hello", 401),
        ("/v1/enrol", 200),
        ("other", 404),
        ("/healthz", 200),
        ("/readyz", 200),
    ]:
        assert expected in routes, (expected, routes)
    pushes = [line for line in requests if line["route"] == "/v1/push" and line["status"] == 200]
    assert pushes[0]["applied"] > 0 and pushes[0]["user"] == "cm1" and pushes[0]["device"]
    assert all(isinstance(line["lock_ms"], float) and line["lock_ms"] >= 0 for line in pushes)
    assert pushes[-1]["rejected"] == 1 and pushes[-1]["applied"] == 0
    assert next(line for line in requests if line["route"] == "/v1/pull" and line["status"] == 200)["rows"] >= 0
    refused = next(line for line in requests if line["status"] == 401)
    assert refused["refusal"] == "unauthenticated" and "device" not in refused
    for line in requests:
        assert set(line) <= {"time", "route", "method", "status", "ms", "bytes_in", "bytes_out", "device", "user",
                             "applied", "conflict", "held", "rejected", "duplicate", "rows", "lock_ms",
                             "decided_again", "refusal"}  # fmt: skip
        assert line["bytes_in"] >= 0 and line["ms"] >= 0


def _half_a_request(central: Central, token: str, path: str, body: bytes) -> socket.socket:
    """A request whose headers and first bytes are sent, the rest held back (as a slow or vanishing client does)."""
    connection = socket.create_connection(("127.0.0.1", central.port))
    headers = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\n{PROTOCOL_HEADER}: {PROTOCOL_VERSION}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    connection.sendall(headers.encode() + body[:10])
    return connection


def _token(store) -> str:  # type: ignore[no-untyped-def]
    with store.transaction() as tx:
        return sync_state(tx).token or ""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_client_gone_mid_body_is_logged_as_such_not_as_a_server_error(
    central: Central, tmp_path: Path, lines: Lines
) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    half = _half_a_request(central, _token(laptop), "/v1/push", b'{"changes": []}' + b" " * 500)
    half.close()
    with http_client(central, laptop) as client:  # the service goes on (and, within ~1 s of requests, logs the 499)
        for _ in range(500):
            if any('"status":499' in line for line in lines.messages):
                break
            assert client.get("/healthz").status_code == 200
    requests = [json.loads(line) for line in lines.messages if line.startswith("{")]
    assert any(line["status"] == 499 and line["route"] == "/v1/push" for line in requests)
    assert not any(line["status"] >= 500 for line in requests)
    assert not any("Traceback" in line or "Exception in ASGI" in line for line in lines.messages)


def _an_edit_waiting_to_be_pushed(central: Central, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A laptop of cm1's, synced, with one edit (the SU's age to 51) in its outbox: the store, the case, the push."""
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    case_id, _ = work_on_a_case(laptop)
    sync(laptop)
    with laptop.transaction() as tx:
        update_case(tx, case_id, {"service_user.age": 51})
        body = encode_push(row[1:] for row in outbox_batch(tx, 100))
    return laptop, case_id, body


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_device_reported_lost_while_its_body_is_on_the_way_is_refused(central: Central, tmp_path: Path) -> None:
    """Authority is judged once the body is in: a thief who opened requests before the report gets nothing by it."""
    laptop, case_id, body = _an_edit_waiting_to_be_pushed(central, tmp_path)
    token = _token(laptop)
    pushing = _half_a_request(central, token, "/v1/push", body)
    pull_body = json.dumps({"cursor": {"seq": 0, "stamp": ""}}).encode()
    pulling = _half_a_request(central, token, "/v1/pull", pull_body)
    (device,) = list_devices(central.engine)
    revoke(central.engine, device.id, DeviceState.LOST)
    for connection, rest in ((pushing, body[10:]), (pulling, pull_body[10:])):
        connection.sendall(rest)
        answer = http.client.HTTPResponse(connection)
        answer.begin()
        refusal = json.loads(answer.read())
        connection.close()
        assert answer.status == 403 and refusal["code"] == "device_lost" and refusal["wipe"], refusal
    assert central.cases()[case_id]["service_user"]["age"] != 51


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_device_reported_lost_after_its_body_is_in_is_refused_by_the_transaction_that_would_act_for_it(
    central: Central, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Authority is judged again inside the push's own transaction and the pull's own snapshot: a report that lands
    while the body is being parsed — after the last look outside them — still counts, and nothing is written or
    sent."""
    laptop, case_id, body = _an_edit_waiting_to_be_pushed(central, tmp_path)
    (device,) = list_devices(central.engine)

    def reported_lost_first(parse):  # type: ignore[no-untyped-def]
        def parsing(*args):  # type: ignore[no-untyped-def]
            revoke(central.engine, device.id, DeviceState.LOST)
            return parse(*args)

        return parsing

    monkeypatch.setattr(api, "parse_push", reported_lost_first(api.parse_push))
    monkeypatch.setattr(api, "_parse", reported_lost_first(api._parse))
    with http_client(central, laptop) as client:
        pushed = client.post("/v1/push", content=body, headers={"Content-Type": "application/json"})
        pulled = client.post("/v1/pull", json={"cursor": {"seq": 0, "stamp": ""}})
    for answer in (pushed, pulled):
        assert answer.status_code == 403, answer.text
        assert answer.json()["code"] == "device_lost" and answer.json()["wipe"]
    assert central.cases()[case_id]["service_user"]["age"] != 51
