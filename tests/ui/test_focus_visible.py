"""Focus and scroll never part: after every way of reaching or redrawing a screen, the focused widget is on the
screen, so no keystroke can change an answer the case manager cannot see."""

from __future__ import annotations

from drive_tui.store.store import Store
from drive_tui.ui.screens.assessment import AssessmentScreen
from drive_tui.ui.screens.case import CaseScreen
from drive_tui.ui.widgets.field_box import FieldBox
from tests.support.data import PASSPHRASE
from tests.support.ui import start_review


def focused_field(app) -> str | None:  # type: ignore[no-untyped-def]
    """The field the focused widget belongs to, if any."""
    focused = app.focused
    box = next((node for node in focused.ancestors_with_self if isinstance(node, FieldBox)), None) if focused else None
    return box.spec.id if box is not None else None


async def assert_focus_on_screen(pilot, where: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    await pilot.pause()  # a scroll is applied after the refresh that lays the screen out
    focused = pilot.app.focused
    assert focused is not None, f"{where}: nothing has the focus"
    assert focused.is_on_screen, f"{where}: {focused!r} has the focus off screen"


async def test_the_focused_field_is_on_screen_after_every_transition(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await assert_focus_on_screen(pilot, "caseload")
        await start_review(pilot)
        await assert_focus_on_screen(pilot, "a new assessment")
        await pilot.press("right", "enter")  # contact made: No
        for _ in range(40):  # down to the last field, Notes
            if focused_field(app) == "notes":
                break
            await pilot.press("tab")
        await assert_focus_on_screen(pilot, "the last field")
        assert focused_field(app) == "notes"

        await pilot.press("f2")  # visit mode: Notes is not drawn at all
        await assert_focus_on_screen(pilot, "entering visit mode")
        await pilot.press("f2", *PASSPHRASE, "enter")
        await app.workers.wait_for_complete()
        await assert_focus_on_screen(pilot, "leaving visit mode")
        screen = app.screen
        assert isinstance(screen, AssessmentScreen)
        field = focused_field(app)
        before = dict(screen.assessment.answers)
        await pilot.press("space")  # whatever the key changes, it is the field on screen
        await pilot.pause()
        after = screen.assessment.answers
        changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
        assert changed <= {field} | set(screen.query_one(f"#field-{field}", FieldBox).spec.answer_ids)

        await pilot.press("ctrl+l")
        await pilot.press(*PASSPHRASE, "enter")
        await app.workers.wait_for_complete()
        await assert_focus_on_screen(pilot, "after the lock")

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        await assert_focus_on_screen(pilot, "back on the case")
        await pilot.press("a")  # the draft again: focus resumes where it was
        await assert_focus_on_screen(pilot, "the draft resumed")
        await pilot.press("escape", "h")
        await assert_focus_on_screen(pilot, "history")
        await pilot.press("escape", "escape")
        await assert_focus_on_screen(pilot, "back on the caseload")
