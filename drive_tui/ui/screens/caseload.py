"""The caseload: one row per case with its next assessment, due date and what is overdue; filter, sort, open."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static

from drive_tui.domain.schedule import SlotState
from drive_tui.domain.terms import Identity
from drive_tui.domain.vocab import CaseStatus, RiskToVictim
from drive_tui.store.caseload import CASELOAD_GUIDE, CaseloadRow, Overview, SyncStatus, read_overview
from drive_tui.ui.marks import ALERT
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.store_reads import version
from drive_tui.ui.widgets.cell import Cell
from drive_tui.ui.widgets.footer import DriveFooter
from drive_tui.ui.widgets.open_table import OpenTable
from drive_tui.ui.widgets.visit_badge import VisitBadge

SORTS = ("due", "reference", "site", "status")

FIRST_ROWS = 120
"""Rows put in the table before its first frame: twice the terminal's height (a screenful and a page more), at most
this many; the rest go in straight after it. Adding a row costs DataTable ~12 µs and working out its cells as much
again: 2,000 of them were ~25 ms of start-up that the first frame need not wait for."""


if TYPE_CHECKING:
    from drive_tui.store.store import Tx


class CaseloadScreen(DriveScreenMixin, Screen[None]):
    CSS_PATH = "caseload.tcss"
    AUTO_FOCUS = "#cases"
    BINDINGS = [
        Binding("enter", "open_case", "Open"),
        Binding("slash", "filter", "Filter"),
        Binding("n", "new_case", "New", tooltip="New case"),
        Binding("s", "sort", "Sort", tooltip="Sort by due date, reference, site or status"),
        Binding("y", "sync", "Sync"),
        Binding("d", "dashboard", "Team", tooltip="Team dashboard: caseloads, overdue, missing data"),
        Binding("o", "outcomes", "Outcomes"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self, overview: Overview | None = None) -> None:
        """``overview``: the caseload as read when the store's file was opened; else it is read from the store."""
        super().__init__()
        self.rows: list[CaseloadRow] = overview.rows if overview else []
        self.sort = "due"
        self.sync_status: SyncStatus | None = overview.sync if overview else None
        self.identity: Identity | None = overview.identity if overview else None
        self.syncing = False
        self._resumed_before = False
        self._loaded = overview is not None
        self._drawn: dict[str, tuple[str, ...]] = {}
        """Row key → the texts of its cells, as drawn (to redraw only what changed)."""
        self._columns: tuple[int, bool] | None = None
        self._shown: tuple[object, ...] | None = None
        """The store's version (``read_version``) behind the rows shown; None until read through the store."""
        self._rest: list[CaseloadRow] = []
        """Rows still to go into the table after its first frame (``FIRST_ROWS``)."""
        self._select_after_rest: str | None = None

    def compose(self) -> ComposeResult:
        yield VisitBadge()
        yield Header()
        yield Static("", id="caseload-summary")
        yield Input(placeholder="Filter: a reference, site, status, or overdue, draft, due (/)", id="filter")
        yield OpenTable(id="cases", cursor_type="row", zebra_stripes=True)
        yield DriveFooter()

    def on_mount(self) -> None:
        if self._loaded:
            self.render_table()
        else:
            self.reload()

    def on_screen_resume(self) -> None:
        """Back from a case: read the caseload again only if something changed (with 2,000 cases a reread and
        redraw is a few hundred milliseconds)."""
        if self._resumed_before and self.in_store(lambda tx: version(tx, self.drive.today)) != self._shown:
            self.reload()
        self._resumed_before = True

    async def visit_mode_changed(self) -> None:
        if self.query("#cases"):
            self.render_table()

    def reload(self) -> None:
        def read(tx: Tx) -> Overview:
            self._shown = version(tx, self.drive.today)
            return read_overview(tx.dbapi, today=self.drive.today, grace_days=tx.grace_days, login=tx.identity.user)

        overview = self.in_store(read)
        if overview is not None:
            self.rows, self.sync_status, self.identity = overview.rows, overview.sync, overview.identity
            assert self._shown is not None
            self.drive.reads.remember_caseload(self._shown, overview.rows)
        self.render_table()

    def render_table(self) -> None:
        table = self.query_one("#cases", DataTable)
        self._add_rest()  # the table is whole before it is compared or rebuilt
        needle = self.query_one("#filter", Input).value.strip().lower()
        shown = [row for row in self._sorted(self.rows) if _matches(row, needle)]
        # Widths fixed (no measuring of thousands of cells), the reference's from the longest one: with the status
        # shown in Next ("Closed"), every column fits 80 columns with a reference of up to 16 characters.
        longest = max((len(row.case.reference) for row in self.rows), default=9)
        columns = (min(max(longest, 9), 16), self.drive.visit_mode)
        if columns == self._columns and [row.case.id for row in shown] == list(self._drawn):
            self._update_changed(table, shown)  # the same rows in the same order: redraw only what changed
        else:
            self._rebuild(table, shown, columns)
        self._summarise(len(shown), needle)

    def _cells(self, row: CaseloadRow) -> list[Cell]:
        next_slot = row.schedule.next
        cells = [  # Cell, not str: no markup parsing of case data, and no measuring (the widths are set)
            Cell(row.case.reference),
            Cell(row.case.site),
            Cell(next_slot.timepoint.label if next_slot else row.case.status.label),
            Cell(next_slot.due_on.isoformat() if next_slot else "—"),
            _alert(row),
        ]
        if not self.drive.visit_mode:
            cells.append(Cell(RiskToVictim(row.last_risk_to_victim).label if row.last_risk_to_victim else "—"))
        return cells

    def _rebuild(self, table: DataTable, shown: list[CaseloadRow], columns: tuple[int, bool]) -> None:
        selected = self._selected_id()
        table.clear(columns=True)
        self._drawn = {}
        table.add_column("Reference", key="reference", width=columns[0])
        table.add_column("Site", key="site", width=11)
        table.add_column("Next", key="next", width=8)
        table.add_column("Due", key="due", width=10)
        table.add_column("Overdue", key="overdue", width=12)
        if not columns[1]:
            table.add_column("Risk", key="risk", width=9)
        self._columns = columns
        first = min(FIRST_ROWS, 2 * self.app.size.height)
        self._add_rows(table, shown[:first])
        self._rest, self._select_after_rest = shown[first:], selected
        if self._rest:
            self.call_after_refresh(self._add_rest)
        else:
            self._select(table, selected)

    def _add_rows(self, table: DataTable, rows: list[CaseloadRow]) -> None:
        for row in rows:
            cells = self._cells(row)
            table.add_row(*cells, key=row.case.id)
            self._drawn[row.case.id] = tuple(cell.text for cell in cells)

    def _add_rest(self) -> None:
        """The rows after the first screenful or two, and the cursor back on the case it was on."""
        if not self._rest:
            return
        table = self.query_one("#cases", DataTable)
        rest, self._rest = self._rest, []
        self._add_rows(table, rest)
        self._select(table, self._select_after_rest)

    @staticmethod
    def _select(table: DataTable, case_id: str | None) -> None:
        if case_id is not None and case_id in table.rows:
            table.move_cursor(row=table.get_row_index(case_id))

    def _update_changed(self, table: DataTable, shown: list[CaseloadRow]) -> None:
        keys = ("reference", "site", "next", "due", "overdue", "risk")
        for row in shown:
            cells = self._cells(row)
            texts = tuple(cell.text for cell in cells)
            before = self._drawn[row.case.id]
            if texts == before:
                continue
            for column_key, cell, old in zip(keys, cells, before, strict=False):
                if cell.text != old:
                    table.update_cell(row.case.id, column_key, cell)
            self._drawn[row.case.id] = texts

    def _summarise(self, shown_count: int, needle: str) -> None:
        open_cases = sum(1 for row in self.rows if row.case.status is CaseStatus.OPEN)
        overdue_cases = sum(1 for row in self.rows if row.is_overdue)
        guide = f"{open_cases} open (guide {CASELOAD_GUIDE})" + (
            " — over the guide" if open_cases > CASELOAD_GUIDE else ""
        )
        filtered = f" · showing {shown_count} of {len(self.rows)}" if needle else ""
        syncing = "syncing…" if self.syncing else self.sync_status.describe() if self.sync_status else ""
        summary = f"{guide} · {overdue_cases} overdue · sorted by {self.sort}{filtered} · {syncing}"
        if not self.rows:
            can_create = self.identity is None or self.identity.may_create_cases
            hint = "press n to add one" if can_create else "your team's cases arrive with a sync (y)"
            summary = f"No cases yet: {hint} · {syncing}"
        self.query_one("#caseload-summary", Static).update(Text(summary))

    def _sorted(self, rows: list[CaseloadRow]) -> list[CaseloadRow]:
        if self.sort == "reference":
            return sorted(rows, key=lambda r: r.case.reference)
        if self.sort == "site":
            return sorted(rows, key=lambda r: (r.case.site, r.case.reference))
        if self.sort == "status":
            return sorted(rows, key=lambda r: (r.case.status.value, not r.is_overdue, r.case.reference))
        return rows  # the store's order: open first, by next due date

    def _selected_id(self) -> str | None:
        table = self.query_one("#cases", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.render_table()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter opens the first case it shows (the only one, when a reference is typed)."""
        table = self.query_one("#cases", DataTable)
        table.focus()
        if table.row_count:
            table.move_cursor(row=0)
            await self.action_open_case()

    async def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        await self.action_open_case()

    async def action_open_case(self) -> None:
        case_id = self._selected_id()
        if case_id is not None:
            await self.drive.wait_for_store()
            from drive_tui.ui.screens.case import CaseScreen

            self.app.push_screen(CaseScreen(case_id))

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""
        self.query_one("#cases", DataTable).focus()

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.render_table()

    def help_marks(self) -> list[tuple[str, str]]:
        """What the Overdue column's marks mean, for F1."""
        grace = self.drive.settings.grace_days
        return [
            (
                "! 3 months",
                f"overdue: past its due date and {grace} days' grace, not submitted (+2: two more behind it)",
            ),
            ("! 3 months ✎", "overdue, and a draft of it started"),
            ("✎ draft", "the next assessment is started, not yet submitted"),
            ("due now", f"the next assessment is due: submit it within {grace} days of its due date"),
            ("—", "nothing due yet (Next and Due say what comes, and when)"),
        ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No new cases on a supervisor's device (cases come from their case managers)."""
        if action == "new_case":
            return self.identity is None or self.identity.may_create_cases
        return True

    async def action_dashboard(self) -> None:
        await self.drive.wait_for_store()
        from drive_tui.ui.screens.dashboard import DashboardScreen

        self.app.push_screen(DashboardScreen())

    async def action_outcomes(self) -> None:
        await self.drive.wait_for_store()
        from drive_tui.ui.screens.outcomes import OutcomesScreen

        self.app.push_screen(OutcomesScreen())

    async def action_sync(self) -> None:
        """Sync in a worker thread: the screen stays usable, drafts keep saving (the store serialises writes)."""
        await self.drive.wait_for_store()
        if self.syncing:
            return
        if self.sync_status is not None and not self.sync_status.enrolled:
            self.notify("This device is not enrolled: run `drive-tui enrol URL CODE` first.", severity="warning")
            return
        self.syncing = True
        self.render_table()
        self._run_sync()

    @work(thread=True, exclusive=True, group="sync")
    def _run_sync(self) -> None:
        from drive_tui.sync.client import SyncError
        from drive_tui.sync.engine import sync_device

        store = self.drive.store
        assert store is not None
        try:
            report = sync_device(store, self.drive.settings, self.drive.keychain)
        except SyncError as error:
            self.app.call_from_thread(self._sync_failed, str(error), error.wipe)
            return
        except Exception as error:  # noqa: BLE001 - a worker must report, not crash the app; no case data in it
            self.app.call_from_thread(self._sync_failed, f"sync failed ({type(error).__name__})", False)
            return
        self.app.call_from_thread(self._synced, report.summary(), report.wiped)

    def _synced(self, summary: str, wiped: bool) -> None:
        self.syncing = False
        if wiped:
            self.drive.exit_wiped("This device is retired: its work is all in the central store and it is wiped.")
            return
        self.notify(summary, timeout=8)
        self.reload()

    def _sync_failed(self, message: str, wipe: bool) -> None:
        self.syncing = False
        if wipe:
            self.drive.exit_wiped(f"{message}. This device's local store is wiped.")
            return
        self.notify(message, title="Sync failed", severity="error", timeout=12)
        self.reload()

    async def action_new_case(self) -> None:
        await self.drive.wait_for_store()
        from drive_tui.ui.screens.case_form import CaseFormScreen

        def created(case_id: str | None) -> None:
            if case_id:
                from drive_tui.ui.screens.case import CaseScreen

                self.app.push_screen(CaseScreen(case_id, ask_for_victim=True))

        self.app.push_screen(CaseFormScreen(None, known_sites=frozenset(row.case.site for row in self.rows)), created)


def _alert(row: CaseloadRow) -> Cell:
    """The first overdue assessment (✎ if it is a draft; and how many more), a draft in progress, 'due now' for one
    in its window, else a dash. Each says so in words or a glyph, not by colour alone."""
    overdue = row.schedule.overdue
    if overdue:
        more = f" +{len(overdue) - 1}" if len(overdue) > 1 else ""
        started = " ✎" if overdue[0].state is SlotState.DRAFT else ""  # a draft in progress, still overdue
        return Cell(f"! {overdue[0].timepoint.label}{started}{more}", style=ALERT)
    next_slot = row.schedule.next
    if next_slot is not None and next_slot.state is SlotState.DRAFT:
        return Cell("✎ draft", style="bold cyan")
    if next_slot is not None and next_slot.state is SlotState.DUE:
        return Cell("due now", style="bold yellow")
    return Cell("—", style="dim")


def _matches(row: CaseloadRow, needle: str) -> bool:
    if not needle:
        return True
    haystack = f"{row.case.reference} {row.case.site} {row.case.status.value} {row.case.case_manager} {_state(row)}"
    return all(part in haystack.lower() for part in needle.split())


def _state(row: CaseloadRow) -> str:
    """What the Overdue column says, in words a filter can find: "overdue", "draft", "due now"."""
    next_slot = row.schedule.next
    words = [SlotState.OVERDUE.label] if row.is_overdue else []
    if next_slot is not None and next_slot.state in (SlotState.DRAFT, SlotState.DUE):
        words.append(next_slot.state.label + (" now" if next_slot.state is SlotState.DUE else ""))
    return " ".join(words)
