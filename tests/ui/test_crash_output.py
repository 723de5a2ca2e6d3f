"""A crash must not print case data: Textual's default crash report shows every local variable."""

from __future__ import annotations

import pytest

from drive_tui.store.store import Store
from drive_tui.ui.screens.assessment import AssessmentScreen
from tests.support.ui import open_test_case

SENTINEL = "NOTE-SENTINEL-4410"


async def test_a_crash_report_carries_no_case_data(populated: Store, app_for, monkeypatch, capfd) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)

    def explode(self: AssessmentScreen) -> None:
        secret = {"notes": SENTINEL}  # a local a default crash report would print
        raise RuntimeError(f"failed with {secret}")

    monkeypatch.setattr(AssessmentScreen, "action_submit", explode)
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(80, 24)) as pilot:
            await open_test_case(pilot)
            await pilot.press("a")
            await pilot.pause()
            await pilot.press("ctrl+s")
            await pilot.pause()
    printed = capfd.readouterr()
    report = printed.out + printed.err
    assert "drive-tui stopped on an internal error (RuntimeError)" in report and "explode" in report
    assert SENTINEL not in report
