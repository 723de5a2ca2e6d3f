"""The case screen says what waits to be settled on a case — fields two devices set differently, and work the
previous case manager's laptop made after the case moved (held) — by count, never by value, and not in visit mode."""

from __future__ import annotations

from datetime import UTC, datetime

from drive_tui.store.cases import find_case
from drive_tui.store.replica import apply_pulled
from drive_tui.store.store import Store
from drive_tui.ui.screens.case import CaseScreen
from tests.support.ui import screen_text


def _pull_conflicts(store: Store) -> None:
    """Two open conflicts on TEST-0001, arriving as a pull brings them."""
    with store.transaction() as tx:
        case = find_case(tx, site="Essex", reference="TEST-0001")
        assert case is not None
        opened = datetime(2026, 11, 20, tzinfo=UTC)
        held = {
            "change": {
                "change_id": "c1",
                "at": "2026-11-19T09:00:00+00:00",
                "entity": "case",
                "entity_id": case.id,
                "op": "case.update",
                "payload": {"changes": {"service_user.age": {"old": 41, "new": 42}}},
            },
            "author": "cm0",
            "device_id": "d0",
        }
        conflicts = [
            {
                "id": "k1",
                "case_id": case.id,
                "field": "service_user.employment",
                "central_value": "unemployed",
                "incoming_value": "part_time",
                "incoming_author": "cm1",
                "opened_at": opened,
                "resolved_at": None,
                "resolved_by": None,
                "resolution": None,
            },
            {
                "id": "k2",
                "case_id": case.id,
                "field": "held.case.update",
                "central_value": None,
                "incoming_value": held,
                "incoming_author": "cm0",
                "opened_at": opened,
                "resolved_at": None,
                "resolved_by": None,
                "resolution": None,
            },
        ]
        apply_pulled(tx, cases=[], assessments=[], reviews=[], conflicts=conflicts, removed_cases=[])


async def test_the_case_screen_counts_open_conflicts_and_held_work_outside_visit_mode(  # type: ignore[no-untyped-def]
    populated: Store, app_for
) -> None:
    _pull_conflicts(populated)
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"TEST-0001", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        text = " ".join(screen_text(app).split())
        assert "1 field(s) set differently on two devices" in text
        assert "1 change(s) from the previous case manager held" in text
        assert "part_time" not in text and "42" not in text  # counted, never valued
        await pilot.press("f2")
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "VISIT MODE" in text and "held" not in text
