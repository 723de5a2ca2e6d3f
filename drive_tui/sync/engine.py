"""Running a sync: a plain class that reports progress through callbacks (the CLI prints them, the app turns them
into messages from a worker). It imports no Textual.

Order matters for "nothing lost, nothing duplicated":
1. hello — the device's state; a central store that holds fewer of this device's changes than were acknowledged
   (restored from a backup) gets every acknowledged change again (they are idempotent on their UUIDs);
2. push — the outbox in batches; a batch's rows are marked acknowledged only after the server's answer, in one
   local transaction;
3. pull — pages after the cursor; each page and the cursor it ends at are written in one local transaction, so the
   cursor is never ahead of the data;
4. release cases reassigned away whose changes are all in; a retired device then wipes itself.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from drive_tui.domain.terms import Identity
from drive_tui.store.journal import pending_changes
from drive_tui.store.replica import (
    PendingChange,
    SyncState,
    acknowledge,
    apply_pulled,
    outbox_batch,
    pending_by_operation,
    release_cases,
    resend_all,
    save_sync_state,
    sync_state,
)
from drive_tui.store.store import Store, destroy
from drive_tui.sync.client import Client, FailureKind, SyncError
from drive_tui.sync.protocol import (
    MAX_BATCH,
    MAX_BODY_BYTES,
    MAX_PULL,
    ChangeOutcome,
    Cursor,
    DeviceState,
    EnrolResponse,
    PullResponse,
    PushResponse,
    encode_push,
)

if TYPE_CHECKING:
    from drive_tui.store.keychain import Keychain
    from drive_tui.store.settings import StoreSettings


@dataclass(frozen=True, slots=True)
class Limits:
    """How much one request carries: the protocol's maxima. (Tests pass smaller ones to see batching at work.)"""

    push_batch: int = MAX_BATCH
    first_push_batch: int = 500
    """The first batch is small, so that the server starts work while the device reads the next."""
    pull_page: int = MAX_PULL
    body_bytes: int = MAX_BODY_BYTES
    """The largest request body the server reads."""


@dataclass
class SyncReport:
    pushed: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: list[str] = field(default_factory=list)
    """One line per change the server could not apply (kept centrally for an administrator)."""
    held: int = 0
    """Changes to cases that moved to another case manager: kept centrally for them to accept or discard."""
    pulled: Counter[str] = field(default_factory=Counter)
    kept_local: int = 0
    released: int = 0
    resent: int = 0
    server_restored: bool = False
    wiped: bool = False
    would_push: Counter[str] = field(default_factory=Counter)
    """Dry run: pending changes by operation."""

    def summary(self, *, dry_run: bool = False) -> str:
        pulled = sum(self.pulled.values())
        if dry_run:
            return (
                f"dry run: {sum(self.would_push.values())} change(s) would be pushed, {pulled} record(s) would be "
                "pulled; nothing was changed"
            )
        parts = [f"pushed {self.pushed} change(s)", f"pulled {pulled} record(s)"]
        if self.duplicates:
            parts.append(f"{self.duplicates} already held")
        if self.conflicts:
            parts.append(f"{self.conflicts} with conflicts to resolve")
        if self.rejected:
            parts.append(f"{len(self.rejected)} refused by the server")
        if self.held:
            parts.append(f"{self.held} held for the case's new case manager")
        if self.released:
            parts.append(f"{self.released} reassigned case(s) removed")
        if self.server_restored:
            parts.append("the central store was restored from a backup: everything was sent again")
        return "sync done: " + ", ".join(parts)


@dataclass
class Callbacks:
    """Progress, for a progress bar: totals when known, then counts done."""

    push_total: Callable[[int], None] = lambda total: None
    pushed: Callable[[int], None] = lambda count: None
    pulled: Callable[[int], None] = lambda count: None


def _client(state: SyncState) -> Client:
    if not state.enrolled or state.server_url is None:
        raise SyncError(FailureKind.USAGE, "this device is not enrolled: run `drive-tui enrol URL CODE` first")
    return Client(state.server_url, token=state.token, ca_file=state.ca_file)


def enrol(store: Store, url: str, code: str, device_name: str, *, ca_file: str | None = None) -> EnrolResponse:
    """Register this device with the central service using a one-time code; keep the token in the store."""
    with store.transaction() as tx:
        if sync_state(tx).enrolled:
            raise SyncError(FailureKind.USAGE, "this device is already enrolled")
    with Client(url, ca_file=ca_file) as client:
        answer = client.enrol(code, device_name)
    with store.transaction() as tx:
        save_sync_state(
            tx,
            server_url=client.url,
            server_id=answer.server_id,
            device_id=answer.device_id,
            token=answer.token,
            user=answer.user,
            role=answer.role.value,
            sites=answer.sites,
            cursor_seq=0,
            cursor_stamp="",
            ca_file=ca_file,
            acked_total=0,
        )
        resend_all(tx)  # a new central store gets everything this device holds
    store.identity = Identity(
        user=answer.user, device_id=store.identity.device_id, role=answer.role, sites=tuple(answer.sites)
    )
    return answer


def sync(
    store: Store,
    *,
    dry_run: bool = False,
    callbacks: Callbacks | None = None,
    client: Client | None = None,
    limits: Limits = Limits(),
) -> SyncReport:
    """Exchange everything with the central store. Raises SyncError; a ``wipe`` error means: destroy the store."""
    callbacks = callbacks or Callbacks()
    with store.transaction() as tx:
        state = sync_state(tx)
    own_client = client is None
    client = client or _client(state)
    try:
        return _run(store, client, state, dry_run, callbacks, limits)
    finally:
        if own_client:
            client.close()


def sync_device(
    store: Store,
    settings: StoreSettings,
    keychain: Keychain | None,
    *,
    dry_run: bool = False,
    callbacks: Callbacks | None = None,
) -> SyncReport:
    """``sync``, then do what the central store said of this device: a retired device whose changes are all in
    (``report.wiped``), or a revoked one (a ``SyncError`` with ``wipe``), has its store destroyed — key file and
    keychain entry first — before this returns or raises. The CLI and the app both sync through here."""
    try:
        report = sync(store, dry_run=dry_run, callbacks=callbacks)
    except SyncError as error:
        if error.wipe:
            destroy(store, settings, keychain=keychain)
        raise
    if report.wiped:
        destroy(store, settings, keychain=keychain)
    return report


def _run(
    store: Store, client: Client, state: SyncState, dry_run: bool, callbacks: Callbacks, limits: Limits
) -> SyncReport:
    report = SyncReport()
    hello = client.hello()
    if state.server_id and hello.server_id != state.server_id:
        raise SyncError(FailureKind.REFUSED, "this server is not the central store this device enrolled with")
    if dry_run:
        return _dry_run(store, client, state, report)
    with store.transaction() as tx:
        if hello.accepted_changes < state.acked_total:
            report.resent = resend_all(tx)
            report.server_restored = True
            save_sync_state(tx, acked_total=0)
        total = pending_changes(tx.session)
    callbacks.push_total(total)
    _push(store, client, report, callbacks, limits)
    if hello.device_state is DeviceState.RETIRED:
        report.wiped = True  # every change is in: the caller destroys the store
        return report
    _pull(store, client, state, report, callbacks, limits)
    with store.transaction() as tx:
        report.released = len(release_cases(tx))
        save_sync_state(tx, last_sync_at=tx.now)
    return report


def _push(store: Store, client: Client, report: SyncReport, callbacks: Callbacks, limits: Limits) -> None:
    """Push the outbox in batches, one request at a time and in order, keeping the server busy: once a batch is
    sent, the answer before it is read and acknowledged locally and the next batch read and encoded, all while
    the server applies it (doing that work while the body is still going out would slow the sending thread, which
    needs the interpreter lock between writes). Each batch is acknowledged only once the server has answered for
    it, and sent only if the one before it was answered (a later change may depend on an earlier one). If
    anything fails, what was not acknowledged is sent again next time, and the server applies each change once."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="drive-tui-push") as sender:
        answer: Future[bytes] | None = None
        previous: _Batch | None = None
        batch = _next_batch(store, limits, after=0, limit=min(limits.first_push_batch, limits.push_batch))
        while batch is not None:
            sent = threading.Event()
            in_flight = sender.submit(_send, client, batch.body, answer, sent)
            sent.wait()
            if answer is not None and previous is not None:
                _acknowledge(store, previous.rows, client.read_push(answer.result()), report, callbacks)
            following = _next_batch(store, limits, after=batch.rows[-1].seq)
            answer, previous, batch = in_flight, batch, following
        if answer is not None and previous is not None:
            _acknowledge(store, previous.rows, client.read_push(answer.result()), report, callbacks)


@dataclass(frozen=True, slots=True)
class _Batch:
    rows: list[PendingChange]
    body: bytes
    """The push request, encoded."""


def _next_batch(store: Store, limits: Limits, *, after: int, limit: int | None = None) -> _Batch | None:
    """The next outbox rows after row ``after`` that fit in one request (the server refuses bigger bodies)."""
    with store.transaction() as tx:
        rows = outbox_batch(tx, limit or limits.push_batch, after=after)
    while rows:
        body = encode_push(row[1:] for row in rows)
        if len(body) <= limits.body_bytes:
            return _Batch(rows, body)
        if len(rows) == 1:
            raise SyncError(
                FailureKind.REFUSED,
                f"a change waiting to be pushed ({rows[0].op}) is larger than the "
                f"server accepts ({limits.body_bytes / (1024 * 1024):g} MiB)",
            )
        rows = rows[: len(rows) // 2]
    return None


def _send(client: Client, body: bytes, before: Future[bytes] | None, sent: threading.Event) -> bytes:
    try:
        if before is not None and before.exception() is not None:
            raise _NotSent()  # the batch before failed: its error is the one reported
        return client.send_push(body, on_sent=sent.set)
    finally:
        sent.set()


class _NotSent(Exception):
    pass


def _acknowledge(
    store: Store, rows: list[PendingChange], answer: PushResponse, report: SyncReport, callbacks: Callbacks
) -> None:
    """Count the server's answer for a batch and mark its changes acknowledged."""
    outcomes = {result.change_id: result for result in answer.results}
    for row in rows:
        result = outcomes.get(row.change_id)
        if result is None:
            raise SyncError(FailureKind.SERVER, "the server did not answer for every change pushed")
        if result.outcome is ChangeOutcome.DUPLICATE:
            report.duplicates += 1
        elif result.outcome is ChangeOutcome.CONFLICT:
            report.conflicts += 1
        elif result.outcome is ChangeOutcome.REJECTED:
            report.rejected.append(f"{row.op} {row.entity_id[:8]}: {result.reason}")
        elif result.outcome is ChangeOutcome.HELD:
            report.held += 1
    with store.transaction() as tx:
        acknowledge(tx, [row.seq for row in rows])
        save_sync_state(tx, acked_total=sync_state(tx).acked_total + len(rows))
    report.pushed += len(rows)
    callbacks.pushed(len(rows))


def _pull(
    store: Store, client: Client, state: SyncState, report: SyncReport, callbacks: Callbacks, limits: Limits
) -> None:
    cursor = Cursor(seq=state.cursor_seq, stamp=state.cursor_stamp)
    while True:
        page = client.pull(cursor, limits.pull_page)
        if page.reset:
            report.server_restored = True
        with store.transaction() as tx:
            applied = apply_pulled(tx, **_rows(page))
            save_sync_state(tx, cursor_seq=page.cursor.seq, cursor_stamp=page.cursor.stamp)
        report.pulled.update(
            cases=applied.cases,
            assessments=applied.assessments,
            reviews=applied.reviews,
            conflicts=applied.conflicts,
            work_log=applied.work_log,
        )
        report.kept_local += applied.kept_local
        callbacks.pulled(applied.cases + applied.assessments + applied.reviews + applied.conflicts + applied.work_log)
        cursor = page.cursor
        if not page.more:
            return


def _rows(page: PullResponse) -> dict[str, list]:  # type: ignore[type-arg]
    return {
        "cases": [case.model_dump() for case in page.cases],
        "assessments": [assessment.model_dump() for assessment in page.assessments],
        "reviews": [review.model_dump(mode="python") | {"decision": review.decision.value} for review in page.reviews],
        "conflicts": [conflict.model_dump() for conflict in page.conflicts],
        "work_log": [entry.model_dump() for entry in page.work_log],
        "removed_cases": list(page.removed_cases),
    }


def _dry_run(store: Store, client: Client, state: SyncState, report: SyncReport) -> SyncReport:
    with store.transaction() as tx:
        report.would_push.update(pending_by_operation(tx))
    cursor = Cursor(seq=state.cursor_seq, stamp=state.cursor_stamp)
    while True:
        page = client.pull(cursor)
        report.pulled.update(
            cases=len(page.cases),
            assessments=len(page.assessments),
            reviews=len(page.reviews),
            conflicts=len(page.conflicts),
            work_log=len(page.work_log),
        )
        if not page.more:
            return report
        cursor = page.cursor
