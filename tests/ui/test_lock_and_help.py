"""The idle lock, the lock key, the help screen, the command palette's actions; garbage collected in pauses."""

from __future__ import annotations

import gc

from drive_tui.store.store import Store
from drive_tui.ui.screens.assessment import AssessmentScreen
from drive_tui.ui.screens.help import HelpScreen
from drive_tui.ui.screens.verify import VerifyScreen
from tests.support.data import PASSPHRASE
from tests.support.ui import Clock, open_test_case, screen_text, start_review


async def test_auto_lock_after_idle_hides_everything_and_keeps_the_draft(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    app = app_for(populated, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_review(pilot)
        await pilot.press("right", "enter")  # contact made: No
        clock.advance(minutes=4.9)
        app.when_idle()  # as the app checks every second
        assert not app.locked
        clock.advance(minutes=0.2)  # five minutes (the default) since the last key
        app.when_idle()
        await pilot.pause()  # let the lock screen draw
        assert isinstance(app.screen, VerifyScreen) and app.locked
        text = screen_text(app)
        assert "Locked" in text and "TEST-0001" not in text and "Reason for no contact" not in text
        await pilot.press("escape", "f2", "ctrl+l")  # nothing gets past the lock
        await pilot.pause()
        assert isinstance(app.screen, VerifyScreen)
        await pilot.press(*PASSPHRASE, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, AssessmentScreen) and not app.locked
        assert app.screen.assessment.answers == {"contact_made": "no"}


async def test_a_full_collection_due_waits_for_a_pause_in_the_keys(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """A full collection costs 130–340 ms with 2,000 cases read: it runs when no key has come for a second, never
    between two keys."""
    clock = Clock()
    app = app_for(populated, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down")
        for _ in range(10):  # ten collections of the middle generation: Python's own rhythm for a full one
            gc.collect(1)
        due = gc.get_count()[2]
        assert due >= 10
        clock.advance(seconds=0.5)
        app.when_idle()
        assert gc.get_count()[2] >= due  # half a second since the last key: not yet
        clock.advance(seconds=0.6)
        app.when_idle()
        assert gc.get_count()[2] == 0  # collected, and nothing locked
        assert not app.locked


async def test_lock_key(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, VerifyScreen) and "DEMO-" not in screen_text(app)


async def test_help_lists_the_keys_of_the_screen_and_the_app(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for expected in ("Start or resume the next assessment", "Amend", "Edit the case profile", "Visit mode", "Quit"):
            assert expected in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_the_palette_lists_the_actions_and_no_screenshot(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {
            "Visit mode",
            "Lock",
            "Help",
            "Start or resume the next assessment",
            "Amend",
            "Edit the case profile",
        } <= titles
        assert "Screenshot" not in titles


async def test_help_on_the_caseload_says_what_its_marks_mean(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """A new case manager meets "!", "✎" and "due now" in the Overdue column: F1 says what each means."""
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = " ".join(screen_text(app).split())
        assert "What the marks mean" in text and "overdue: past its due date and 14 days' grace" in text
        assert "✎ draft the next assessment is started" in text
