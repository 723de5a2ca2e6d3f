"""The team dashboard shows each case manager's overdue assessments and the missing-data rate of each field."""

from __future__ import annotations

from drive_tui.store.store import Store
from drive_tui.ui.screens.dashboard import DashboardScreen
from tests.support.ui import screen_text


async def test_dashboard_shows_overdue_and_missing_data(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        overdue = sum(len(row.schedule.overdue) for row in app.screen.rows)
        await pilot.press("d")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        [member] = screen.load
        assert member.case_manager == "cm1" and member.overdue == overdue > 0
        assert screen.missing is not None
        alcohol = screen.missing.overall["need_alcohol_misuse"]
        assert alcohol.asked > 0 and alcohol.not_known > 0  # the invented caseload leaves needs unknown, as in life
        rate = f"{alcohol.not_known_rate:4.0%}"
        text = " ".join(screen_text(app).split())
        assert f"Alcohol misuse {rate.strip()}" in text
        assert "by site (g)" in text and "Essex" in text
        await pilot.press("g")
        await pilot.pause()
        assert "by case manager (g)" in " ".join(screen_text(app).split())
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DashboardScreen)


async def test_outcomes_in_the_app_match_the_report(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    from drive_tui.analysis.outcomes import outcomes
    from drive_tui.store.cohort import cohort
    from drive_tui.ui.screens.outcomes import OutcomesScreen

    with populated.transaction() as tx:
        expected = outcomes(cohort(tx, closed_only=True))
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d", "o")
        await pilot.pause()
        assert isinstance(app.screen, OutcomesScreen)
        assert app.screen.document["dva_use"] == expected["dva_use"]
        text = " ".join(screen_text(app).split())
        assert f"Outcomes over {expected['cases']} closed case(s)" in text and "Exact McNemar p" in text
        physical = expected["dva_use"]["physical"]
        row = " │ ".join(str(physical[k]) for k in ("n", "intake_used", "exit_used", "used_to_not", "not_to_used"))
        assert f"Physical │ {row} │ {physical['mcnemar_exact_p']:.4f} │" in text
