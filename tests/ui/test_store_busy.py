"""The store held by another writer (a sync applying a page) is a message, never a crash, and loses nothing."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event

from drive_tui.store.assessments import case_history
from drive_tui.store.store import Store
from drive_tui.ui.screens.assessment import AssessmentScreen
from tests.support.ui import known_case_id, screen_text, start_review


def _short_busy_timeout(store: Store) -> None:
    """Give up on a held lock after 50 ms rather than the store's 5 s, so the test does not wait on a clock."""
    store.engine.dispose()

    @event.listens_for(store.engine, "connect")
    def busy(connection: Any, _record: Any) -> None:
        connection.execute("PRAGMA busy_timeout = 50")


class _LockHolder:
    """Holds the store's write lock from another thread (so another pooled connection) until released."""

    def __init__(self, store: Store) -> None:
        self._held, self._release = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._hold, args=(store,), daemon=True)
        self._thread.start()
        assert self._held.wait(10)

    def _hold(self, store: Store) -> None:
        connection = store.engine.raw_connection()
        connection.driver_connection.execute("BEGIN IMMEDIATE")
        self._held.set()
        self._release.wait(30)
        connection.driver_connection.execute("ROLLBACK")
        connection.close()

    def release(self) -> None:
        self._release.set()
        self._thread.join(10)


async def test_an_answer_given_while_another_connection_holds_the_write_lock_is_refused_aloud_and_can_be_given_again(
    populated: Store, app_for
) -> None:  # type: ignore[no-untyped-def]
    _short_busy_timeout(populated)
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_review(pilot)
        screen = app.screen
        assert isinstance(screen, AssessmentScreen)
        holder = _LockHolder(populated)  # a thread of its own, as the sync worker is, with its own connection
        try:
            await pilot.press("right", "enter")  # contact made: No
            await pilot.pause()
            await pilot.pause()  # the field is redrawn with what is stored
            assert app.is_running and app.screen is screen
            assert "the store is busy" in screen_text(app)
            assert "contact_made" not in screen.assessment.answers
        finally:
            holder.release()
            assert not screen.query_one("#field-contact_made Choice").value  # shows what is stored
        await pilot.press("right", "enter")  # the same answer again, the lock released
        await pilot.pause()
        assert "the store is busy" not in screen_text(app)
    with populated.transaction() as tx:
        draft = next(a for a in case_history(tx, known_case_id(populated)) if a.is_draft)
        assert draft.answers["contact_made"] == "no"
