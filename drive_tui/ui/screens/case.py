"""One case: the Service User profile, linked victim/survivors (never in visit mode), and its timeline — the
assessments intake → 3 → 6 → 9 months → closure, interleaved by date with the work log — from which assessments are
started, resumed, read and amended and work is logged and corrected. Open information requests are counted above
it, those left too long as stalled.

Visit mode draws only the Service User's own contact with Drive from the work log: attempts and sessions, never
multi-agency work nor anything the victim/survivor alone told."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator

from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Header, Static

from drive_tui.domain.casework import ContactStrategy, InfoRequest, WorkLogEntry, info_requests
from drive_tui.domain.models import Assessment, Case
from drive_tui.domain.schedule import SlotState
from drive_tui.domain.terms import ReviewDecision
from drive_tui.domain.vocab import AssessmentStatus, Timepoint, WorkKind
from drive_tui.store.assessments import amend_assessment, case_history, start_assessment
from drive_tui.store.caseload import CaseloadRow, caseload
from drive_tui.store.cases import get_case
from drive_tui.store.reviews import HELD_PREFIX, open_conflicts, reviews_of, sign_off
from drive_tui.store.store import Tx
from drive_tui.store.strategy import strategy_of
from drive_tui.store.tables import ConflictRow, ReviewRow
from drive_tui.store.work_log import work_log
from drive_tui.ui.labels import code_label, ethnicity_label
from drive_tui.ui.marks import ALERT
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.screens.strategy import describe
from drive_tui.ui.store_reads import Version, version
from drive_tui.ui.widgets.footer import DriveFooter
from drive_tui.ui.widgets.open_table import OpenTable
from drive_tui.ui.widgets.visit_badge import VisitBadge
from drive_tui.ui.work_text import SOLE_SOURCE_MARK, outcome, plural, what

STATE_STYLE = {
    SlotState.OVERDUE: ALERT,
    SlotState.DUE: "bold yellow",
    SlotState.DRAFT: "bold cyan",
    SlotState.SUBMITTED: "green",
    SlotState.AMENDED: "green",
    SlotState.NOT_DUE: "dim",
    SlotState.NOT_DONE: "dim",
}
FILTERS = ("all", "assessments", *(kind.value for kind in WorkKind))
"""What the timeline shows (``k`` cycles): everything, the assessments, or one kind of work."""
FILTER_LABELS = {"all": "everything", "assessments": "assessments"} | {
    kind.value: kind.label.lower() for kind in WorkKind
}
WORK_PREFIX = "work:"
COMPACT_BELOW_ROWS = 32
"""On a screen shorter than this the profile takes six lines, not thirteen: the timeline needs the room."""
TimelineRow = tuple[tuple[dt.date, int, int], tuple[object, ...], str]
"""(where it sorts, its cells, its key): assessments and work-log entries, merged by date."""


class CaseScreen(DriveScreenMixin, Screen[None]):
    CSS_PATH = "case.tcss"
    AUTO_FOCUS = "#timeline"
    BINDINGS = [
        Binding("a", "next_assessment", "Next", tooltip="Start or resume the next assessment"),
        Binding("enter", "open_row", "Open", tooltip="Open the selected assessment, or a work-log entry to correct it"),
        Binding("m", "amend", "Amend"),
        Binding("w", "log_work", "Log work", tooltip="Log a contact attempt, a session or multi-agency work"),
        Binding("e", "edit_profile", "Profile", tooltip="Edit the case profile", show=False),  # its title says (e)
        Binding("s", "strategy", "Strategy", tooltip="The contact strategy: its plan, and if agreed", show=False),
        Binding("k", "filter_kind", "Filter", tooltip="Timeline: all, assessments, or one kind of work", show=False),
        Binding(
            "v", "victims", "V/S", tooltip="Add or edit the case's victim/survivors (not in visit mode)", show=False
        ),  # the pane's title says "(v)": the footer keeps room for F1, F2 and Ctrl+Q at 80 columns
        Binding("h", "history", "History"),
        Binding("r", "sign_off", "Reviewed", tooltip="Mark the selected assessment reviewed"),
        Binding("t", "return_assessment", "Return", tooltip="Return the selected assessment with a comment"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, case_id: str, *, ask_for_victim: bool = False) -> None:
        """``ask_for_victim``: a case just created — once shown, the victim/survivor form opens over it (Esc skips)."""
        super().__init__()
        self.case_id = case_id
        self.ask_for_victim = ask_for_victim
        self.overview: CaseloadRow | None = None
        self.case: Case | None = None
        self.history: list[Assessment] = []
        self.reviews: dict[str, ReviewRow] = {}
        """Assessment id → its latest sign-off or return."""
        self.supervising = False
        """This device is a supervisor's: assessments can be signed off or returned, not edited."""
        self.conflicts: list[ConflictRow] = []
        self.strategy: ContactStrategy | None = None
        self.entries: list[WorkLogEntry] = []
        """The case's work log, oldest first."""
        self.requests: dict[str, InfoRequest] = {}
        """Request entry id → the request with its answer, if any."""
        self.kind_filter = "all"
        self._compact = False
        self._shown: Version | None = None
        """The store's version (``store_reads.version``) behind what is drawn."""
        self._resumed_before = False
        self._rebuilding = asyncio.Lock()

    def _load(self, tx: Tx) -> bool:
        self.overview = caseload(tx, today=self.drive.today, case_id=self.case_id)[0]
        self.case = get_case(tx, self.case_id)
        self.history = case_history(tx, self.case_id)
        self.reviews = {review.assessment_id: review for review in reviews_of(tx, self.case_id)}
        self.conflicts = open_conflicts(tx, self.case_id)
        self.entries = work_log(tx, self.case_id)[::-1]
        self.strategy = strategy_of(tx, self.case_id)
        self.requests = {request.request.id: request for request in info_requests(self.entries)}
        self.supervising = tx.identity.may_sign_off
        self._shown = version(tx, self.drive.today)
        return True

    def compose(self) -> ComposeResult:
        yield Header()
        yield VisitBadge()
        yield Vertical(id="body")
        yield DriveFooter()

    def _body(self) -> Iterator[Widget]:
        """The parts that change with the data and with visit mode (rebuilt; the header and footer stay)."""
        assert self.case is not None
        case = self.case
        top = Horizontal(id="case-top")
        self._compact = self.app.size.height < COMPACT_BELOW_ROWS
        top.compose_add_child(Static(_compact_profile(case) if self._compact else _profile(case), id="profile"))
        if not self.drive.visit_mode:
            top.compose_add_child(Static(_victims(case), id="victims"))
        yield top
        if self.conflicts and not self.drive.visit_mode:
            yield Static(_conflicts_notice(self.conflicts), id="conflicts")
        if not self.drive.visit_mode:
            yield Static(Text.assemble(("Contact strategy (s): ", "bold"), describe(self.strategy)), id="strategy")
        if not self.drive.visit_mode and self.requests:
            notice = _requests_notice(list(self.requests.values()), self.drive.today, self.stalled_after)
            yield Static(notice, id="requests")
        yield Static(self._timeline_title(), id="timeline-title", classes="section-title")
        yield OpenTable(id="timeline", cursor_type="row")

    @property
    def stalled_after(self) -> int:
        return self.drive.settings.stalled_after_days

    def _timeline_title(self) -> Text:
        title = Text.assemble(("Timeline", "bold"), f": {FILTER_LABELS[self.kind_filter]} (k) · w: log work")
        if self.drive.visit_mode:  # how much is hidden is not said: a count is news to the one opposite
            title.append(" · work with agencies hidden", "dim")
        elif any(entry.vs_sole_source for entry in self.entries):
            title.append(f" · {SOLE_SOURCE_MARK}: from the victim/survivor alone, never tell the SU", ALERT)
        return title

    def _filters(self) -> tuple[str, ...]:
        """What ``k`` cycles through: in visit mode, not multi-agency work (none of it is drawn)."""
        if self.drive.visit_mode:
            return tuple(name for name in FILTERS if name != WorkKind.INDIRECT.value)
        return FILTERS

    async def rebuild(self) -> None:
        """Read the case again and redraw it, keeping the timeline's cursor where it was."""
        async with self._rebuilding:  # a resume and a sign-off may both ask at once
            keep = self._selected_key() if self.query("#timeline") else None
            if not self.in_store(self._load):
                if self.case is None:  # never shown: go back to where the key was pressed
                    self.app.pop_screen()
                return
            await self.refill(self.query_one("#body", Vertical), self._body())
            self.render_timeline(keep=keep)
            self.query_one("#timeline", DataTable).focus()

    async def on_mount(self) -> None:
        await self.rebuild()
        if self.ask_for_victim and self.case is not None and not self.case.victims and not self.drive.visit_mode:
            from drive_tui.ui.screens.victim_form import VictimFormScreen

            self.app.push_screen(VictimFormScreen(self.case, None))

    async def on_screen_resume(self) -> None:
        """Back from an assessment, a form or a dialog: show what changed — nothing to read again if nothing did (a
        case of hundreds of work-log entries is a tenth of a second to read and draw)."""
        if self._resumed_before and self.in_store(lambda tx: version(tx, self.drive.today)) != self._shown:
            await self.rebuild()
        self._resumed_before = True

    async def on_resize(self) -> None:
        if self.case is not None and (self.app.size.height < COMPACT_BELOW_ROWS) != self._compact:
            await self.rebuild()
        elif self.case is not None and self.query("#timeline"):
            self.render_timeline(keep=self._selected_key())  # the columns fit the new width

    async def visit_mode_changed(self) -> None:
        if self.kind_filter not in self._filters():
            self.kind_filter = "all"
        await self.rebuild()

    def render_timeline(self, keep: str | None = None) -> None:
        """Fill the timeline, filtered; the cursor goes to ``keep`` (a row key) if given, else to the next
        assessment."""
        assert self.overview is not None
        table = self.query_one("#timeline", DataTable)
        table.clear(columns=True)
        rows: list[TimelineRow] = []
        if self.kind_filter in ("all", "assessments"):
            rows += self._assessment_rows()
        if self.kind_filter != "assessments":
            rows += self._work_rows()
        widths = _column_widths([cells for _, cells, _ in rows], self.size.width)
        for label, width in zip(("Date", "What", "State", "By"), widths, strict=True):
            table.add_column(label, width=width)
        for _, cells, key in sorted(rows, key=lambda row: row[0]):
            table.add_row(*(_fitted(cell, width) for cell, width in zip(cells, widths, strict=True)), key=key)
        keys = [str(k.value) for k in table.rows]
        if keep in keys:
            table.move_cursor(row=keys.index(keep))
            return
        next_slot = self.overview.schedule.next
        if next_slot is not None:
            for index, key in enumerate(keys):
                if key == f"slot:{next_slot.timepoint.value}" or key in {
                    a.id for a in self.history if a.timepoint is next_slot.timepoint and a.is_draft
                }:
                    table.move_cursor(row=index)
                    break

    def _assessment_rows(self) -> list[TimelineRow]:
        """One row per timepoint (dated when completed, else when due; never before the timepoint ahead of it) and
        one per superseded record under it."""
        assert self.overview is not None
        by_timepoint: dict[Timepoint, list[Assessment]] = {}
        for assessment in self.history:
            by_timepoint.setdefault(assessment.timepoint, []).append(assessment)
        rows: list[TimelineRow] = []
        floor = dt.date.min
        for order, slot in enumerate(self.overview.schedule.slots):
            records = by_timepoint.get(slot.timepoint, [])
            current = next((a for a in records if a.status is AssessmentStatus.SUBMITTED), None)
            draft = next((a for a in records if a.is_draft), None)
            main = current or draft
            state = Text(slot.state.label, style=STATE_STYLE[slot.state])
            if current is not None and draft is not None:
                state.append(" · amendment in draft", style="cyan")
            review = self.reviews.get(current.id) if current is not None else None
            if review is not None:
                state.append(*_review_note(review, hide_comment=self.drive.visit_mode))
            done = current.completed_on if current is not None else None
            day = max(done or slot.due_on, floor)  # not done: the date it is due
            floor = day
            rows.append(
                (
                    (day, 0, order * 10),
                    (day.isoformat(), f"{slot.timepoint.label} assessment", state, main.author if main else "—"),
                    main.id if main else f"slot:{slot.timepoint.value}",
                )
            )
            for number, old in enumerate(a for a in records if a.status is AssessmentStatus.AMENDED):
                rows.append(
                    (
                        (day, 0, order * 10 + 1 + number),
                        (
                            Text(old.completed_on.isoformat() if old.completed_on else "", style="dim"),
                            Text(f"  ↳ {slot.timepoint.label} as first submitted", style="dim"),
                            Text("Superseded", style="dim"),
                            old.author,
                        ),
                        old.id,
                    )
                )
        return rows

    def _work_rows(self) -> list[TimelineRow]:
        """The work log's entries of the chosen kind; in visit mode only those it may show."""
        rows: list[TimelineRow] = []
        for order, entry in enumerate(self.entries):
            if self.kind_filter not in ("all", entry.kind.value) or (self.drive.visit_mode and not entry.visit_safe):
                continue
            request = self.requests.get(entry.id)
            state = Text(outcome(entry, request, self.drive.today, stalled_after=self.stalled_after))
            if request is not None and request.stalled(self.drive.today, after=self.stalled_after):
                state.stylize("bold yellow")
            if entry.vs_sole_source:  # first, where a narrow screen cannot cut it off
                state = Text.assemble((SOLE_SOURCE_MARK, ALERT), " · " if state else "", state)
            rows.append(((entry.date, 1, order), (entry.date.isoformat(), what(entry), state, entry.recorded_by),
                         WORK_PREFIX + entry.id))  # fmt: skip
        return rows

    def _selected_key(self) -> str | None:
        table = self.query_one("#timeline", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_row()

    def action_open_row(self) -> None:
        key = self._selected_key()
        if key is None:
            return
        if key.startswith("slot:"):
            self._start(Timepoint(key.removeprefix("slot:")))
        elif key.startswith(WORK_PREFIX):
            entry = next((e for e in self.entries if e.id == key.removeprefix(WORK_PREFIX)), None)
            if entry is not None and (entry.visit_safe or not self.drive.visit_mode):
                self._work_form(entry)
        else:
            self._open(key)

    def action_next_assessment(self) -> None:
        assert self.overview is not None
        if self.overview.schedule.next is None:
            self.notify("This case has no assessment left to do.", severity="warning")
            return
        self._start(self.overview.schedule.next.timepoint)

    def _start(self, timepoint: Timepoint) -> None:
        assert self.overview is not None
        next_slot = self.overview.schedule.next
        if next_slot is not None and timepoint is not next_slot.timepoint and timepoint is not Timepoint.CLOSURE:
            self.notify(f"The next assessment is {next_slot.timepoint.label}.", severity="warning")
            return
        assessment = self.in_store(lambda tx: start_assessment(tx, self.case_id, timepoint))
        if assessment is not None:
            self._open(assessment.id)

    def _open(self, assessment_id: str) -> None:
        from drive_tui.ui.screens.assessment import AssessmentScreen

        self.app.push_screen(AssessmentScreen(assessment_id))

    def action_log_work(self) -> None:
        self._work_form(None)

    def _work_form(self, entry: WorkLogEntry | None) -> None:
        if self.case is None:
            return
        from drive_tui.ui.screens.work_entry import WorkEntryScreen

        agreed = self.strategy is not None and self.strategy.agreed
        self.app.push_screen(WorkEntryScreen(self.case, self.entries, entry, strategy_agreed=agreed))

    def action_strategy(self) -> None:
        if self.drive.visit_mode or self.case is None:
            return
        from drive_tui.ui.screens.strategy import StrategyScreen

        self.app.push_screen(StrategyScreen(self.case, self.strategy, supervising=self.supervising))

    async def action_filter_kind(self) -> None:
        filters = self._filters()
        at = filters.index(self.kind_filter) if self.kind_filter in filters else -1
        self.kind_filter = filters[(at + 1) % len(filters)]
        self.query_one("#timeline-title", Static).update(self._timeline_title())
        self.render_timeline()

    def action_amend(self) -> None:
        key = self._selected_key()
        if key is None or key.startswith(("slot:", WORK_PREFIX)):
            self.notify("Choose a submitted assessment to amend.", severity="warning")
            return
        amendment = self.in_store(lambda tx: amend_assessment(tx, key))
        if amendment is None:
            return
        self.notify("Amendment started: the original is kept; submit the amendment to replace it.")
        self._open(amendment.id)

    def action_edit_profile(self) -> None:
        from drive_tui.ui.screens.case_form import CaseFormScreen

        self.app.push_screen(CaseFormScreen(self.case))

    async def action_victims(self) -> None:
        """Add a victim/survivor, or choose one to edit (never in visit mode: not even the list is drawn)."""
        if self.drive.visit_mode or self.case is None:
            return
        from drive_tui.ui.screens.victim_choice import VictimChoiceScreen
        from drive_tui.ui.screens.victim_form import VictimFormScreen

        case = self.case

        def open_form(index: int | None) -> None:
            if index is not None and not self.drive.visit_mode:
                self.app.push_screen(VictimFormScreen(case, None if index < 0 else index))

        if case.victims:
            self.app.push_screen(VictimChoiceScreen(case), open_form)
        else:
            open_form(-1)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Sign-off keys only on a supervisor's device; editing keys only on a case manager's; victim/survivors
        not in visit mode."""
        if action == "victims":
            return not self.supervising and not self.drive.visit_mode
        if action == "strategy":
            return not self.drive.visit_mode
        if action in ("sign_off", "return_assessment"):
            return self.supervising
        if action in ("next_assessment", "amend", "edit_profile", "log_work"):
            return not self.supervising
        return True

    def _selected_submitted(self) -> Assessment | None:
        key = self._selected_key()
        chosen = next((a for a in self.history if a.id == key), None)
        if chosen is None or chosen.is_draft:
            self.notify("Choose a submitted assessment.", severity="warning")
            return None
        return chosen

    async def _record_review(self, assessment: Assessment, decision: ReviewDecision, comment: str = "") -> None:
        if self.in_store(lambda tx: sign_off(tx, assessment.id, decision, comment)) is None:
            return
        self.notify(f"{assessment.timepoint.label} assessment {decision.label}; it reaches them on the next sync.")
        await self.rebuild()

    async def action_sign_off(self) -> None:
        chosen = self._selected_submitted()
        if chosen is not None:
            await self._record_review(chosen, ReviewDecision.REVIEWED)

    def action_return_assessment(self) -> None:
        chosen = self._selected_submitted()
        if chosen is None:
            return
        from drive_tui.ui.screens.comment import CommentScreen

        async def returned(comment: str | None) -> None:
            if comment:
                await self._record_review(chosen, ReviewDecision.RETURNED, comment)

        self.app.push_screen(
            CommentScreen(
                f"Return the {chosen.timepoint.label.lower()} assessment: what needs correcting?",
                "e.g. check the contact setting",
            ),
            returned,
        )

    def action_history(self) -> None:
        from drive_tui.ui.screens.history import HistoryScreen

        self.app.push_screen(HistoryScreen(self.case_id))

    def action_back(self) -> None:
        self.app.pop_screen()


def _column_widths(rows: list[tuple[object, ...]], screen: int) -> list[int]:
    """Date, What, State and By, each as wide as its longest cell while they fit the screen; when they do not, State
    (where a supervisor's comment is) keeps its width but for 24 columns left to What, and What gives way — at 80
    columns a long agency action had pushed the state, the comment and who did it off the edge."""

    def longest(index: int, label: str) -> int:
        return max([len(label), *(_cell_width(row[index]) for row in rows)])

    date, what, state, by = longest(0, "Date"), longest(1, "What"), longest(2, "State"), min(12, longest(3, "By"))
    room = screen - 2 * 4 - 2 - date - by  # each column's padding, the scroll bar
    if what + state > room:
        state = min(state, max(16, room - 24))
        what = max(16, room - state)
    return [date, what, state, by]


def _fitted(cell: object, width: int) -> object:
    """A cell cut to its column with an ellipsis, so that a cut reads as one (the whole text is on the entry)."""
    if _cell_width(cell) <= width:
        return cell
    text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
    text.truncate(width, overflow="ellipsis")
    return text


def _cell_width(cell: object) -> int:
    return cell.cell_len if isinstance(cell, Text) else Text(str(cell)).cell_len


def _review_note(review: ReviewRow, *, hide_comment: bool) -> tuple[str, str]:
    if review.decision == ReviewDecision.REVIEWED:
        return (f" · reviewed by {review.reviewer}", "green")
    comment = "" if hide_comment or not review.comment else f": {review.comment}"
    return (f" · RETURNED by {review.reviewer}{comment}", "bold magenta")


def _profile(case: Case) -> Table:
    su = case.service_user
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold")
    table.add_column()
    table.title = f"Case {escape(case.reference)} (e)"  # a title is read as markup: the reference escaped
    for label, value in (
        ("Site", case.site),
        ("Allocated", case.allocated_on.isoformat()),
        ("Case manager", case.case_manager),
        ("Status", case.status.label + (f" ({case.closed_on.isoformat()})" if case.closed_on else "")),
        ("Gender", code_label(su.gender)),
        ("Age", "—" if su.age is None else str(su.age)),
        ("Ethnicity", ethnicity_label(su.ethnicity, su.ethnicity_recorded)),
        ("Employment", code_label(su.employment)),
        ("Children involved", code_label(su.children_involved)),
        ("Previous DVA offences", code_label(su.previous_dva_offences)),
        ("Other offences", code_label(su.previous_other_offences)),
        ("Custody", code_label(su.custody_status)),
    ):
        table.add_row(label, Text(value))  # Text: what was typed is shown as written, never read as markup
    return table


def _compact_profile(case: Case) -> Table:
    """The profile in six lines, for a short screen: every item of the full one, run together."""
    su = case.service_user
    table = Table.grid()
    table.add_column()
    table.title = f"Case {escape(case.reference)} (e)"  # a title is read as markup: the reference escaped
    status = case.status.label + (f" {case.closed_on.isoformat()}" if case.closed_on else "")
    age = "age —" if su.age is None else str(su.age)
    ethnicity = ethnicity_label(su.ethnicity, su.ethnicity_recorded, short=True) if su.ethnicity else "ethnicity —"
    for line in (  # short lines: the victim/survivors pane beside it keeps its room at 80 columns
        f"{case.site} · allocated {case.allocated_on.isoformat()}",
        f"{case.case_manager} · {status}",
        f"SU: {code_label(su.gender)}, {age}, {ethnicity}, {code_label(su.employment)}",
        f"Children involved: {code_label(su.children_involved)}",
        f"Previous offences: DVA {code_label(su.previous_dva_offences)}, other "
        f"{code_label(su.previous_other_offences)}",
        f"Custody: {code_label(su.custody_status)}",
    ):
        table.add_row(Text(line))
    return table


def _victims(case: Case) -> Table:
    table = Table.grid(padding=(0, 1))
    table.title = "Victim/survivors (v)"
    table.add_column(style="bold")
    table.add_column()
    if not case.victims:
        table.add_row("None linked", "")
    for number, victim in enumerate(case.victims, start=1):
        age = "" if victim.age is None else f", {victim.age}"
        idva = {True: "Idva engaged", False: "no Idva", None: "Idva not known"}[victim.idva_engaged]
        if victim.idva_service:
            idva += f" ({victim.idva_service})"
        table.add_row(f"{number}.", f"{code_label(victim.relationship)}, {code_label(victim.gender)}{age}; {idva}")
    return table


def _requests_notice(requests: list[InfoRequest], today: dt.date, stalled_after: int) -> Text:
    """Information requests still open, and those past the threshold: escalate them (p.29)."""
    still_open = [request for request in requests if request.open]
    stalled = [request for request in still_open if request.stalled(today, after=stalled_after)]
    answered = len(requests) - len(still_open)
    if not still_open:
        return Text(f"Information requests: {answered} answered, none open", style="dim")
    text = Text(f"Information requests: {len(still_open)} open, {answered} answered")
    if stalled:
        oldest = max(stalled, key=lambda request: request.working_days_open(today))
        agency = oldest.request.agency.label if oldest.request.agency else "?"
        waited = plural(oldest.working_days_open(today), "working day")
        text.append(
            f" · {len(stalled)} of them stalled — escalate (the oldest: {agency}, {waited})", style="bold yellow"
        )
    return text


def _conflicts_notice(conflicts: list[ConflictRow]) -> Text:
    """What waits to be settled on this case (its values are shown by ``drive-tui conflicts``, not here)."""
    held = sum(conflict.field.startswith(HELD_PREFIX) for conflict in conflicts)
    parts = [f"{len(conflicts) - held} field(s) set differently on two devices"] if len(conflicts) > held else []
    if held:
        parts.append(f"{held} change(s) from the previous case manager held for you to accept or discard")
    return Text(f"⚠ {'; '.join(parts)} — settle with `drive-tui conflicts`", style="bold yellow")
