"""A victim/survivor of a case: add one, or edit one already linked. Keyboard: Tab between fields, Ctrl+S saves,
Esc cancels (asking before typed input is thrown away).

Sensitive through and through: never opened in visit mode, and closed at once if visit mode comes on while it is
open. What is typed is kept in the store as it is typed (``store.form_drafts``): left unsaved — visit mode closing
the form, a quit, a lock, a crash — it is there when the form opens again, never drawn meanwhile.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from drive_tui.domain.ethnicity import coded
from drive_tui.domain.models import Case, VictimSurvivor
from drive_tui.domain.vocab import Ethnicity, Gender, Relationship, YesNo
from drive_tui.store.cases import add_victim, update_case
from drive_tui.store.errors import StoreError
from drive_tui.store.form_drafts import draft_key, drop_draft, keep_draft, kept_draft
from drive_tui.store.store import Tx
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.screens.case_form import ethnicity_options, for_a_person
from drive_tui.ui.widgets.visit_badge import VisitBadge

LABELS = {
    "relationship": "Relationship to the SU",
    "gender": "Gender",
    "age": "Age",
    "ethnicity": "Ethnicity",
    "idva_engaged": "Engaged with an Idva",
    "idva_service": "Idva service",
}
_IDVA = {YesNo.YES.value: True, YesNo.NO.value: False}
HIDDEN = "Not shown in visit mode (F2 to leave it). Esc to go back."


def describe(victim: VictimSurvivor) -> str:
    """One line a person recognises a victim/survivor by: relationship, gender, age (no name is ever kept)."""
    parts = [
        victim.relationship.label if victim.relationship else "Relationship not recorded",
        victim.gender.label if victim.gender else "gender not recorded",
    ]
    if victim.age is not None:
        parts.append(str(victim.age))
    return ", ".join(parts)


class VictimFormScreen(DriveScreenMixin, ModalScreen[bool]):
    """Dismissed with True when saved, False when cancelled or closed by visit mode."""

    CSS_PATH = "victim_form.tcss"
    BINDINGS = [Binding("ctrl+s", "save", "Save"), Binding("escape", "cancel", "Cancel")]

    def __init__(self, case: Case, index: int | None) -> None:
        """``index``: the victim/survivor of ``case.victims`` to edit; None to add one."""
        super().__init__()
        self.case = case
        self.index = index
        self.first_values: dict[str, Any] = {}
        self.hidden = False
        self.closing = False

    def compose(self) -> ComposeResult:
        self.hidden = self.drive.visit_mode
        if self.hidden:  # opened in visit mode (the case screen does not offer it): nothing of them is built
            yield VisitBadge()
            yield Static(HIDDEN, id="victim-form")
            return
        victim = self.case.victims[self.index] if self.index is not None else VictimSurvivor()
        kept = self.in_store(lambda tx: kept_draft(tx, self._draft_key))
        values = kept or self._as_fields(victim)
        if values.get("ethnicity") not in (None, *Ethnicity.codes()):  # a form kept before ethnicity was coded
            values["ethnicity"] = (coded({"ethnicity": values["ethnicity"]}) or {}).get("ethnicity")
            values["ethnicity"] = None if values["ethnicity"] == Ethnicity.AS_RECORDED else values["ethnicity"]
        title = (
            f"Add a victim/survivor to {self.case.reference} (Esc: not now)"
            if self.index is None
            else f"Victim/survivor {self.index + 1} of {self.case.reference}"
        )
        if kept:
            title += " — not saved yet: as typed before visit mode"
        yield VisitBadge()
        with Vertical(id="victim-form"):
            yield Static(title, id="victim-form-title")
            with Grid(id="victim-form-grid"):
                yield Label(LABELS["relationship"])
                yield self._select("relationship", [(m.label, m.value) for m in Relationship], values)
                yield Label(LABELS["gender"])
                yield self._select("gender", [(m.label, m.value) for m in Gender], values)
                yield Label(LABELS["age"])
                yield Input(values["age"], id="v-age", type="integer", max_length=3, compact=True)
                yield Label(LABELS["ethnicity"])
                yield self._select("ethnicity", ethnicity_options(victim.ethnicity, victim.ethnicity_recorded), values)
                yield Label(LABELS["idva_engaged"])
                yield self._select("idva_engaged", [(m.label, m.value) for m in YesNo], values)
                yield Label(LABELS["idva_service"])
                yield Input(values["idva_service"], id="v-idva_service", max_length=120, compact=True)
            yield Static("", id="victim-form-error", classes="error")
            yield Button("Save (Ctrl+S)", variant="primary", id="save", compact=True)

    @staticmethod
    def _select(name: str, options: list[tuple[str, str]], values: dict[str, Any]) -> Select[str]:
        value = values[name]
        # "(not known)", not "Not recorded": typing "No" must reach "No", not the prompt
        return Select(options, id=f"v-{name}", prompt="(not known)", value=value or Select.NULL, compact=True)

    @staticmethod
    def _as_fields(victim: VictimSurvivor) -> dict[str, Any]:
        idva = {True: YesNo.YES.value, False: YesNo.NO.value}.get(victim.idva_engaged)  # type: ignore[arg-type]
        return {
            "relationship": victim.relationship.value if victim.relationship else None,
            "gender": victim.gender.value if victim.gender else None,
            "age": "" if victim.age is None else str(victim.age),
            "ethnicity": victim.ethnicity.value if victim.ethnicity else None,
            "idva_engaged": idva,
            "idva_service": victim.idva_service or "",
        }

    def _fields(self) -> dict[str, Any]:
        """What the form shows now, in the same shape as ``_as_fields``."""
        values: dict[str, Any] = {}
        for name in ("relationship", "gender", "ethnicity", "idva_engaged"):
            value = self.query_one(f"#v-{name}", Select).value
            values[name] = None if value is Select.NULL else value
        for name in ("age", "idva_service"):
            values[name] = self.query_one(f"#v-{name}", Input).value.strip()
        return values

    @property
    def _draft_key(self) -> str:
        return draft_key(self.case.id, f"victim/{'new' if self.index is None else self.index}")

    def on_mount(self) -> None:
        if self.hidden:
            return
        self.first_values = self._as_fields(
            self.case.victims[self.index] if self.index is not None else VictimSurvivor()
        )
        self.query_one("#v-relationship", Select).focus()
        self._ready = True

    _ready = False

    @on(Input.Changed)
    @on(Select.Changed)
    def _keep(self) -> None:
        """Every change kept in the store at once, as the work-log form's are."""
        if not self._ready or self.hidden or self.closing:
            return
        fields = self._fields()
        if fields == self.first_values:
            self.in_store(lambda tx: drop_draft(tx, self._draft_key))
        else:
            self.in_store(lambda tx: keep_draft(tx, self._draft_key, fields))

    def _discard(self) -> None:
        if not self.hidden:
            self.in_store(lambda tx: drop_draft(tx, self._draft_key))
        self._close(False)

    async def visit_mode_changed(self) -> None:
        """Visit mode came on: close now — with any question asked over the form, which would leave it drawn,
        dimmed, behind. What was typed is in the store already, for the next time the form opens."""
        if not self.drive.visit_mode or self.hidden or self.closing or self not in self.app.screen_stack:
            return
        while self.app.screen is not self:
            self.app.pop_screen()
        self._close(False)

    def _close(self, saved: bool) -> None:
        """Dismiss, once: a question answered after visit mode closed the form must not close it again."""
        if not self.closing:
            self.closing = True
            self.dismiss(saved)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_save()

    def _victim(self, fields: dict[str, Any]) -> VictimSurvivor | str:
        """The victim/survivor the fields describe, or what is wrong, said for the person filling them in."""
        if not fields["relationship"]:
            return f"{LABELS['relationship']}: choose one ('Don't know' if it is not known), or Esc: not now."
        age = fields["age"]
        data = {
            "relationship": fields["relationship"],
            "gender": fields["gender"],
            "age": int(age) if age.lstrip("-").isdigit() else (age or None),
            "ethnicity": fields["ethnicity"] or None,
            "ethnicity_recorded": self._recorded_ethnicity() if fields["ethnicity"] == Ethnicity.AS_RECORDED else None,
            "idva_engaged": _IDVA.get(fields["idva_engaged"] or ""),
            "idva_service": fields["idva_service"] or None,
        }
        try:
            return VictimSurvivor.model_validate(data)
        except ValidationError as exc:
            return "\n".join(for_a_person(error, LABELS) for error in exc.errors(include_input=False)[:3])

    def _recorded_ethnicity(self) -> str | None:
        """The old free text of the victim/survivor being edited, kept while no category is chosen."""
        return self.case.victims[self.index].ethnicity_recorded if self.index is not None else None

    def action_save(self) -> None:
        if self.hidden or self.closing:
            return
        fields = self._fields()
        victim = self._victim(fields)
        if isinstance(victim, str):
            self.query_one("#victim-form-error", Static).update(victim)
            return
        data = victim.model_dump(mode="json")
        changes: dict[str, Any] = {}
        if self.index is not None:
            before = self.case.victims[self.index].model_dump(mode="json")
            changes = {f"victims.{self.index}.{k}": v for k, v in data.items() if before.get(k) != v}

        def save(tx: Tx) -> Case:
            if self.index is None:
                saved_case = add_victim(tx, self.case.id, data)
            else:
                saved_case = update_case(tx, self.case.id, changes) if changes else self.case
            drop_draft(tx, self._draft_key)  # in the same transaction: kept until it is saved
            return saved_case

        saved = self.in_store(save, refused=self._refused)
        if saved is not None:
            self._close(True)

    def _refused(self, exc: StoreError) -> None:
        self.query_one("#victim-form-error", Static).update(str(exc))

    def action_cancel(self) -> None:
        """Esc: leave, but never throw typed input away without asking."""
        if self.hidden or self.closing or self._fields() == self.first_values:
            self._discard()
            return
        from drive_tui.ui.screens.confirm import ask_before_discarding

        ask_before_discarding(self.app, self._discard)
