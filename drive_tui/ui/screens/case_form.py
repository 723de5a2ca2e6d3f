"""The case profile form: a new case, or an edit of the Service User profile. Keyboard: Tab between fields,
Ctrl+S saves, Esc cancels."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from drive_tui.domain.models import Case, CaseProfile
from drive_tui.domain.vocab import Coded, CustodyStatus, Employment, Gender, YesNoNotKnown
from drive_tui.store.cases import create_case, get_case, update_case
from drive_tui.store.errors import StoreError
from drive_tui.store.store import Tx
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.widgets.visit_badge import VisitBadge

SERVICE_USER_CHOICES: dict[str, tuple[str, type[Coded]]] = {
    "gender": ("Gender", Gender),
    "employment": ("Employment", Employment),
    "children_involved": ("Children involved", YesNoNotKnown),
    "previous_dva_offences": ("Previous DVA offences", YesNoNotKnown),
    "previous_other_offences": ("Previous other offences", YesNoNotKnown),
    "custody_status": ("Custody status", CustodyStatus),
}


class CaseFormScreen(DriveScreenMixin, ModalScreen[str | None]):
    """Dismissed with the case id when saved, None when cancelled."""

    CSS_PATH = "case_form.tcss"
    BINDINGS = [Binding("ctrl+s", "save", "Save"), Binding("escape", "cancel", "Cancel")]

    def __init__(self, case: Case | None) -> None:
        """``case``: the case to edit, as its screen has it; None for a new case."""
        super().__init__()
        self.case_id = case.id if case is not None else None
        self.current = case.model_dump(mode="json") if case is not None else None

    def compose(self) -> ComposeResult:
        store = self.drive.store
        assert store is not None
        self.enrolled = not store.identity.may_reassign
        current = self.current or {
            "reference": "",
            "site": "",
            "allocated_on": self.drive.today.isoformat(),
            "case_manager": store.identity.user,
            "service_user": {},
        }
        su = current.get("service_user", {})
        yield VisitBadge()
        with Vertical(id="case-form"):
            yield Static(
                "New case" if self.case_id is None else f"Edit case {current['reference']}", id="case-form-title"
            )
            with VerticalScroll(), Grid(id="case-form-grid"):
                for name, label in (
                    ("reference", "Reference"),
                    ("site", "Site"),
                    ("allocated_on", "Allocated on (YYYY-MM-DD)"),
                    ("case_manager", "Case manager"),
                ):
                    yield Label(label)
                    # on an enrolled device cases are assigned centrally: the case manager is shown, not edited
                    yield Input(
                        str(current.get(name) or ""), id=f"f-{name}", disabled=name == "case_manager" and self.enrolled
                    )
                yield Label("Age")
                yield Input("" if su.get("age") is None else str(su["age"]), id="f-age", type="integer")
                yield Label("Ethnicity")
                yield Input(su.get("ethnicity") or "", id="f-ethnicity")
                for name, (label, vocab) in SERVICE_USER_CHOICES.items():
                    yield Label(label)
                    value = su.get(name)
                    yield Select(
                        [(m.label, m.value) for m in vocab],
                        id=f"f-{name}",
                        prompt="Not recorded",
                        value=value if value is not None else Select.NULL,
                    )
            yield Static("", id="case-form-error", classes="error")
            yield Button("Save (Ctrl+S)", variant="primary", id="save")

    def on_mount(self) -> None:
        self.query_one("#f-reference" if self.case_id is None else "#f-age", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save()

    def _values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            name: self.query_one(f"#f-{name}", Input).value.strip()
            for name in ("reference", "site", "allocated_on", "case_manager")
        }
        age = self.query_one("#f-age", Input).value.strip()
        su: dict[str, Any] = {
            "age": int(age) if age.lstrip("-").isdigit() else (age or None),
            "ethnicity": self.query_one("#f-ethnicity", Input).value.strip() or None,
        }
        for name in SERVICE_USER_CHOICES:
            value = self.query_one(f"#f-{name}", Select).value
            su[name] = None if value is Select.NULL else value
        values["service_user"] = su
        return values

    def action_save(self) -> None:
        values = self._values()
        case_id = self.case_id
        if case_id is None:
            try:
                profile = CaseProfile.model_validate({**values, "victims": []})
            except ValueError as exc:  # pydantic: a new case that does not validate
                self._error(_first_problem(exc))
                return
            saved = self.in_store(lambda tx: create_case(tx, profile).id, refused=self._refused)
        else:
            saved = self.in_store(lambda tx: self._update(tx, case_id, values), refused=self._refused)
        if saved is not None:
            self.dismiss(saved)

    @staticmethod
    def _update(tx: Tx, case_id: str, values: dict[str, Any]) -> str:
        current = get_case(tx, case_id).model_dump(mode="json")
        changes = {k: v for k, v in values.items() if k != "service_user" and current[k] != v}
        changes.update(
            {f"service_user.{k}": v for k, v in values["service_user"].items() if current["service_user"].get(k) != v}
        )
        if changes:
            update_case(tx, case_id, changes)
        return case_id

    def _refused(self, exc: StoreError) -> None:
        self._error(str(exc) + "".join(f"\n  {p}" for p in getattr(exc, "problems", [])[:4]))

    def _error(self, message: str) -> None:
        self.query_one("#case-form-error", Static).update(message)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _first_problem(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        first = errors(include_input=False)[0]
        return f"{'.'.join(map(str, first['loc']))}: {first['msg']}"
    return str(exc)
