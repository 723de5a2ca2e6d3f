"""A yes/no question with an optional list (e.g. what is missing before a submit). Every question asked is about
something that cannot be taken back (submit, discard), so Enter answers No: only `y` or a click says Yes."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from drive_tui.ui.widgets.visit_badge import VisitBadge


class ConfirmScreen(ModalScreen[bool]):
    CSS_PATH = "confirm.tcss"
    BINDINGS = [Binding("escape,n", "answer(False)", "No"), Binding("y", "answer(True)", "Yes")]

    def __init__(
        self, question: str, items: list[str] | None = None, *, yes: str = "Yes", can_confirm: bool = True
    ) -> None:
        super().__init__()
        self.question = question
        self.items = items or []
        self.yes = yes
        self.can_confirm = can_confirm

    def compose(self) -> ComposeResult:
        yield VisitBadge()
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-question")
            if self.items:
                with VerticalScroll(id="confirm-items"):
                    yield Static("\n".join(f"• {item}" for item in self.items), markup=False)
            with Horizontal(id="confirm-buttons"):
                if self.can_confirm:
                    yield Button(f"{self.yes} (y)", variant="primary", id="yes")
                yield Button("Back (Esc)" if not self.can_confirm else "No (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value and self.can_confirm)


def ask_before_discarding(
    app: App[object], discard: Callable[[], object], what: str = "what you typed in this form"
) -> None:
    """Esc on a form holding typed input: ask before throwing it away, and call ``discard`` only on Yes (Enter is
    No)."""

    def answered(yes: bool | None) -> None:
        if yes:
            discard()

    app.push_screen(ConfirmScreen(f"Discard {what}?", yes="Discard"), answered)
