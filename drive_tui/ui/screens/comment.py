"""Asks for one line of text (a supervisor's comment returning an assessment): the text, or None if cancelled."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from drive_tui.ui.widgets.visit_badge import VisitBadge


class CommentScreen(ModalScreen[str | None]):
    CSS_PATH = "comment.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, placeholder: str = "") -> None:
        super().__init__()
        self.question = question
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        yield VisitBadge()
        with Vertical(id="comment-box"):
            yield Static(self.question, id="comment-question", markup=False)
            yield Input(placeholder=self.placeholder, max_length=1000, id="comment")
            yield Static("Enter to send · Esc to cancel", classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())
        else:
            self.notify("Say what needs correcting.", severity="warning")

    def action_cancel(self) -> None:
        self.dismiss(None)
