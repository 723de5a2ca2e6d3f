"""Appearance: the caseload, case and assessment screens at 80×24 and 120×40, in the office and in visit mode.

Update after an intended change with ``pytest tests/ui/test_snapshots.py --snapshot-update`` and look at the
report before committing.
"""

from __future__ import annotations

import pytest

from drive_tui.config import Settings
from drive_tui.store.store import Store
from drive_tui.ui.app import make_app
from drive_tui.ui.themes import HIGH_CONTRAST
from tests.support.ui import TODAY, form_drawn

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
MODES = [pytest.param(False, id="office"), pytest.param(True, id="visit")]
OPEN_TEST_CASE = ["slash", *"TEST", "enter"]  # Enter in the filter opens the one case it shows


async def answer_contact_made(pilot) -> None:  # type: ignore[no-untyped-def]
    """TEST-0001's 3-month review, its form drawn in full, contact made answered No."""
    await pilot.press(*OPEN_TEST_CASE, "a")
    await form_drawn(pilot)
    await pilot.press("right", "enter")


def app(settings: Settings, store: Store, visit: bool, theme: str = "textual-dark"):  # type: ignore[no-untyped-def]
    made = make_app(settings.with_changes(visit_mode=visit), store=store, today=TODAY)
    made.theme = theme
    return made


@pytest.mark.parametrize("visit", MODES)
@pytest.mark.parametrize("size", SIZES)
def test_caseload(snap_compare, populated: Store, settings: Settings, size, visit) -> None:  # type: ignore[no-untyped-def]
    """You should see 21 cases with next assessment, due date and overdue marks; a Risk column only in the office,
    and the yellow VISIT MODE banner in visit mode."""
    assert snap_compare(app(settings, populated, visit), terminal_size=size)


@pytest.mark.parametrize("visit", MODES)
@pytest.mark.parametrize("size", SIZES)
def test_case(snap_compare, populated: Store, settings: Settings, size, visit) -> None:  # type: ignore[no-untyped-def]
    """You should see TEST-0001's profile, its victim/survivor (office only) and the timeline with the intake
    submitted and the 3-month review due."""
    assert snap_compare(app(settings, populated, visit), press=OPEN_TEST_CASE, terminal_size=size)


@pytest.mark.parametrize("visit", MODES)
@pytest.mark.parametrize("size", SIZES)
def test_assessment(snap_compare, populated: Store, settings: Settings, size, visit) -> None:  # type: ignore[no-untyped-def]
    """You should see the 3-month review with 'No' chosen for contact and the reason for no contact shown, each
    field with the intake's answer beside it; risk, the DVA grid and notes absent in visit mode."""
    assert snap_compare(app(settings, populated, visit), run_before=answer_contact_made, terminal_size=size)


def test_assessment_light_theme(snap_compare, populated: Store, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    """You should see the same review in the light theme, every label readable."""
    assert snap_compare(
        app(settings, populated, False, "textual-light"), run_before=answer_contact_made, terminal_size=(80, 24)
    )


def test_assessment_without_colour(snap_compare, populated: Store, settings: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """You should see the review with NO_COLOR at 80×24: the chosen answer marked (•), the others ( ), readable with
    no colour at all."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(app(settings, populated, False), run_before=answer_contact_made, terminal_size=(80, 24))


def test_assessment_high_contrast(snap_compare, populated: Store, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    """You should see the review at 80×24 in white and yellow on black: no dimmed text, the focused answer's cursor
    a solid yellow block."""
    assert snap_compare(
        app(settings, populated, False, HIGH_CONTRAST.name), run_before=answer_contact_made, terminal_size=(80, 24)
    )
