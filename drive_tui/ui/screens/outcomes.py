"""The outcome analyses over this store's closed cases, as `drive-tui report outcomes` shows them: intake against
closure for each type of abuse (exact McNemar), severity, risk change, needs and contact. Figures only."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from drive_tui.analysis.outcomes import outcomes
from drive_tui.analysis.report_tables import outcome_tables
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.widgets.footer import DriveFooter
from drive_tui.ui.widgets.visit_badge import VisitBadge

HIDDEN_IN_VISIT_MODE = "The outcome analyses are hidden in visit mode: F2 to leave it."


class OutcomesScreen(DriveScreenMixin, Screen[None]):
    CSS_PATH = "outcomes.tcss"
    AUTO_FOCUS = "#report"
    BINDINGS = [Binding("escape", "back", "Back")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield VisitBadge()
        with VerticalScroll(id="report", can_focus=True):
            yield Static("Computing the analyses…", id="report-loading")
        yield DriveFooter()

    document: dict[str, Any] | None = None

    async def on_mount(self) -> None:
        cases = self.in_store(lambda tx: self.drive.reads.closed_cases(tx, today=self.drive.today))
        if cases is None:
            self.app.pop_screen()
            return
        self.document = outcomes(cases)
        await self.visit_mode_changed()

    async def visit_mode_changed(self) -> None:
        """Severity and risk at intake and closure are about victims: not drawn while the Service User may see."""
        if self.document is None:
            return
        shown = (
            [Static(HIDDEN_IN_VISIT_MODE, id="report-hidden")]
            if self.drive.visit_mode
            else [Static(renderable) for renderable in outcome_tables(self.document)]
        )
        await self.refill(self.query_one("#report", VerticalScroll), shown)

    def action_back(self) -> None:
        self.app.pop_screen()
