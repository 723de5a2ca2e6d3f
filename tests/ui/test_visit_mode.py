"""Visit mode: one key hides every sensitive field, victim/survivor details, risk levels and notes — not
rendered at all — on every screen; leaving it asks for the passphrase again."""

from __future__ import annotations

import pytest

from drive_tui.store.store import Store
from drive_tui.ui.screens.assessment import AssessmentScreen
from drive_tui.ui.screens.case import CaseScreen
from drive_tui.ui.screens.caseload import CaseloadScreen
from drive_tui.ui.screens.verify import VerifyScreen
from drive_tui.ui.widgets.field_box import FieldBox
from tests.support.data import PASSPHRASE
from tests.support.ui import VICTIM_SENTINEL, form_drawn, open_test_case, screen_text, start_review

SENSITIVE_LABELS = ("Risk to the victim/survivor", "Risk to children", "Severity of abusive behaviour", "Notes")


async def test_visit_mode_hides_sensitive_content_everywhere(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "Risk" in screen_text(app)  # the caseload's risk column, in the office
        await pilot.press("f2")
        await pilot.pause()
        text = screen_text(app)
        assert "VISIT MODE" in text and "Risk" not in text and "High" not in text and "Medium" not in text
        await open_test_case(pilot)
        text = screen_text(app)
        assert "VISIT MODE" in text and VICTIM_SENTINEL not in text and "Victim" not in text
        assert not app.screen.query("#victims")
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AssessmentScreen)
        shown = {box.spec.id for box in app.screen.query(FieldBox)}
        assert {"risk_to_victim", "risk_to_children", "dva_behaviour", "notes"}.isdisjoint(shown)
        assert "contact_made" in shown and "need_housing" in shown
        for _ in range(6):  # scroll the whole form through the screen
            text = screen_text(app)
            assert "VISIT MODE" in text
            assert not any(label in text for label in SENSITIVE_LABELS), text
            await pilot.press("pagedown")


async def test_visit_mode_on_at_start_and_off_only_with_the_passphrase(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated, visit_mode=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.visit_mode and "VISIT MODE" in screen_text(app)
        await open_test_case(pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, VerifyScreen)
        assert VICTIM_SENTINEL not in screen_text(app)
        await pilot.press(*"wrong passphrase", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, VerifyScreen) and app.visit_mode
        assert "Wrong passphrase: type it again." in screen_text(app)
        assert "not opened" not in screen_text(app)  # the store is open: only the passphrase was wrong
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen) and app.visit_mode
        await pilot.press("f2", *PASSPHRASE, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.visit_mode
        assert isinstance(app.screen, CaseScreen) and VICTIM_SENTINEL in screen_text(app)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_visit_mode_indicator_shows_on_every_screen(populated: Store, app_for, size) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated, visit_mode=True)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CaseloadScreen) and "VISIT MODE" in screen_text(app)
        await pilot.press("f1")
        await pilot.pause()
        assert "VISIT MODE" in screen_text(app)
        await pilot.press("escape")
        await open_test_case(pilot)
        await pilot.press("e")
        await pilot.pause()
        assert "VISIT MODE" in screen_text(app)


async def test_visit_mode_keeps_your_place_in_an_assessment(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """On Notes (which visit mode hides), F2: focus goes to the nearest field above it that stays, on screen; F2
    and the passphrase: back on Notes, on screen — not at the top of the form."""
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_review(pilot)
        screen = app.screen
        assert isinstance(screen, AssessmentScreen)
        screen.query_one("#field-notes TextArea").focus()
        await pilot.pause()
        await pilot.press("f2")
        await form_drawn(pilot)
        focused = app.focused
        assert focused is not None and focused.region.height > 0  # on screen
        box = next(node for node in focused.ancestors_with_self if isinstance(node, FieldBox))
        assert box.spec.id == "support_areas"  # the last field before Notes that visit mode shows
        await pilot.press("f2", *PASSPHRASE, "enter")
        await app.workers.wait_for_complete()
        await form_drawn(pilot)
        assert not app.visit_mode
        assert app.focused is screen.query_one("#field-notes TextArea")
        assert app.focused.region.height > 0
