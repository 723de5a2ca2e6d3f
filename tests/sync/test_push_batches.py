"""How the outbox goes out: changes sent exactly as stored, batches in order and each only after the one before
was answered, and batches cut to fit the server's body limit."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from drive_tui.store.cases import update_case
from drive_tui.store.journal import pending_changes
from drive_tui.store.replica import outbox_batch
from drive_tui.store.store import Store
from drive_tui.store.tables import OutboxRow
from drive_tui.sync import engine
from drive_tui.sync.client import FailureKind, SyncError
from drive_tui.sync.engine import sync
from drive_tui.sync.protocol import EnvelopeRequest, encode_push
from tests.sync.conftest import Central, new_device
from tests.sync.test_end_to_end import _work_on_a_case, assert_converged
from tests.sync.test_faults import _client, assert_each_change_once

AWKWARD = 'Zoë said "not today" \\ then left;\nnext line\ttab — “quoted” \u2028 ☂'


class CountPushes(httpx.HTTPTransport):
    """Counts push requests and their sizes; the Nth push fails before it reaches the server."""

    def __init__(self, fail_on: int | None = None) -> None:
        super().__init__()
        self.fail_on, self.sizes = fail_on, []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/push":
            self.sizes.append(len(request.read()))
            if len(self.sizes) == self.fail_on:
                raise httpx.ConnectError("connection refused", request=request)
        return super().handle_request(request)


def _pending(store: Store) -> int:
    with store.transaction() as tx:
        return pending_changes(tx.session)


def test_changes_are_sent_exactly_as_the_outbox_holds_them(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    case_id, _ = _work_on_a_case(laptop)
    with laptop.transaction() as tx:  # text the encoder must not touch: quotes, backslashes, control, non-ASCII
        update_case(tx, case_id, {"service_user.ethnicity": AWKWARD})
    with laptop.transaction() as tx:
        stored = list(tx.session.exec(select(OutboxRow).order_by(OutboxRow.seq)))
        rows = outbox_batch(tx, 1000)
    request = EnvelopeRequest.model_validate_json(encode_push(row[1:] for row in rows))  # as sent, untyped
    assert len(request.changes) == len(stored) == 18
    for change, row in zip(request.changes, stored, strict=True):
        assert (change.change_id, change.at, change.entity, change.entity_id, change.op.value, change.payload) == (
            row.change_id, row.created_at, row.entity, row.entity_id, row.op, row.payload)

    assert sync(laptop).pushed == 18
    assert central.cases()[case_id]["service_user"]["ethnicity"] == AWKWARD
    assert_converged(central, laptop)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_batch_is_sent_only_after_the_one_before_was_answered(
    central: Central, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "PUSH_BATCH", 7)
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    _work_on_a_case(laptop)
    _work_on_a_case(laptop, "DRV-0002")  # 34 changes: five batches, the second case's depending on the first's
    counting = CountPushes(fail_on=2)
    with pytest.raises(SyncError) as failed:
        sync(laptop, client=_client(laptop, counting))
    assert failed.value.kind is FailureKind.UNREACHABLE
    assert len(counting.sizes) == 2  # the third batch was read and queued, but never sent after the second failed
    assert central.change_count() == 7
    assert _pending(laptop) == 27

    report = sync(laptop)
    assert report.pushed == 27 and not report.rejected and report.duplicates == 0
    assert_converged(central, laptop)
    assert_each_change_once(central, laptop)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_batches_are_cut_to_fit_the_body_limit(
    central: Central, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "MAX_BODY_BYTES", 3000)
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    _work_on_a_case(laptop)
    counting = CountPushes()
    report = sync(laptop, client=_client(laptop, counting))
    assert report.pushed == 17 and not report.rejected
    assert len(counting.sizes) > 1 and max(counting.sizes) <= 3000
    assert_converged(central, laptop)

    # One change bigger than the server accepts: refused with a reason before anything is sent, nothing lost.
    monkeypatch.setattr(engine, "MAX_BODY_BYTES", 200)
    _work_on_a_case(laptop, "DRV-0002")
    sent = len(counting.sizes)
    with pytest.raises(SyncError) as failed:
        sync(laptop, client=_client(laptop, counting))
    assert failed.value.kind is FailureKind.REFUSED and "larger than the server accepts" in str(failed.value)
    assert len(counting.sizes) == sent and _pending(laptop) == 17
