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
from drive_tui.sync.client import FailureKind, SyncError
from drive_tui.sync.engine import Limits, sync
from drive_tui.sync.protocol import EnvelopeRequest, encode_push
from tests.support.central import (
    Central,
    assert_converged,
    assert_each_change_once,
    client_over,
    new_device,
    work_on_a_case,
)

AWKWARD = 'Zoë said "not today" \\ then left; — “quoted” \u2028 ☂'
"""Text the encoder must not touch (quotes, a backslash, non-ASCII, U+2028, JSON's odd one out) in a one-line field:
ethnicity typed before it was coded, kept as typed. (Control characters are refused in such fields: test_access.)"""


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
    case_id, _ = work_on_a_case(laptop)
    with laptop.transaction() as tx:
        update_case(tx, case_id, {"service_user.ethnicity": AWKWARD})
    with laptop.transaction() as tx:
        stored = list(tx.session.exec(select(OutboxRow).order_by(OutboxRow.seq)))
        rows = outbox_batch(tx, 1000)
    request = EnvelopeRequest.model_validate_json(encode_push(row[1:] for row in rows))  # as sent, untyped
    assert len(request.changes) == len(stored) == 18
    for change, row in zip(request.changes, stored, strict=True):
        assert (change.change_id, change.at, change.entity, change.entity_id, change.op.value, change.payload) == (
            row.change_id,
            row.created_at,
            row.entity,
            row.entity_id,
            row.op,
            row.payload,
        )

    assert sync(laptop).pushed == 18
    assert central.cases()[case_id]["service_user"]["ethnicity_recorded"] == AWKWARD
    assert_converged(central, laptop)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_batch_is_sent_only_after_the_one_before_was_answered(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    work_on_a_case(laptop)
    work_on_a_case(laptop, "DRV-0002")  # batches of 7: the second case's depending on the first's
    made = _pending(laptop)
    counting = CountPushes(fail_on=2)
    with pytest.raises(SyncError) as failed:
        sync(laptop, client=client_over(laptop, counting), limits=Limits(push_batch=7))
    assert failed.value.kind is FailureKind.UNREACHABLE
    assert len(counting.sizes) == 2  # the third batch was read and queued, but never sent after the second failed
    assert central.change_count() == 7
    assert _pending(laptop) == made - 7

    report = sync(laptop)
    assert report.pushed == made - 7 and not report.rejected and report.duplicates == 0
    assert_converged(central, laptop)
    assert_each_change_once(central, laptop)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_batches_are_cut_to_fit_the_body_limit(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    work_on_a_case(laptop)
    made = _pending(laptop)
    counting = CountPushes()
    report = sync(laptop, client=client_over(laptop, counting), limits=Limits(body_bytes=3000))
    assert report.pushed == made and not report.rejected
    assert len(counting.sizes) > 1 and max(counting.sizes) <= 3000
    assert_converged(central, laptop)

    # One change bigger than the server accepts: refused with a reason before anything is sent, nothing lost.
    work_on_a_case(laptop, "DRV-0002")
    sent = len(counting.sizes)
    with pytest.raises(SyncError) as failed:
        sync(laptop, client=client_over(laptop, counting), limits=Limits(body_bytes=200))
    assert failed.value.kind is FailureKind.REFUSED and "larger than the server accepts" in str(failed.value)
    assert len(counting.sizes) == sent and _pending(laptop) == made
