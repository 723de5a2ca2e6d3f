"""The evaluators' figures over this store's cases, as `drive-tui report evaluation` gives them: every table of the
evaluation computed from case data, with a bar chart of text for each of its figures. Computed in a worker (over
thousands of cases, a moment) while the screen, Esc included, stays usable. Figures only; hidden in visit mode."""

from __future__ import annotations

from datetime import date
from typing import Any

from rich.console import RenderableType
from rich.measure import Measurement
from rich.table import Table as RichTable
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Static

from drive_tui.analysis.evaluation import Evaluation
from drive_tui.store.errors import StoreError
from drive_tui.store.store import Tx
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.store_reads import version
from drive_tui.ui.widgets.footer import DriveFooter
from drive_tui.ui.widgets.visit_badge import VisitBadge

WIDEST_TABLE = 160
"""Columns a table may take before it wraps its cells: beyond the screen's width, the view scrolls sideways."""
HIDDEN_IN_VISIT_MODE = "The outcome analyses are hidden in visit mode: F2 to leave it."
FIRST = 3
"""Renderables drawn in the first frame (the heading, a rule and the first table: 39 lines, more than a screenful)."""


class OutcomesScreen(DriveScreenMixin, Screen[None]):
    CSS_PATH = "outcomes.tcss"
    AUTO_FOCUS = "#report"
    BINDINGS = [Binding("escape", "back", "Back")]

    _drawing = 0
    """Counts redraws: the second half of an earlier one is not mounted into a later one."""
    document: dict[str, Any] | None = None
    """The outcome analyses (``analysis.outcomes``), once computed."""
    report: Evaluation | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield VisitBadge()
        with VerticalScroll(id="report", can_focus=True):
            yield Static("Computing the analyses…", id="report-loading")
        yield DriveFooter()

    def on_mount(self) -> None:
        self.compute()

    @work(thread=True, exclusive=True)
    def compute(self) -> None:
        read = self.in_store(self._read, refused=lambda exc: self.app.call_from_thread(self._unreadable, exc))
        if read is not None:
            self.app.call_from_thread(self._computed, *read)

    def _read(self, tx: Tx) -> tuple[dict[str, Any], Evaluation]:
        """The analyses as last worked out, while the store is unchanged since; else worked out now."""
        today = self.drive.today
        at = version(tx, today)
        kept = self.drive.reads.derived("outcomes", at)
        if kept is None:
            kept = self._analyse(tx, today)
            self.drive.reads.keep("outcomes", at, kept)
        return kept

    def _analyse(self, tx: Tx, today: date) -> tuple[dict[str, Any], Evaluation]:
        from drive_tui.analysis.casework import Period, casework_figures
        from drive_tui.analysis.evaluation import evaluation
        from drive_tui.analysis.outcomes import outcomes

        cases = self.drive.reads.closed_cases(tx, today=today)
        document = outcomes(cases)
        casework = casework_figures(
            self.drive.reads.case_work(tx, today=today),
            today=today,
            period=Period(None, None),
            stalled_after=self.drive.settings.stalled_after_days,
        )
        closed = [c.case.closed_on for c in cases if c.case.closed_on is not None]
        report = evaluation(document, casework, generated_on=today, cut_off=max(closed, default=None), filters={})
        return document, report

    def _unreadable(self, exc: StoreError) -> None:
        self.notify(str(exc), severity="error")
        if self.is_current:
            self.app.pop_screen()

    async def _computed(self, document: dict[str, Any], report: Evaluation) -> None:
        self.document, self.report = document, report
        await self.visit_mode_changed()

    async def visit_mode_changed(self) -> None:
        """Severity and risk at intake and closure are about victims: not drawn while the Service User may see."""
        if self.report is None:
            return
        from drive_tui.analysis.report_terminal import evaluation_renderables

        self._drawing += 1
        report = self.query_one("#report", VerticalScroll)
        if self.drive.visit_mode:
            await self.refill(report, [Static(HIDDEN_IN_VISIT_MODE, id="report-hidden")])
            return
        parts = list(evaluation_renderables(self.report))
        # The first screenful at once; the rest after that frame (laying out every table measures each one: most of
        # half a second with 2,000 cases), unless visit mode came on or the report was redrawn meanwhile.
        await self.refill(report, [self._figure(part) for part in parts[:FIRST]])
        self.call_after_refresh(self._draw_rest, parts[FIRST:], self._drawing)

    def _figure(self, renderable: RenderableType) -> Static:
        """A part of the report; a table at its natural width, however narrow the screen — the view scrolls
        sideways (left and right) rather than cut a figure to "0.0024…" or a heading to "Sever…" at 80 columns."""
        figure = Static(renderable, classes="figures")
        if isinstance(renderable, RichTable):
            console = self.app.console
            natural = Measurement.get(console, console.options.update_width(WIDEST_TABLE), renderable).maximum
            figure.styles.min_width = min(natural, WIDEST_TABLE)
        return figure

    async def _draw_rest(self, rest: list[RenderableType], drawing: int) -> None:
        if drawing == self._drawing and not self.drive.visit_mode and rest:
            await self.query_one("#report", VerticalScroll).mount_all([self._figure(part) for part in rest])

    def action_back(self) -> None:
        self.app.pop_screen()
