"""The team dashboard shows each case manager's overdue assessments and the missing-data rate of each field."""

from __future__ import annotations

from drive_tui.analysis.dashboard import MemberLoad
from drive_tui.store.store import Store
from drive_tui.ui.screens.dashboard import DashboardScreen
from tests.support.ui import page_down_to, screen_text


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
    """The outcomes screen shows the evaluators' report: the same figures as `report outcomes`, each figure as a bar
    chart whose bars carry their numbers."""
    from drive_tui.analysis.evaluation import Count, cell_text
    from drive_tui.analysis.outcomes import outcomes
    from drive_tui.store.cohort import cohort
    from drive_tui.ui.screens.outcomes import OutcomesScreen

    with populated.transaction() as tx:
        expected = outcomes(cohort(tx, closed_only=True))
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d", "o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, OutcomesScreen)
        assert app.screen.document is not None and app.screen.document["dva_use"] == expected["dva_use"]
        assert f"over {expected['cases']} closed case(s)" in " ".join(screen_text(app).split())
        text = " ".join((await page_down_to(pilot, "Exact McNemar p")).split())
        physical = expected["dva_use"]["physical"]
        n = physical["n"]
        cells = [str(n), cell_text(Count(physical["intake_used"], n)), cell_text(Count(physical["exit_used"], n))]
        cells += [str(physical["used_to_not"]), str(physical["not_to_used"]), f"{physical['mcnemar_exact_p']:g}"]
        assert f"Physical │ {' │ '.join(cells)} │" in text
        # above it, Figure 1 as a chart: each series its glyph, each bar its figure
        text = " ".join((await page_down_to(pilot, "█ Intake ▓ Exit")).split())
        assert f"Intake {'█' * 3}" in text and f"█ {cell_text(Count(physical['intake_used'], n))}" in text


async def test_a_large_team_leaves_missing_data_on_screen_at_80x24(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """A hundred case managers, each with requests open: the team table takes at most its share, the requests line
    names the six with the most stalled and counts the rest, and missing data stays on the screen (they had pushed
    it out of reach)."""
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        screen.load = [
            MemberLoad(f"cm{number}", open_cases=12, open_requests=3, stalled_requests=number % 3)
            for number in range(100)
        ]
        screen.render_team()
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "Information requests: 300 open" in text and "and 94 more case managers" in text
        assert "cm2 3 (2)" in text and "cm0 3" not in text  # the most stalled first
        assert "Missing data" in text and "SU gender" in text
