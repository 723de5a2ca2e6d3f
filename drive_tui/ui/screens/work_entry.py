"""Log a piece of work on a case, or correct one: a contact attempt, a direct session, or indirect (multi-agency)
work. Keyboard first: the kind (type-ahead), then Tab through only the fields of that kind; today's date is filled
in; Ctrl+S saves; Esc cancels, asking before typed input is thrown away.

In visit mode only the Service User's own contact is logged — attempts and sessions, not multi-agency work, whose
open requests the form would otherwise list — and the note and the "V/S sole source" flag are neither drawn nor
offered; an entry's stored note and flag are kept as they are. The case screen offers only entries that visit mode
may show.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, SelectionList, Static, TextArea

from drive_tui.domain.casework import NOTE_LENGTH, InfoRequest, WorkLogEntry, info_requests
from drive_tui.domain.models import Case
from drive_tui.domain.vocab import (
    Agency,
    AgencyAction,
    AttemptMethod,
    AttemptOutcome,
    Coded,
    ContactSetting,
    ContactType,
    Source,
    SupportArea,
    WorkKind,
    YesNo,
)
from drive_tui.store.errors import Invalid, StoreError
from drive_tui.store.store import Tx
from drive_tui.store.work_log import drop_work_draft, keep_work_draft, record_work, work_draft
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.widgets.type_ahead_select import TypeAheadSelect
from drive_tui.ui.widgets.visit_badge import VisitBadge
from drive_tui.ui.work_text import SOLE_SOURCE_WARNING, request_label

LABELS = {
    "date": "Date",
    "kind": "Kind of work",
    "attempt_method": "Method",
    "attempt_outcome": "Outcome",
    "contact_types": "Type of contact",
    "contact_setting": "Setting",
    "support_areas": "Support areas",
    "behaviour_change_work": "Behaviour change work",
    "agency": "Agency",
    "action": "What was done",
    "answers": "Answers the request of",
    "source": "Information from",
    "vs_sole_source": "V/S sole source",
    "note": "Note",
}
OF_KIND: dict[WorkKind, tuple[str, ...]] = {
    WorkKind.CONTACT_ATTEMPT: ("attempt_method", "attempt_outcome"),
    WorkKind.DIRECT_SESSION: ("contact_types", "contact_setting", "support_areas", "behaviour_change_work"),
    WorkKind.INDIRECT: ("agency", "action", "answers"),
}
_CHOICES: dict[str, type[Coded]] = {
    "kind": WorkKind,
    "attempt_method": AttemptMethod,
    "attempt_outcome": AttemptOutcome,
    "contact_setting": ContactSetting,
    "behaviour_change_work": YesNo,
    "agency": Agency,
    "action": AgencyAction,
    "source": Source,
}
_MANY: dict[str, type[Coded]] = {"contact_types": ContactType, "support_areas": SupportArea}
REQUIRED = ("attempt_method", "attempt_outcome", "contact_types", "contact_setting", "agency", "action")
"""What each kind cannot be saved without (``WorkLogEntry``'s own rules): the rest may be left blank."""
SENSITIVE = ("vs_sole_source", "note")
"""Fields neither drawn nor offered in visit mode."""
_YES_NO = {True: YesNo.YES.value, False: YesNo.NO.value}
HIDDEN = "Multi-agency work is not shown in visit mode: F2 to leave it, or Esc to go back."
VISIT_MODE_NOTICE = "Visit mode: no note, no V/S sole source, no multi-agency work here (F2 to leave it)."


class WorkEntryScreen(DriveScreenMixin, ModalScreen[bool]):
    """Dismissed with True when saved, False when cancelled."""

    CSS_PATH = "work_entry.tcss"
    BINDINGS = [Binding("ctrl+s", "save", "Save"), Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        case: Case,
        entries: list[WorkLogEntry],
        entry: WorkLogEntry | None = None,
        *,
        strategy_agreed: bool = True,
    ) -> None:
        """``entries``: the case's work log (for the requests an answer can close); ``entry``: the one to correct;
        ``strategy_agreed``: the case's contact strategy is agreed (else a first contact asks first)."""
        super().__init__()
        self.case = case
        self.entry = entry
        self.strategy_agreed = strategy_agreed
        self.contacted_before = any(e.is_contact for e in entries if entry is None or e.id != entry.id)
        self.contact_confirmed = False
        self.kept: dict[str, Any] | None = None
        """What was typed here before and left unsaved (a crash, a lock, a quit): the form opens with it."""
        self._ready = False
        self.requests: list[InfoRequest] = [
            request
            for request in info_requests(entries)
            if request.open or (entry is not None and request.answer is not None and request.answer.id == entry.id)
        ]
        self.first_values: dict[str, Any] = {}
        self.closing = False

    # -- building -------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        entry = self.entry
        self.kept = self.in_store(lambda tx: work_draft(tx, self.case.id, entry.id if entry else None))
        title = f"Log work on {self.case.reference}" if entry is None else f"Work on {self.case.reference}, as logged"
        if self.kept:
            title += " — not saved yet: as typed before"
        yield VisitBadge()
        with Vertical(id="work-form"):
            yield Static(title, id="work-form-title")
            if entry is not None and entry.vs_sole_source and not self.drive.visit_mode:
                yield Static(SOLE_SOURCE_WARNING, id="work-form-warning")
            with VerticalScroll(id="work-form-fields", can_focus=False):
                day = self._stored("date") or self.drive.today  # as typed (text), or a date
                yield self._row("date", Input(str(day), id="w-date", max_length=10, compact=True))
                yield self._row("kind", self._select("kind"))
                for kind in WorkKind:  # each kind's fields, built when the kind is first chosen
                    yield Vertical(id=f"kind-{kind.value}", classes="kind-fields")
                yield self._row("source", self._select("source"))
                sole = _YES_NO[bool(self._stored("vs_sole_source"))]
                options = [("No", YesNo.NO.value), ("Yes: never disclose to the SU", YesNo.YES.value)]
                yield self._row("vs_sole_source", TypeAheadSelect(options, id="w-vs_sole_source", value=sole,
                                                                  allow_blank=False, compact=True))  # fmt: skip
                note = TextArea(self._stored("note") or "", id="w-note", soft_wrap=True, compact=True)
                note.border_subtitle = f"at most {NOTE_LENGTH:,} characters"
                yield self._row("note", note)
                yield Static(VISIT_MODE_NOTICE, id="w-hidden")
            yield Static(HIDDEN, id="w-hidden-all")
            yield Static("", id="work-form-error", classes="error")
            yield Button("Save (Ctrl+S)", variant="primary", id="save", compact=True)

    @staticmethod
    def _row(name: str, widget: Widget) -> Horizontal:
        row = Horizontal(Label(LABELS[name], classes="work-label"), widget, id=f"row-{name}", classes="work-row")
        return row

    def _stored(self, name: str) -> Any:
        """The value a field opens with: as typed before (``kept``), else as logged, else nothing."""
        if self.kept is not None:
            return self.kept.get(name)
        return getattr(self.entry, name) if self.entry is not None else None

    def _select(self, name: str) -> Select[str]:
        value = self._stored(name)
        if name == "behaviour_change_work":
            value = _YES_NO.get(value) if value is not None else None
        members = list(_CHOICES[name])
        if name == "kind" and self.drive.visit_mode and self.entry is None:
            members.remove(WorkKind.INDIRECT)
        options = [(member.label, member.value) for member in members]
        code = value.value if isinstance(value, Coded) else value
        return TypeAheadSelect(options, id=f"w-{name}", prompt="(choose)", value=code or Select.NULL, compact=True)

    def _many(self, name: str) -> SelectionList[str]:
        chosen = {getattr(member, "value", member) for member in self._stored(name) or ()}
        return SelectionList[str](
            *[(member.label, member.value, member.value in chosen) for member in _MANY[name]],
            id=f"w-{name}",
            compact=True,
        )

    def _rows_of(self, kind: WorkKind) -> list[Horizontal]:
        if kind is WorkKind.CONTACT_ATTEMPT:
            return [self._row(name, self._select(name)) for name in OF_KIND[kind]]
        if kind is WorkKind.DIRECT_SESSION:
            return [
                self._row("contact_types", self._many("contact_types")),
                self._row("contact_setting", self._select("contact_setting")),
                self._row("support_areas", self._many("support_areas")),
                self._row("behaviour_change_work", self._select("behaviour_change_work")),
            ]
        answers = TypeAheadSelect([], id="w-answers", prompt="(choose the request)", compact=True)
        return [self._row("agency", self._select("agency")), self._row("action", self._select("action")),
                self._row("answers", answers)]  # fmt: skip

    async def _build(self, kind: WorkKind) -> None:
        """The fields of ``kind``, mounted the first time it is chosen: a form of every kind's fields at once was
        half again as many widgets, and took longer than a screen may to appear."""
        holder = self.query_one(f"#kind-{kind.value}", Vertical)
        if holder.children:
            return
        await holder.mount_all(self._rows_of(kind))
        if kind is WorkKind.INDIRECT:
            self._offer_requests()
            if self._stored("answers") is not None:
                self.query_one("#w-answers", Select).value = self._stored("answers")

    async def on_mount(self) -> None:
        kind = self._stored("kind")
        if kind:
            await self._build(WorkKind(kind))
        self._show_fields()
        self.first_values = self._fields() if self.kept is None else {}  # a kept draft is unsaved work: Esc asks
        self._ready = True
        self.query_one("#w-kind" if self.entry is None else "#w-date").focus()

    # -- what is shown --------------------------------------------------------------------------------------------

    def _kind(self) -> WorkKind | None:
        value = self.query_one("#w-kind", Select).value
        return None if value is Select.NULL else WorkKind(str(value))

    def _value(self, name: str) -> Any:
        """A choice's value as the form shows it; None when not chosen, or its kind's fields are not built yet."""
        found = self.query(f"#w-{name}")
        if not found:
            return None
        widget = found.first()
        if isinstance(widget, SelectionList):
            return list(widget.selected)
        value = widget.value  # type: ignore[attr-defined]
        return None if value is Select.NULL else value

    def _show_fields(self) -> None:
        kind = self._kind()
        for each in WorkKind:
            self.query_one(f"#kind-{each.value}").display = each is kind
        for row in self.query("#row-answers"):
            row.display = self._value("action") == AgencyAction.INFO_RECEIVED.value
        visit = self.drive.visit_mode
        for name in SENSITIVE:
            self.query_one(f"#row-{name}").display = not visit
        self.query_one("#w-hidden").display = visit
        hidden = self._hidden()
        for part in ("#work-form-fields", "#save", "#work-form-error"):
            self.query_one(part).display = not hidden
        self.query_one("#w-hidden-all").display = hidden
        if hidden:  # no key may change what is not drawn
            self.set_focus(None)
        elif self.focused is None:
            self.query_one("#w-kind").focus()

    def _hidden(self) -> bool:
        """Visit mode came on over multi-agency work (or its kind was chosen in visit mode): none of it is drawn —
        nor the open requests an answer would list — until visit mode ends; what was typed stays in the form."""
        if not self.drive.visit_mode:
            return False
        return self._kind() is WorkKind.INDIRECT or (self.entry is not None and not self.entry.visit_safe)

    def _offer_requests(self) -> None:
        """The answer of a request names it: offer this case's open requests to the chosen agency (the one, if only
        one is open)."""
        agency = self._value("agency")
        answers = self.query_one("#w-answers", Select)
        chosen = answers.value
        offered = [r for r in self.requests if agency is None or r.request.agency == agency]
        answers.set_options([(request_label(r, self.drive.today), r.request.id) for r in offered])
        ids = [r.request.id for r in offered]
        if chosen in ids:
            answers.value = chosen
        elif len(ids) == 1:
            answers.value = ids[0]

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    @on(SelectionList.SelectedChanged)
    def _keep(self) -> None:
        """Every change is kept in the store at once (a plain-SQL write, about a millisecond), as an assessment's
        answers are: a crash, a lock or a quit mid-entry loses none of it. Dropped once saved or discarded."""
        if not self._ready or self.closing:
            return
        values = self._fields()
        entry_id = self.entry.id if self.entry else None
        if values == self.first_values:
            self.in_store(lambda tx: drop_work_draft(tx, self.case.id, entry_id))
        else:
            self.in_store(lambda tx: keep_work_draft(tx, self.case.id, entry_id, values))

    def _discard(self) -> None:
        entry_id = self.entry.id if self.entry else None
        self.in_store(lambda tx: drop_work_draft(tx, self.case.id, entry_id))
        self._close(False)

    @on(Select.Changed, "#w-kind, #w-action, #w-agency")
    async def _choice_changed(self, event: Select.Changed) -> None:
        kind = self._kind()
        if event.select.id == "w-kind" and kind is not None:
            await self._build(kind)
        if event.select.id == "w-agency":
            self._offer_requests()
        self._show_fields()

    async def visit_mode_changed(self) -> None:
        """The note and the flag vanish at once (what was typed stays in the form, undrawn); the warning too."""
        self._show_fields()
        for warning in self.query("#work-form-warning"):
            warning.display = not self.drive.visit_mode

    # -- values ---------------------------------------------------------------------------------------------------

    def _fields(self) -> dict[str, Any]:
        """The entry the form describes, as ``record_work`` takes it: only the fields of the chosen kind."""
        kind = self._kind()
        values: dict[str, Any] = {"date": self.query_one("#w-date", Input).value.strip(), "kind": kind}
        for name in OF_KIND.get(kind, ()) if kind is not None else ():
            value = self._value(name)
            if name in _MANY:
                values[name] = value or []
                continue
            if name == "behaviour_change_work":
                value = None if value is None else value == YesNo.YES.value
            if name == "answers" and self._value("action") != AgencyAction.INFO_RECEIVED.value:
                value = None
            values[name] = value
        source = self.query_one("#w-source", Select).value
        values["source"] = None if source is Select.NULL else source
        if self.drive.visit_mode:  # not offered: what is stored stays
            values["vs_sole_source"] = bool(self._stored("vs_sole_source"))
            values["note"] = self._stored("note") or ""
        else:
            values["vs_sole_source"] = self.query_one("#w-vs_sole_source", Select).value == YesNo.YES.value
            values["note"] = self.query_one("#w-note", TextArea).text.strip()
        return values

    def _problem(self, values: dict[str, Any]) -> tuple[str, str] | None:
        """The first field a person must fix before it can be saved, and what to do, in the form's words."""
        if values["kind"] is None:
            return "kind", f"{LABELS['kind']}: choose one."
        typed = values["date"]
        try:
            values["date"] = dt.date.fromisoformat(typed)
        except ValueError:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", typed):
                return "date", f"{LABELS['date']}: there is no day {typed}."
            return "date", f"{LABELS['date']}: type it as YYYY-MM-DD, e.g. {self.drive.today.isoformat()}."
        missing = [name for name in OF_KIND[values["kind"]] if name in REQUIRED and not values.get(name)]
        if missing:
            labels = ", ".join(LABELS[name] for name in missing)
            return missing[0], f"{labels}: choose {'one' if len(missing) == 1 else 'each'}."
        if values["kind"] is WorkKind.INDIRECT and values["action"] == AgencyAction.INFO_RECEIVED.value:
            if not values.get("answers") and self.requests:
                return "answers", f"{LABELS['answers']}: choose the request this answers."
        return None

    # -- saving and leaving ---------------------------------------------------------------------------------------

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self.closing or self._hidden():
            return
        values = self._fields()
        problem = self._problem(values)
        if problem:
            name, message = problem
            self.query_one("#work-form-error", Static).update(message)
            self.query_one(f"#w-{name}").focus()
            return
        is_contact = values["kind"] is WorkKind.DIRECT_SESSION or values.get("attempt_outcome") == "reached"
        if is_contact and not (self.contacted_before or self.strategy_agreed or self.contact_confirmed):
            self._confirm_first_contact()
            return
        entry_id = self.entry.id if self.entry else None

        def record(tx: Tx) -> WorkLogEntry:
            recorded = record_work(tx, self.case.id, values, entry_id=entry_id)
            drop_work_draft(tx, self.case.id, entry_id)  # in the same transaction: kept until it is saved
            return recorded

        saved = self.in_store(record, refused=self._refused)
        if saved is not None:
            done = "Logged" if self.entry is None else "Corrected"
            self.notify(f"{done}: {saved.kind.label.lower()} on {saved.date.isoformat()}.")
            self._close(True)

    def _confirm_first_contact(self) -> None:
        """The evaluation's practice (p.30): the service manager agrees the contact strategy before first contact."""
        from drive_tui.ui.screens.confirm import ConfirmScreen

        def answered(log_it: bool | None) -> None:
            if log_it:
                self.contact_confirmed = True
                self.action_save()

        question = "The contact strategy is not agreed yet: it is agreed before first contact. Log this contact anyway?"
        self.app.push_screen(ConfirmScreen(question, yes="Log it"), answered)

    def _refused(self, exc: StoreError) -> None:
        problems = exc.problems if isinstance(exc, Invalid) and exc.problems else [str(exc)]
        self.query_one("#work-form-error", Static).update("\n".join(_in_words(p) for p in problems[:3]))

    def _close(self, saved: bool) -> None:
        if not self.closing:
            self.closing = True
            self.dismiss(saved)

    def action_cancel(self) -> None:
        if self.closing or self._fields() == self.first_values:
            self._discard()
            return
        from drive_tui.ui.screens.confirm import ask_before_discarding

        ask_before_discarding(self.app, self._discard)


def _in_words(problem: str) -> str:
    """A store's "field: reason" with the field's label: "date: the work is dated after today" → "Date: …"."""
    name, _, reason = problem.partition(": ")
    label = LABELS.get(name)
    return f"{label}: {reason}" if label else problem.removeprefix("entry: ")
