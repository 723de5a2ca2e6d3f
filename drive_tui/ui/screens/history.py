"""A case's assessment history side by side: each field's answer at each timepoint, changes marked (▲ ▼), amendments
with what they replaced, who entered each and when, supervisors' sign-offs, and a small chart of severity and risk.
Visit mode leaves out every sensitive field, the chart (it is the DVA and risk picture) and sign-off comments."""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Header, Static

from drive_tui.analysis.history import History, build_history, sparkline
from drive_tui.store.assessments import case_history, form_for
from drive_tui.store.cases import get_case
from drive_tui.store.reviews import reviews_of
from drive_tui.store.store import Tx
from drive_tui.store.tables import ReviewRow
from drive_tui.ui.labels import HIDDEN_IN_VISIT_MODE, HIDDEN_LABELS_IN_VISIT_MODE
from drive_tui.ui.marks import ALERT
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.widgets.footer import DriveFooter
from drive_tui.ui.widgets.visit_badge import VisitBadge

COLUMN_WIDTH = 24
"""Each timepoint's column: long free text is cut (it reads in full on the assessment itself)."""
MARKS = {"up": ("▲", ALERT), "down": ("▼", "bold green"), "changed": ("•", "yellow")}
CHARTED = (
    ("dva_physical", "Physical"),
    ("dva_sexual", "Sexual"),
    ("dva_harassment_stalking", "Harassment"),
    ("dva_jealousy_coercion", "Jealousy/coercion"),
    ("risk_to_victim", "Risk to victim"),
    ("risk_to_children", "Risk to children"),
)


class HistoryScreen(DriveScreenMixin, Screen[None]):
    CSS_PATH = "history.tcss"
    AUTO_FOCUS = "#history"
    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, case_id: str) -> None:
        super().__init__()
        self.case_id = case_id
        self.history: History | None = None
        self.reviews: list[ReviewRow] = []
        self.reference = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield VisitBadge()
        yield Vertical(id="body")
        yield DriveFooter()

    def _load(self, tx: Tx) -> bool:
        self.reference = get_case(tx, self.case_id).reference
        self.history = build_history(case_history(tx, self.case_id), lambda f, v: form_for(tx, f, v))
        self.reviews = reviews_of(tx, self.case_id)
        return True

    def _body(self) -> Iterator[Widget]:
        assert self.history is not None
        yield Static(Text(f"History of case {self.reference}", style="bold"), classes="section-title")
        if not self.history.columns:
            yield Static("No submitted assessments yet: each one joins this history when it is submitted.", id="empty")
            return
        if not self.drive.visit_mode:
            yield Static(self._chart(), id="chart")
        table: DataTable[Text] = DataTable(id="history", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(self._sign_offs(), id="sign-offs")

    async def on_mount(self) -> None:
        if not self.in_store(self._load):
            self.app.pop_screen()
            return
        await self.visit_mode_changed()
        for table in self.query("#history"):
            table.focus()

    async def visit_mode_changed(self) -> None:
        if self.history is None:
            return
        await self.refill(self.query_one("#body", Vertical), self._body())
        if self.history.columns:
            self.render_table()

    def render_table(self) -> None:
        assert self.history is not None
        table = self.query_one("#history", DataTable)
        table.clear(columns=True)
        table.add_column("Field", key="field", width=30)
        for column in self.history.columns:
            done = column.completed_on.isoformat() if column.completed_on else "—"
            amended = " (amended)" if column.superseded else ""
            table.add_column(
                Text(f"{column.timepoint.label}{amended} {done} {column.current.author}"),
                key=column.timepoint.value,
                width=COLUMN_WIDTH,
            )
        for row in self.history.rows:
            if row.sensitive and self.drive.visit_mode:
                continue  # not rendered at all, not merely dimmed
            cells = [Text(row.label)]
            for cell in row.cells:
                if self.drive.visit_mode and isinstance(cell.value, str) and cell.value in HIDDEN_IN_VISIT_MODE:
                    cells.append(Text("hidden in visit mode", style="dim italic"))
                    continue
                text = Text(cell.text)
                if cell.change in MARKS:
                    mark, style = MARKS[cell.change]
                    text.append(f" {mark}", style=style)
                if cell.was is not None and not (self.drive.visit_mode and cell.was in HIDDEN_LABELS_IN_VISIT_MODE):
                    text.append(f" (was {cell.was})", style="dim italic")
                cells.append(text)
            table.add_row(*cells, key=row.answer_id, height=None)

    def _chart(self) -> Text:
        assert self.history is not None
        chart = Text("Over time  ", style="bold")
        chart.append(
            "(▁ none · ▃ standard · ▅ moderate/medium · █ high · - not applicable · ? not known · · not asked)\n",
            style="dim",
        )
        for index, (answer_id, label) in enumerate(CHARTED):
            chart.append(f"{label:<18}", style="bold")
            chart.append(f"{sparkline(self.history.series(answer_id)):<8}")
            if index % 3 == 2 and index < len(CHARTED) - 1:
                chart.append("\n")
        return chart

    def _sign_offs(self) -> Text:
        if not self.reviews:
            return Text("No supervisor sign-offs yet.", style="dim")
        timepoints = {c.current.id: c.timepoint.label for c in self.history.columns} if self.history else {}
        for column in self.history.columns if self.history else ():
            timepoints.update({old.id: f"{column.timepoint.label} (superseded)" for old in column.superseded})
        text = Text("Sign-offs\n", style="bold")
        for review in self.reviews:
            where = timepoints.get(review.assessment_id, "an assessment")
            text.append(f"{review.at.date().isoformat()}  {where}: {review.decision} by {review.reviewer}")
            if review.comment and not self.drive.visit_mode:
                text.append(f" — {review.comment}", style="italic")
            text.append("\n")
        return text

    def action_back(self) -> None:
        self.app.pop_screen()
