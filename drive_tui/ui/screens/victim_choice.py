"""Which victim/survivor of a case to edit, or a new one: a short list (never shown in visit mode)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from drive_tui.domain.models import Case
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.screens.victim_form import HIDDEN, describe
from drive_tui.ui.widgets.visit_badge import VisitBadge

NEW = "new"


class VictimChoiceScreen(DriveScreenMixin, ModalScreen[int | None]):
    """Dismissed with the index of the victim/survivor chosen, -1 for a new one, None if cancelled (or if visit
    mode comes on)."""

    CSS_PATH = "victim_form.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, case: Case) -> None:
        super().__init__()
        self.case = case

    def compose(self) -> ComposeResult:
        yield VisitBadge()
        if self.drive.visit_mode:  # opened in visit mode (the case screen does not offer it): nothing of them is built
            yield Static(HIDDEN, id="victim-form")
            return
        with Vertical(id="victim-form"):
            yield Static(f"Victim/survivors of {self.case.reference}: Enter to edit", id="victim-form-title")
            options = [Option(f"{n}. {describe(v)}", id=str(n - 1)) for n, v in enumerate(self.case.victims, 1)]
            yield OptionList(*options, Option("+ Add another victim/survivor", id=NEW), id="victim-choice")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        chosen = event.option.id
        self.dismiss(-1 if chosen == NEW or chosen is None else int(chosen))

    async def visit_mode_changed(self) -> None:
        if self.drive.visit_mode and self.is_attached:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
