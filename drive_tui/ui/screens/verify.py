"""Asks for the passphrase again: to leave visit mode, or to come back from the lock. Covers the screen."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from drive_tui.store import keys
from drive_tui.store.errors import StoreError, WrongPassphrase
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.widgets.visit_badge import VisitBadge


class VerifyScreen(DriveScreenMixin, ModalScreen[bool]):
    """Dismissed with True once the passphrase opens the key file; with False if cancelled (when allowed)."""

    CSS_PATH = "verify.tcss"
    AUTO_FOCUS = "#verify-passphrase"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, reason: str, *, cancellable: bool) -> None:
        super().__init__(classes="cancellable" if cancellable else "lock")
        self.reason = reason
        self.cancellable = cancellable

    def compose(self) -> ComposeResult:
        yield VisitBadge()
        with Vertical(id="verify-box"):
            yield Static(self.reason, id="verify-reason")
            yield Input(placeholder="Passphrase", password=True, id="verify-passphrase")
            yield Static("", id="verify-error", classes="error")
            if self.cancellable:
                yield Static("Enter to continue · Esc to cancel", classes="muted")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one("#verify-error", Static).update("Checking…")
        self.check(event.value)

    @work(thread=True, exclusive=True)
    def check(self, passphrase: str) -> None:
        settings = self.drive.settings
        try:
            keys.unwrap(keys.read_key_file(settings.key_file_path), passphrase)
        except WrongPassphrase:
            self.app.call_from_thread(self._wrong, "Wrong passphrase: type it again.", passphrase)
        except StoreError as exc:
            self.app.call_from_thread(self._wrong, str(exc), passphrase)
        else:
            self.app.call_from_thread(self.dismiss, True)

    def _wrong(self, message: str, checked: str) -> None:
        """Say so and clear the field — unless the person has already started typing again while it was checked
        (that is kept)."""
        self.query_one("#verify-error", Static).update(message)
        field = self.query_one("#verify-passphrase", Input)
        if field.value == checked:
            field.value = ""
        field.focus()

    def action_cancel(self) -> None:
        if self.cancellable:
            self.dismiss(False)
