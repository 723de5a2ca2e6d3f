"""The team dashboard: each case manager's open cases against the guide of 20, what is overdue or due within 14
days, drafts left for over 7 days and open conflicts; then missing data per field — the share answered "not known"
and left unanswered — overall and per site or per case manager (`g`). Figures only: nothing about any one case."""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Header, Static

from drive_tui.analysis.dashboard import (
    DUE_SOON_DAYS,
    GROUPINGS,
    STALE_DRAFT_DAYS,
    MemberLoad,
    Missing,
    MissingData,
    missing_data_by,
    team_load,
)
from drive_tui.store.assessments import form_for
from drive_tui.store.caseload import CASELOAD_GUIDE
from drive_tui.store.errors import StoreError
from drive_tui.store.store import Tx
from drive_tui.store.team import team_snapshot
from drive_tui.ui.marks import ALERT
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.widgets.footer import DriveFooter
from drive_tui.ui.widgets.visit_badge import VisitBadge

RATE_WIDTH = 9
"""Width of a rate cell: "100% 100%"."""
MIN_FIELD_WIDTH = 16


def _rate(tally: Missing | None) -> Text:
    if tally is None or not tally.asked:
        return Text("—", style="dim")
    not_known, unanswered = tally.not_known_rate or 0.0, tally.unanswered_rate or 0.0
    style = ALERT if not_known + unanswered >= 0.4 else "yellow" if not_known + unanswered >= 0.2 else ""
    return Text(f"{not_known:4.0%} {unanswered:4.0%}", style=style)


REQUESTS_NAMED = 6
"""Case managers named in the information-requests line, those with the most stalled requests first: with a team of
a hundred the line filled the screen and pushed missing data out of reach."""


def _requests_line(load: list[MemberLoad], stalled_after: int) -> Text:
    """Information requests still open, and (in brackets) those unanswered past the threshold, to escalate: the
    case managers with the most stalled first."""
    with_open = [member for member in load if member.open_requests]
    if not with_open:
        return Text("Information requests: none open", style="dim")
    total = sum(member.open_requests for member in with_open)
    line = Text(
        f"Information requests: {total} open (in brackets, stalled over {stalled_after} working days: escalate):"
    )
    named = sorted(with_open, key=lambda member: (-member.stalled_requests, -member.open_requests))[:REQUESTS_NAMED]
    for member in named:
        line.append(f"  {member.case_manager} {member.open_requests}")
        if member.stalled_requests:
            line.append(f" ({member.stalled_requests})", style="bold yellow")
    if len(with_open) > len(named):
        line.append(f"  and {len(with_open) - len(named)} more case managers", style="dim")
    return line


class DashboardScreen(DriveScreenMixin, Screen[None]):
    CSS_PATH = "dashboard.tcss"
    AUTO_FOCUS = "#team"
    BINDINGS = [
        Binding("g", "regroup", "Group", tooltip="Missing data by site or by case manager"),
        Binding("o", "outcomes", "Outcomes"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.by = "site"
        self.load: list[MemberLoad] = []
        self.missing_by: dict[str, MissingData] = {}
        self.missing: MissingData | None = None
        self.sensitive: set[str] = set()
        """Answer ids of fields the forms mark sensitive: their rows are not drawn in visit mode."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield VisitBadge()
        with Vertical(id="body"):
            yield from self._body()
        yield DriveFooter()

    def _body(self) -> Iterator[Widget]:
        yield Static(Text("Team", style="bold"), classes="section-title")
        yield DataTable(id="team", cursor_type="row")
        yield Static("", id="requests")
        yield Static("Reading the team's cases…", id="missing-title", classes="section-title")
        yield DataTable(id="missing", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        """The team's load at once, from the caseload the screen below has just read (``StoreReads``: a few
        milliseconds; a worker would fight the first frame for the GIL and take longer); then, once that is drawn,
        missing data in a worker (every current assessment of every case: for thousands of cases, a moment). The
        screen, Esc included, stays usable meanwhile."""
        if self.in_store(self._load_team, refused=lambda exc: self._unreadable(str(exc))):
            self.render_team()
            self.call_after_refresh(self.read_missing)

    @work(thread=True, exclusive=True, group="missing")
    def read_missing(self) -> None:
        if self.in_store(self._load_missing, refused=self._refused_in_worker):
            self.app.call_from_thread(self.render_missing)

    def _refused_in_worker(self, exc: StoreError) -> None:
        self.app.call_from_thread(self._unreadable, str(exc))

    def _unreadable(self, message: str) -> None:
        self.notify(message, severity="error")
        if self.is_current:
            self.app.pop_screen()

    def _load_team(self, tx: Tx) -> bool:
        snapshot = team_snapshot(tx, self.drive.reads.caseload(tx, today=self.drive.today))
        self.load = team_load(
            snapshot.schedules,
            snapshot.drafts,
            snapshot.open_conflicts,
            today=self.drive.today,
            requests=snapshot.requests,
            stalled_after=self.drive.settings.stalled_after_days,
        )
        return True

    def _load_missing(self, tx: Tx) -> bool:
        cases = self.drive.reads.all_cases(tx, today=self.drive.today)
        self.missing_by = missing_data_by(cases, lambda f, v: form_for(tx, f, v), GROUPINGS)
        self.sensitive = {
            answer_id
            for form in tx.forms.newest()
            for spec in form.fields()
            if spec.sensitive
            for answer_id in (spec.id, *spec.answer_ids)
        }
        return True

    def render_team(self) -> None:
        table = self.query_one("#team", DataTable)
        table.clear(columns=True)
        for label in (
            "Case manager",
            f"Open (guide {CASELOAD_GUIDE})",
            "Overdue",
            f"Due ≤{DUE_SOON_DAYS} days",
            f"Drafts >{STALE_DRAFT_DAYS} days",
            "Conflicts",
        ):
            table.add_column(label)
        for member in self.load:
            over = member.open_cases > CASELOAD_GUIDE
            table.add_row(
                Text(member.case_manager),
                Text(str(member.open_cases), style=ALERT if over else ""),
                Text(str(member.overdue), style=ALERT if member.overdue else "dim"),
                Text(str(member.due_soon), style="yellow" if member.due_soon else "dim"),
                Text(str(member.stale_drafts), style="yellow" if member.stale_drafts else "dim"),
                Text(str(member.conflicts), style="yellow" if member.conflicts else "dim"),
            )
        self._render_requests()

    def _render_requests(self) -> None:
        """Information requests open and stalled per case manager: the risk picture's work, not drawn in visit mode."""
        line = self.query_one("#requests", Static)
        line.display = not self.drive.visit_mode
        line.update(_requests_line(self.load, self.drive.settings.stalled_after_days))

    def render_missing(self) -> None:
        if not self.missing_by:  # still being read
            return
        missing = self.missing_by[self.by]
        self.missing = missing
        grouping = "site" if self.by == "site" else "case manager"
        self.query_one("#missing-title", Static).update(
            Text.assemble(
                ("Missing data", "bold"), f"  per field: % not known, % unanswered (where asked); by {grouping} (g)"
            )
        )
        table = self.query_one("#missing", DataTable)
        table.clear(columns=True)
        table.add_column("Field", width=self._field_width(missing))
        table.add_column("All")
        for group in missing.groups:
            table.add_column(group)
        hidden = self.sensitive if self.drive.visit_mode else set()
        for field_id, label in missing.fields:
            if field_id in hidden:  # even a sensitive field's label is not drawn in visit mode
                continue
            cells = [Text(label), _rate(missing.overall.get(field_id))]
            cells += [_rate(tallies.get(field_id)) for tallies in missing.groups.values()]
            table.add_row(*cells, key=field_id)

    def _field_width(self, missing: MissingData) -> int:
        """The field's label gives way so that every group's figures fit the screen (at 80 columns: three sites);
        a label cut short keeps its start, and the figures are what the supervisor reads across."""
        longest = max((len(label) for _, label in missing.fields), default=5)
        figures = sum(max(RATE_WIDTH, len(name)) + 2 for name in ("All", *missing.groups))  # with cell padding
        return max(MIN_FIELD_WIDTH, min(longest, self.app.size.width - figures - 4))

    def on_resize(self) -> None:
        if self.missing is not None:
            self.render_missing()

    async def visit_mode_changed(self) -> None:
        self._render_requests()
        if self.missing is not None and self.missing_by:
            self.render_missing()

    def action_regroup(self) -> None:
        self.by = GROUPINGS[(GROUPINGS.index(self.by) + 1) % len(GROUPINGS)]
        self.render_missing()

    def action_outcomes(self) -> None:
        from drive_tui.ui.screens.outcomes import OutcomesScreen

        self.app.push_screen(OutcomesScreen())

    def action_back(self) -> None:
        self.app.pop_screen()
