"""The case profile form: a new case, or an edit of the Service User profile. Keyboard: Tab between fields,
Ctrl+S saves, Esc cancels."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from drive_tui.domain.models import Case, CaseProfile
from drive_tui.domain.vocab import Coded, CustodyStatus, Employment, Ethnicity, Gender, YesNoNotKnown
from drive_tui.store.cases import create_case, get_case, update_case
from drive_tui.store.errors import StoreError
from drive_tui.store.store import Tx
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.widgets.type_ahead_select import TypeAheadSelect
from drive_tui.ui.widgets.visit_badge import VisitBadge

LABELS = {
    "reference": "Reference",
    "site": "Site",
    "allocated_on": "Allocated on",
    "case_manager": "Case manager",
    "service_user.age": "Age",
    "service_user.ethnicity": "Ethnicity",
}
NO_SITES = "No sites are set up: enrol this laptop, or set DRIVE_TUI_SITES (e.g. Essex,Kent)."

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

    def __init__(self, case: Case | None, *, known_sites: frozenset[str] = frozenset()) -> None:
        """``case``: the case to edit, as its screen has it; None for a new case."""
        super().__init__()
        self.case_id = case.id if case is not None else None
        self.current = case.model_dump(mode="json") if case is not None else None
        self.known_sites = known_sites
        """The sites this store's cases are at (the caseload has them)."""
        self.first_values: dict[str, Any] = {}

    def _sites(self, current: str) -> list[str]:
        """The sites a case can be at, chosen, not typed: the central store's for an enrolled device, else the
        settings' (``DRIVE_TUI_SITES``) and those this store's cases are at; an edited case keeps its own."""
        store = self.drive.store
        assert store is not None
        if store.identity.enrolled:
            sites = set(store.identity.sites)
        else:
            sites = set(self.drive.settings.sites) | set(self.known_sites)
        return sorted(sites | ({current} if current else set()), key=str.casefold)

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
        sites = self._sites(current["site"])
        yield VisitBadge()
        with Vertical(id="case-form"):
            yield Static(
                "New case" if self.case_id is None else f"Edit case {current['reference']}", id="case-form-title"
            )
            with VerticalScroll(id="case-form-fields"), Grid(id="case-form-grid"):
                yield Label(LABELS["reference"])
                yield Input(current["reference"], id="f-reference", max_length=40, compact=True)
                yield Label(LABELS["site"])
                yield Select(
                    [(site, site) for site in sites],
                    id="f-site",
                    prompt="Choose the site" if sites else NO_SITES,
                    value=current["site"] or Select.NULL,
                    disabled=not sites,
                    compact=True,
                )
                yield Label(LABELS["allocated_on"] + " (YYYY-MM-DD)")
                yield Input(str(current["allocated_on"]), id="f-allocated_on", max_length=10, compact=True)
                yield Label(LABELS["case_manager"])
                # on an enrolled device cases are assigned centrally: the case manager is shown, not edited
                yield Input(current["case_manager"], id="f-case_manager", disabled=self.enrolled, compact=True)
                yield Label(LABELS["service_user.age"])
                yield Input("" if su.get("age") is None else str(su["age"]), id="f-age", type="integer", compact=True)
                yield Label(LABELS["service_user.ethnicity"])
                yield TypeAheadSelect(
                    ethnicity_options(su.get("ethnicity"), su.get("ethnicity_recorded")),
                    id="f-ethnicity",
                    prompt="Not recorded",
                    value=su.get("ethnicity") or Select.NULL,
                    compact=True,
                )
                for name, (label, vocab) in SERVICE_USER_CHOICES.items():
                    yield Label(label)
                    value = su.get(name)
                    yield Select(
                        [(m.label, m.value) for m in vocab],
                        id=f"f-{name}",
                        prompt="Not recorded",
                        value=value if value is not None else Select.NULL,
                        compact=True,
                    )
            yield Static("", id="case-form-error", classes="error")
            yield Button("Save (Ctrl+S)", variant="primary", id="save", compact=True)

    def on_mount(self) -> None:
        self.query_one("#f-reference" if self.case_id is None else "#f-age", Input).focus()
        self.first_values = self._values()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save()

    def _values(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            name: self.query_one(f"#f-{name}", Input).value.strip()
            for name in ("reference", "allocated_on", "case_manager")
        }
        site = self.query_one("#f-site", Select).value
        values["site"] = "" if site is Select.NULL else site
        age = self.query_one("#f-age", Input).value.strip()
        ethnicity = self.query_one("#f-ethnicity", Select).value
        kept = ethnicity == Ethnicity.AS_RECORDED  # old free text, not yet coded: kept until a category is chosen
        su: dict[str, Any] = {
            "age": int(age) if age.lstrip("-").isdigit() else (age or None),
            "ethnicity": None if ethnicity is Select.NULL else ethnicity,
            "ethnicity_recorded": (self.current or {}).get("service_user", {}).get("ethnicity_recorded")
            if kept
            else None,
        }
        for name in SERVICE_USER_CHOICES:
            value = self.query_one(f"#f-{name}", Select).value
            su[name] = None if value is Select.NULL else value
        values["service_user"] = su
        return values

    def action_save(self) -> None:
        values = self._values()
        problem = self._problem(values)
        if problem:
            self._error(problem)
            return
        case_id = self.case_id
        if case_id is None:
            profile = CaseProfile.model_validate({**values, "victims": []})
            saved = self.in_store(lambda tx: create_case(tx, profile).id, refused=self._refused)
        else:
            saved = self.in_store(lambda tx: self._update(tx, case_id, values), refused=self._refused)
        if saved is not None:
            self.dismiss(saved)

    def _problem(self, values: dict[str, Any]) -> str:
        """What is wrong with the form, said for the person filling it in (field by its label, what to type), or
        ""."""
        if not values["site"]:
            return NO_SITES if not self._sites("") else "Site: choose the site the case is at."
        try:
            allocated = date.fromisoformat(values["allocated_on"])
        except ValueError:
            return f"{LABELS['allocated_on']}: type a date as YYYY-MM-DD, e.g. {self.drive.today.isoformat()}."
        if allocated > self.drive.today:
            return f"{LABELS['allocated_on']}: a case cannot be allocated after today."
        current = {k: v for k, v in (self.current or {}).items() if k in CaseProfile.model_fields}
        try:
            CaseProfile.model_validate({"victims": [], **current, **values})
        except ValidationError as exc:
            return "\n".join(for_a_person(error) for error in exc.errors(include_input=False)[:3])
        return ""

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
        """Esc: leave, but never throw typed input away without asking."""
        if self._values() == self.first_values:
            self.dismiss(None)
            return
        from drive_tui.ui.screens.confirm import ask_before_discarding

        ask_before_discarding(self.app, lambda: self.dismiss(None))


def for_a_person(error: Any, labels: dict[str, str] = LABELS) -> str:
    """A pydantic error as a person reads it: the field's label (from ``labels``, by its dotted place) and what to
    type — never pydantic's wording."""
    where = ".".join(str(part) for part in error["loc"])
    label = labels.get(where, where.replace("service_user.", "").replace("_", " ").capitalize())
    kind = error["type"]
    if kind in ("string_too_short", "missing"):
        return f"{label}: this is needed."
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{label}: type a whole number."
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        limit = next(iter((error.get("ctx") or {}).values()), "")
        return f"{label}: type a number {kind.replace('_', ' ').replace(' equal', ' or equal to')} {limit}."
    if kind == "string_pattern_mismatch" or kind == "value_error":
        return f"{label}: use letters, digits and punctuation on one line."
    if kind == "string_too_long":
        return f"{label}: this is too long."
    return f"{label}: check this value."


def ethnicity_options(current: str | None, recorded: str | None) -> list[tuple[str, str]]:
    """The ONS 2011 categories; and, for an answer from before ethnicity was coded that matched none, that text,
    so that the form keeps it until a category is chosen."""
    options = [(member.label, member.value) for member in Ethnicity if member is not Ethnicity.AS_RECORDED]
    if current == Ethnicity.AS_RECORDED and recorded:
        options.append((f"{recorded} (as recorded: choose a category)", Ethnicity.AS_RECORDED.value))
    return options
