"""Sync interrupted anywhere converges: a response lost after the server committed, the server SIGKILLed with a
batch in flight, a batch sent three times (one after another, and all at once to several workers), the central
store restored from an older backup. After each, sync runs
again and the central and local stores hold the same contents, with no change applied twice and none lost."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from drive_tui.domain.vocab import Timepoint
from drive_tui.store.assessments import save_draft_answer, start_assessment
from drive_tui.store.cases import create_case, update_case
from drive_tui.store.replica import outbox_batch
from drive_tui.store.store import Store
from drive_tui.sync.client import FailureKind, SyncError
from drive_tui.sync.engine import Limits, sync
from drive_tui.sync.protocol import encode_push
from tests.support.central import (
    ALSO_WITH_TWO_WORKERS,
    Central,
    assert_converged,
    assert_each_change_once,
    client_over,
    http_client,
    local_change_ids,
    new_device,
    work_on_a_case,
)
from tests.support.data import INTAKE_COMPLETE, profile

pytestmark = pytest.mark.server_process  # the service as the command runs it: killed, restarted, its options


class LoseResponses(httpx.HTTPTransport):
    """Delivers requests to the real server, then drops the connection before the client reads the answer."""

    def __init__(self, lose: int) -> None:
        super().__init__()
        self.lose = lose

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if request.url.path == "/v1/push" and self.lose > 0:
            response.read()
            self.lose -= 1
            raise httpx.ReadError("connection reset by peer", request=request)
        return response


class SendThrice(httpx.HTTPTransport):
    """Every push is sent three times (a client retrying); the last answer is the one read."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path != "/v1/push":
            return super().handle_request(request)
        body = request.read()
        for _ in range(2):
            super().handle_request(
                httpx.Request(request.method, request.url, headers=request.headers, content=body)
            ).read()
        return super().handle_request(request)


class KillDuringPush(httpx.HTTPTransport):
    """SIGKILLs the server ``delay`` seconds into the Nth push request. Should the server finish that batch
    first, its answer is lost with the connection, so the device never learns of it either way."""

    def __init__(self, central: Central, on_push: int, delay: float) -> None:
        super().__init__()
        self.central, self.on_push, self.delay, self.pushes = central, on_push, delay, 0
        self.killer = threading.Timer(delay, central.kill)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/push":
            self.pushes += 1
            if self.pushes == self.on_push:
                self.killer.start()
                try:
                    super().handle_request(request).read()
                finally:
                    self.killer.join()
                raise httpx.ReadError("connection reset by peer", request=request)
        return super().handle_request(request)


def _many_drafts(store: Store, cases: int) -> None:
    """Enough offline work for several push batches."""
    for number in range(cases):
        with store.transaction() as tx:
            case = create_case(tx, profile(f"DRV-{number:04d}", case_manager=store.identity.user))
            draft = start_assessment(tx, case.id, Timepoint.INTAKE)
            for answer_id, value in INTAKE_COMPLETE.items():
                save_draft_answer(tx, draft.id, answer_id, value)


@ALSO_WITH_TWO_WORKERS
def test_response_lost_after_the_server_committed(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    work_on_a_case(laptop)
    with pytest.raises(SyncError) as failed:
        sync(laptop, client=client_over(laptop, LoseResponses(lose=1)))
    assert failed.value.kind is FailureKind.UNREACHABLE
    assert central.change_count() == 17  # the server has it all; the device does not know yet

    report = sync(laptop)
    assert report.duplicates == 17 and report.pushed == 17
    assert_converged(central, laptop)
    assert_each_change_once(central, laptop)


@ALSO_WITH_TWO_WORKERS
def test_each_batch_sent_three_times(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    work_on_a_case(laptop)
    work_on_a_case(laptop, "DRV-0002")
    made = len(local_change_ids(laptop))
    report = sync(laptop, client=client_over(laptop, SendThrice()), limits=Limits(push_batch=7))
    assert report.pushed == made and report.duplicates == made  # the third copy of each batch finds it all there
    assert_converged(central, laptop)
    assert_each_change_once(central, laptop)


@ALSO_WITH_TWO_WORKERS
def test_one_batch_sent_eight_times_at_once_is_applied_once(central: Central, tmp_path: Path) -> None:
    """A client that retries in a hurry, or a batch replayed: eight copies in flight together, spread over the
    workers, race for the same change ids. Exactly one copy applies each change; the rest are told duplicate."""
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    work_on_a_case(laptop)
    work_on_a_case(laptop, "DRV-0002")
    with laptop.transaction() as tx:
        body = encode_push(row[1:] for row in outbox_batch(tx, 1000))
    made = len(local_change_ids(laptop))

    def push(_: int) -> dict[str, str]:
        with http_client(central, laptop) as client:
            response = client.post("/v1/push", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 200, response.text
        return {r["change_id"]: r["outcome"] for r in response.json()["results"]}

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(push, range(8)))
    for change_id in answers[0]:
        outcomes = Counter(answer[change_id] for answer in answers)
        assert outcomes["duplicate"] == 7 and outcomes["applied"] == 1, outcomes
    assert central.change_count() == made
    report = sync(laptop)
    assert report.duplicates == made
    assert_converged(central, laptop)
    assert_each_change_once(central, laptop)

    # A batch that writes no record at all — its one change malformed, refused — raced the same way: recorded once.
    refused = {"change_id": str(uuid.uuid4()), "at": datetime.now(UTC).isoformat(), "entity": "work_log",
               "entity_id": str(uuid.uuid4()), "op": "work_log.record",
               "payload": {"entry": "not an entry"}}  # fmt: skip
    body = json.dumps({"changes": [refused]}).encode()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(push, range(8)))
    assert Counter(answer[refused["change_id"]] for answer in answers) == {"rejected": 1, "duplicate": 7}
    assert central.change_count() == made + 1


@ALSO_WITH_TWO_WORKERS
def test_server_killed_mid_batch_then_restarted(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    _many_drafts(laptop, 40)  # 40 × 16 = 640 changes: four batches
    made = len(local_change_ids(laptop))
    killing = KillDuringPush(central, on_push=2, delay=0.02)
    with pytest.raises(SyncError) as failed:
        sync(laptop, client=client_over(laptop, killing), limits=Limits(push_batch=200))
    killing.killer.join()
    assert failed.value.kind is FailureKind.UNREACHABLE
    held = central.change_count()
    assert 200 <= held <= 400  # the first batch is in; the second is in entirely or not at all

    central.start()
    sync(laptop)
    assert central.change_count() == made
    assert_converged(central, laptop)
    assert_each_change_once(central, laptop)


def _backup(central: Central, tmp_path: Path) -> Path:
    """The README's runbook, its own commands: a backup taken while the service runs."""
    copy = tmp_path / "central.backup"
    if central.database_url.startswith("sqlite"):
        command = [sys.executable, "-m", "drive_tui", "server", "backup", str(copy)]
        _run([*command, "--database-url", central.database_url])
    else:
        _run(["pg_dump", "--format=custom", "--file", str(copy), _libpq(central.database_url)])
    return copy


def _restore(central: Central, backup: Path) -> None:
    """The runbook's restore: stop the service, put the copy in place of the store, start it."""
    central.stop()
    central.engine.dispose()
    if central.database_url.startswith("sqlite"):
        store = Path(central.database_url.removeprefix("sqlite:///"))
        for leftover in (store.with_name(store.name + "-wal"), store.with_name(store.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(backup, store)
    else:
        from sqlalchemy import make_url

        url = make_url(central.database_url)
        server = _libpq(central.database_url).rsplit("/", 1)[0]
        _run(["dropdb", "--force", "--maintenance-db", f"{server}/postgres", url.database])
        _run(["createdb", "--maintenance-db", f"{server}/postgres", url.database])
        _run(["pg_restore", "--no-owner", "--dbname", _libpq(central.database_url), str(backup)])
    central.start()


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as libpq's tools take it (postgresql://…, no driver)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, (command[0], result.stderr[-2000:])


def test_central_store_restored_from_an_older_backup(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    spare = new_device(central, tmp_path, "cm1", name="spare")
    first_case, _ = work_on_a_case(laptop)
    sync(laptop)
    sync(spare)
    backup = _backup(central, tmp_path)

    second_case, _ = work_on_a_case(laptop, "DRV-0002")
    with laptop.transaction() as tx:
        update_case(tx, first_case, {"service_user.age": 52})
    sync(laptop)
    sync(spare)
    _restore(central, backup)  # the later work is gone from the central store …
    assert second_case not in central.cases()

    report = sync(laptop)  # … and the laptop notices and sends it again
    assert report.server_restored and report.resent > 0
    assert second_case in central.cases() and central.cases()[first_case]["service_user"]["age"] == 52
    report = sync(spare)  # the spare's cursor is unknown to the restored store: it pulls everything again
    assert report.server_restored
    assert_converged(central, laptop, spare)
    assert_each_change_once(central, laptop, spare)
