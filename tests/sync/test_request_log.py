"""The request log: one JSON line per request, every endpoint, success and failure — with a sentinel pushed through
every one of them in values, notes, references, device names, tokens, paths and bodies, and never once logged."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drive_tui.central.people import issue_code
from drive_tui.store.assessments import save_draft_answer, start_assessment
from drive_tui.store.cases import create_case
from drive_tui.sync.engine import sync
from drive_tui.sync.protocol import MAX_BODY_BYTES, Timepoint
from tests.support.central import Central, http_client, new_device
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
