"""Driving the real app: the fixed day, reading the screen as rendered, getting to the test case and its review."""

from __future__ import annotations

import re
from datetime import date

from drive_tui.store.cases import find_case
from drive_tui.store.store import Store
from drive_tui.ui.app import DriveApp
from drive_tui.ui.screens.assessment import AssessmentScreen
from drive_tui.ui.screens.case import CaseScreen
from drive_tui.ui.widgets.field_box import FieldBox

TODAY = date(2026, 11, 26)


VICTIM_SENTINEL = "Intermittent partner"


def screen_text(app: DriveApp) -> str:
    """Every character on the screen, as rendered (from Textual's own SVG export)."""
    svg = app.export_screenshot()
    text = " ".join(re.findall(r">([^<>]*)</text>", svg))
    return text.replace("&#160;", " ").replace("&amp;", "&").replace("&#x27;", "'")


async def open_test_case(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("slash", *"TEST", "enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CaseScreen)


async def start_review(pilot) -> None:  # type: ignore[no-untyped-def]
    """Open TEST-0001 and start (or resume) its next assessment, the 3-month review."""
    await open_test_case(pilot)
    await pilot.press("a")
    await form_drawn(pilot)


async def form_drawn(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until the assessment screen has drawn all of its form (it draws the sections after the first frame's)."""
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, AssessmentScreen)
    for _ in range(20):
        if not screen.rest:
            return
        await pilot.pause()
    raise AssertionError("the form was never drawn in full")


async def showing(pilot, kind: type, tries: int = 50) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until its screen is a ``kind`` — a screen that waits for the store or a worker comes a few
    turns of its loop after the key (more on a busy machine) — then once more, so that it is drawn."""
    for _ in range(tries):
        await pilot.pause()
        if isinstance(pilot.app.screen, kind):
            await pilot.pause()
            return
    raise AssertionError(f"the app never showed a {kind.__name__}, but a {type(pilot.app.screen).__name__}")


def visible_fields(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [box.spec.id for box in app.screen.query(FieldBox) if box.display]


def known_case_id(store: Store) -> str:
    with store.transaction() as tx:
        case = find_case(tx, site="Essex", reference="TEST-0001")
    assert case is not None
    return case.id


class Clock:
    """A clock the test moves: the app's idle lock reads it instead of ``time.monotonic``."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, *, minutes: float = 0, seconds: float = 0) -> None:
        self.now += minutes * 60 + seconds


async def page_down_to(pilot, needle: str, pages: int = 80) -> str:  # type: ignore[no-untyped-def]
    """Page down the focused scrolling view, as a person reads a long report, until ``needle`` is on screen; the
    screen's text then (whether or not it was found: the caller asserts)."""
    text = screen_text(pilot.app)
    for _ in range(pages):
        if needle in " ".join(text.split()):
            break
        await pilot.press("pagedown")
        await pilot.pause()
        text = screen_text(pilot.app)
    return text
