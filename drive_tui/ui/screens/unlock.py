"""The first screen: unlock the store from the keychain or with the passphrase, or create one. Nothing else shows."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Header, Input, Static

from drive_tui.store.errors import PassphraseNeeded, StoreError
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.startup import preload_store
from drive_tui.ui.widgets.footer import DriveFooter


class UnlockScreen(DriveScreenMixin, Screen[None]):
    CSS_PATH = "unlock.tcss"
    AUTO_FOCUS = "#passphrase"

    def __init__(self) -> None:
        super().__init__()
        self.creating = False
        self.opening = False
        """A passphrase is being tried: Enter again (the key derivation takes a moment) must not open it twice."""

    def compose(self) -> ComposeResult:
        yield Header()
        with Center(), Vertical(id="unlock-box"):
            yield Static("Unlock your store", id="unlock-title")
            yield Static("Checking the keychain…", id="unlock-message")
            yield Input(placeholder="Passphrase", password=True, id="passphrase", disabled=True)
            yield Input(placeholder="Repeat the passphrase", password=True, id="repeat", classes="hidden")
            yield Static("", id="unlock-error", classes="error")
        yield DriveFooter()

    def on_mount(self) -> None:
        settings = self.drive.settings
        if not settings.database_path.exists() and not settings.key_file_path.exists():
            self.creating = True
            self.query_one("#unlock-title", Static).update("Create your encrypted store")
            self.query_one("#unlock-message", Static).update(
                f"No store yet in {settings.home}.\nChoose a passphrase (12+ characters; a few words work well)."
            )
            self.query_one("#repeat", Input).remove_class("hidden")
            self._ready()
            preload_store()
        else:
            self.try_keychain()

    def _ready(self, message: str | None = None) -> None:
        field = self.query_one("#passphrase", Input)
        field.disabled = False
        field.focus()
        if message is not None:
            self.query_one("#unlock-message", Static).update(message)

    @work(thread=True, exclusive=True)
    def try_keychain(self) -> None:
        """Unlock without asking, from the keychain or DRIVE_TUI_PASSPHRASE, when either can."""
        settings = self.drive.settings
        given = settings.passphrase.get_secret_value() if settings.passphrase is not None else None
        try:
            first_open = self.drive.first_open.take() if self.drive.first_open is not None else None
            if first_open is not None:  # started with the app: wait for it rather than open twice
                self.app.call_from_thread(self.drive.file_opened, *first_open.result())
            else:
                self._open(given)
        except PassphraseNeeded:
            self.app.call_from_thread(self._ready, "Enter your passphrase.")
            preload_store()
        except StoreError as exc:
            self.app.call_from_thread(self._ready, str(exc))

    def _open(self, passphrase: str | None) -> None:
        """Open the file and read the caseload (no SQLAlchemy yet); hand both to the app. In a worker thread."""
        from drive_tui.store.opening import open_for_caseload

        opened = open_for_caseload(
            self.drive.settings, passphrase, keychain=self.drive.keychain, today=self.drive.today
        )
        self.app.call_from_thread(self.drive.file_opened, *opened)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if self.opening:
            return
        passphrase = self.query_one("#passphrase", Input).value
        if self.creating and event.input.id == "passphrase":
            self.query_one("#repeat", Input).focus()
            return
        if self.creating and self.query_one("#repeat", Input).value != passphrase:
            self._show_error("The two passphrases differ.")
            return
        self.query_one("#unlock-error", Static).update("Opening…")
        self.opening = True
        self.open_store(passphrase)

    @work(thread=True, exclusive=True)
    def open_store(self, passphrase: str) -> None:
        try:
            if self.creating:
                from drive_tui.store.store import create

                store = create(self.drive.settings, passphrase, keychain=self.drive.keychain)
                self.app.call_from_thread(self.drive.store_opened, store)
            else:
                self._open(passphrase)
        except StoreError as exc:
            self.app.call_from_thread(self._show_error, str(exc))

    def _show_error(self, message: str) -> None:
        self.opening = False
        self.query_one("#unlock-error", Static).update(message)
        for field in self.query(Input):
            field.value = ""
        self.query_one("#passphrase", Input).focus()
