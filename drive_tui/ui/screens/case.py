"""One case: the Service User profile, linked victim/survivors (never in visit mode), and the assessment
timeline intake → 3 → 6 → 9 months → closure, from which assessments are started, resumed, read and amended."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Header, Static

from drive_tui.domain.models import Assessment, Case
from drive_tui.domain.schedule import SlotState
from drive_tui.domain.terms import ReviewDecision
from drive_tui.domain.vocab import AssessmentStatus, Timepoint
from drive_tui.store.assessments import amend_assessment, case_history, start_assessment
from drive_tui.store.caseload import CaseloadRow, caseload
from drive_tui.store.cases import get_case
from drive_tui.store.reviews import HELD_PREFIX, open_conflicts, reviews_of, sign_off
from drive_tui.store.store import Tx
from drive_tui.store.tables import ConflictRow, ReviewRow
from drive_tui.ui.labels import code_label
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.widgets.footer import DriveFooter
from drive_tui.ui.widgets.open_table import OpenTable
from drive_tui.ui.widgets.visit_badge import VisitBadge

STATE_STYLE = {
    SlotState.OVERDUE: "bold red",
    SlotState.DUE: "bold yellow",
    SlotState.DRAFT: "bold cyan",
    SlotState.SUBMITTED: "green",
    SlotState.AMENDED: "green",
    SlotState.NOT_DUE: "dim",
    SlotState.NOT_DONE: "dim",
}


class CaseScreen(DriveScreenMixin, Screen[None]):
    CSS_PATH = "case.tcss"
    AUTO_FOCUS = "#timeline"
    BINDINGS = [
        Binding("a", "next_assessment", "Next", tooltip="Start or resume the next assessment"),
        Binding("enter", "open_row", "Open"),
        Binding("m", "amend", "Amend"),
        Binding("e", "edit_profile", "Profile", tooltip="Edit the case profile"),
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
        self._resumed_before = False
        self._rebuilding = asyncio.Lock()

    def _load(self, tx: Tx) -> bool:
        self.overview = caseload(tx, today=self.drive.today, case_id=self.case_id)[0]
        self.case = get_case(tx, self.case_id)
        self.history = case_history(tx, self.case_id)
        self.reviews = {review.assessment_id: review for review in reviews_of(tx, self.case_id)}
        self.conflicts = open_conflicts(tx, self.case_id)
        self.supervising = tx.identity.may_sign_off
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
        top.compose_add_child(Static(_profile(case), id="profile"))
        if not self.drive.visit_mode:
            top.compose_add_child(Static(_victims(case), id="victims"))
        yield top
        if self.conflicts and not self.drive.visit_mode:
            yield Static(_conflicts_notice(self.conflicts), id="conflicts")
        yield Static("Assessments", classes="section-title")
        yield OpenTable(id="timeline", cursor_type="row")

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
        """Back from an assessment or the profile form: show what changed."""
        if self._resumed_before:
            await self.rebuild()
        self._resumed_before = True

    async def visit_mode_changed(self) -> None:
        await self.rebuild()

    def render_timeline(self, keep: str | None = None) -> None:
        """Fill the timeline; the cursor goes to ``keep`` (a row key) if given, else to the next assessment."""
        assert self.overview is not None
        table = self.query_one("#timeline", DataTable)
        table.clear(columns=True)
        for label in ("Assessment", "Due", "State", "Completed", "By"):
            table.add_column(label)
        by_timepoint: dict[Timepoint, list[Assessment]] = {}
        for assessment in self.history:
            by_timepoint.setdefault(assessment.timepoint, []).append(assessment)
        for slot in self.overview.schedule.slots:
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
            table.add_row(
                slot.timepoint.label,
                slot.due_on.isoformat(),
                state,
                main.completed_on.isoformat() if main and main.completed_on else "—",
                main.author if main else "—",
                key=main.id if main else f"slot:{slot.timepoint.value}",
            )
            for old in (a for a in records if a.status is AssessmentStatus.AMENDED):
                table.add_row(
                    Text(f"  ↳ {slot.timepoint.label} as first submitted", style="dim"),
                    "",
                    Text("Superseded", style="dim"),
                    old.completed_on.isoformat() if old.completed_on else "—",
                    old.author,
                    key=old.id,
                )
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

    def action_amend(self) -> None:
        key = self._selected_key()
        if key is None or key.startswith("slot:"):
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
        if action in ("sign_off", "return_assessment"):
            return self.supervising
        if action in ("next_assessment", "amend", "edit_profile"):
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
    table.title = f"Case {case.reference}"
    for label, value in (
        ("Site", case.site),
        ("Allocated", case.allocated_on.isoformat()),
        ("Case manager", case.case_manager),
        ("Status", case.status.label + (f" ({case.closed_on.isoformat()})" if case.closed_on else "")),
        ("Gender", code_label(su.gender)),
        ("Age", "—" if su.age is None else str(su.age)),
        ("Ethnicity", su.ethnicity or "—"),
        ("Employment", code_label(su.employment)),
        ("Children involved", code_label(su.children_involved)),
        ("Previous DVA offences", code_label(su.previous_dva_offences)),
        ("Other offences", code_label(su.previous_other_offences)),
        ("Custody", code_label(su.custody_status)),
    ):
        table.add_row(label, value)
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


def _conflicts_notice(conflicts: list[ConflictRow]) -> Text:
    """What waits to be settled on this case (its values are shown by ``drive-tui conflicts``, not here)."""
    held = sum(conflict.field.startswith(HELD_PREFIX) for conflict in conflicts)
    parts = [f"{len(conflicts) - held} field(s) set differently on two devices"] if len(conflicts) > held else []
    if held:
        parts.append(f"{held} change(s) from the previous case manager held for you to accept or discard")
    return Text(f"⚠ {'; '.join(parts)} — settle with `drive-tui conflicts`", style="bold yellow")
