"""The check a push makes under the commit log's lock (``central.push._changed_since``), made to matter on purpose:
the same batch is applied by a retry in the very moment between the original's decision and its lock."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, text

from drive_tui.central import db
from drive_tui.central.assign import create_case
from drive_tui.central.db import open_central
from drive_tui.central.intake import parse_push
from drive_tui.central.people import Device, add_user, authenticate, enrol, issue_code
from drive_tui.central.push import apply_push
from drive_tui.forms.catalogue import load_catalogue
from drive_tui.sync.protocol import Role

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _device(engine: Engine) -> Device:
    add_user(engine, "cm1", Role.CASE_MANAGER, ["Essex"])
    _, token = enrol(engine, issue_code(engine, "cm1"), "laptop", address="127.0.0.1")
    with engine.connect() as connection:
        found = authenticate(connection, token)
    assert found is not None
    return found


def _racing(monkeypatch: pytest.MonkeyPatch, retry: Callable[[], object]) -> None:
    """The first push to ask for the lock lets ``retry`` run — and commit — before it gets it."""
    real = db.lock_head
    raced: list[bool] = []

    def lock_head(connection):  # type: ignore[no-untyped-def]
        if not raced:
            raced.append(True)
            retry()
        return real(connection)

    monkeypatch.setattr(db, "lock_head", lock_head)


@pytest.mark.parametrize(
    "payload",
    [{"entry": "not an entry"}, None],
    ids=["a refused change, which writes no record", "a new work-log entry"],
)
def test_a_retry_that_commits_between_decision_and_lock_makes_the_original_decide_again(
    database_url: str, monkeypatch: pytest.MonkeyPatch, payload: dict[str, object] | None
) -> None:
    engine = open_central(database_url)
    try:
        device = _device(engine)
        case_id = create_case(
            engine, reference="DRV-0001", site="Essex", allocated_on=date(2026, 1, 5), case_manager="cm1"
        )
        entry_id = str(uuid.uuid4())
        entry = {"id": entry_id, "case_id": case_id, "date": "2026-02-03", "recorded_by": "cm1", "kind": "indirect",
                 "agency": "police", "action": "info_shared"}  # fmt: skip
        change = {"change_id": str(uuid.uuid4()), "at": datetime.now(UTC).isoformat(), "entity": "work_log",
                  "entity_id": entry_id, "op": "work_log.record",
                  "payload": payload if payload is not None else {"entry": entry}}  # fmt: skip
        body = json.dumps({"changes": [change]}).encode()
        forms = load_catalogue(None)
        retried: list[str] = []

        def retry() -> None:
            retried.append(apply_push(engine, device, parse_push(body), forms).results[0].outcome)

        _racing(monkeypatch, retry)
        original = apply_push(engine, device, parse_push(body), forms).results[0].outcome
        assert retried and retried[0] in ("applied", "rejected")
        assert original == "duplicate"  # decided again under the lock: the retry had already recorded it
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM changes")).scalar_one() == 1
    finally:
        engine.dispose()
