"""The drive-tui application: wiring only. Screens do the work; the store is passed in, never global. How it
starts — the caseload shown as soon as the file is open, the full store attached just after — is ``startup``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from drive_tui.config import Settings
from drive_tui.store.keychain import Keychain
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.startup import FIRST_OPEN_WAIT, PAUSE_BEFORE_COLLECTING, FirstOpen, collect_at_rest, resume_gc
from drive_tui.ui.themes import HIGH_CONTRAST

if TYPE_CHECKING:
    from drive_tui.store.caseload import Overview
    from drive_tui.store.opening import OpenedFile
    from drive_tui.store.store import Store
    from drive_tui.ui.store_reads import StoreReads


class DriveApp(App[None]):
    """Unlock → caseload → case → assessment, with visit mode and an idle lock over all of it."""

    CSS_PATH = ["app.tcss", "screens/caseload.tcss"]
    """The caseload's too: it is the first screen, and a screen bringing CSS of its own makes Textual parse every
    stylesheet again as it is shown (~5 ms of the first frame)."""
    TITLE = "drive-tui"
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f1", "help", "Help"),
        Binding(
            "f2",
            "toggle_visit_mode",
            "Visit",
            tooltip="Visit mode: hide victim/survivor details, risk, notes",
            priority=True,  # in every dialog too (Textual leaves the app's other keys out of modal screens)
        ),
        Binding("ctrl+l", "lock", "Lock", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    visit_mode: reactive[bool] = reactive(False, init=False)

    def __init__(
        self,
        settings: Settings,
        *,
        store: Store | None = None,
        keychain: Keychain | None = None,
        today: date | None = None,
        clock: Callable[[], float] = time.monotonic,
        first_open: FirstOpen | None = None,
    ) -> None:
        super().__init__()
        self.clock = clock
        """Seconds, for the idle lock: ``time.monotonic``, or a test's clock."""
        self.settings = settings
        self.store = store
        self.keychain = keychain
        self.fixed_today = today
        self.locked = False
        self.unlocked = store is not None
        """The store's file is open (the full store may still be attaching)."""
        self._store_ready = asyncio.Event()
        if store is None and first_open is None:
            first_open = FirstOpen.start(settings, keychain, lambda: self.today)
        self.first_open = first_open
        """Opening the store from the keychain (or DRIVE_TUI_PASSPHRASE): started before Textual was imported
        (``startup.run``), or else now, while Textual starts."""
        self._last_activity = self.clock()
        self.resume_focus: dict[str, str] = {}
        """Assessment id → the answer id last focused, so reopening a draft resumes where it was."""
        self._reads: StoreReads | None = None
        self.register_theme(HIGH_CONTRAST)

    @property
    def today(self) -> date:
        return self.fixed_today or date.today()

    async def on_mount(self) -> None:
        self.set_visit_mode(self.settings.visit_mode)
        self.set_interval(1.0, self.when_idle)
        if self.store is not None:
            self._store_ready.set()
            self.show_caseload().call_after_refresh(resume_gc)
            return
        opened = await self.first_open.within(FIRST_OPEN_WAIT) if self.first_open is not None else None
        if opened is not None:
            self.file_opened(*opened)
            return
        from drive_tui.ui.screens.unlock import UnlockScreen

        resume_gc()  # no hurry now: a passphrase is to be typed
        self.push_screen(UnlockScreen())

    def show_caseload(self, overview: Overview | None = None) -> Screen[None]:
        from drive_tui.ui.screens.caseload import CaseloadScreen

        screen = CaseloadScreen(overview)
        if len(self.screen_stack) > 1:  # replacing the unlock screen
            self.switch_screen(screen)
        else:
            self.push_screen(screen)
        return screen

    def store_opened(self, store: Store) -> None:
        """Called by the unlock screen with a store it created."""
        self.unlocked = True
        self._store_attached(store, show=True)

    def file_opened(self, opened: OpenedFile, overview: Overview | None) -> None:
        """The store's file is open and the caseload read: show it, then attach the store. (With no overview the
        file needs migrating: attach first, then show.)"""
        self.unlocked = True
        if overview is None:
            self._attach(opened, show=True)
            return
        # after the caseload's first frame: loading SQLAlchemy in a thread holds the GIL, and would delay it
        self.show_caseload(overview).call_after_refresh(self._attach, opened, show=False)

    @work(thread=True, exclusive=True, group="attach")
    def _attach(self, opened: OpenedFile, *, show: bool) -> None:
        from drive_tui.store.store import attach

        store = attach(opened)
        try:
            self.call_from_thread(self._store_attached, store, show=show)
        except RuntimeError:  # the app closed in the meantime
            store.close()

    def _store_attached(self, store: Store, *, show: bool) -> None:
        self.store = store
        self._store_ready.set()
        resume_gc()
        if show:
            self.show_caseload()

    @property
    def reads(self) -> StoreReads:
        """The caseload and the cohort as last read, shared by the caseload, dashboard and outcomes screens."""
        if self._reads is None:
            from drive_tui.ui.store_reads import StoreReads

            self._reads = StoreReads()
        return self._reads

    async def wait_for_store(self) -> Store:
        """The store, once attached (at once, except in the moment after the caseload first shows)."""
        await self._store_ready.wait()
        assert self.store is not None
        return self.store

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self._last_activity = self.clock()
        await super().on_event(event)

    def when_idle(self) -> None:
        """Checked every second: lock if no key has been pressed for the idle-lock time; collect garbage in a pause
        (``startup.collect_at_rest``)."""
        idle = self.clock() - self._last_activity
        if self.unlocked and not self.locked and idle >= self.settings.idle_lock_minutes * 60:
            self.action_lock()
        elif idle >= PAUSE_BEFORE_COLLECTING:
            collect_at_rest()

    # Visit mode ------------------------------------------------------------------------------------------

    def set_visit_mode(self, on: bool) -> None:
        self.visit_mode = on
        self.sub_title = "VISIT MODE" if on else ""
        self.set_class(on, "-visit-mode")

    def action_toggle_visit_mode(self) -> None:
        if not self.unlocked or self.locked:
            return
        if not self.visit_mode:
            self.set_visit_mode(True)
            self.notify("Visit mode on: victim/survivor details, risk and notes are hidden.")
            return
        from drive_tui.ui.screens.verify import VerifyScreen

        if isinstance(self.screen, VerifyScreen):
            return  # already asking for the passphrase

        def verified(ok: bool | None) -> None:
            if ok:
                self.set_visit_mode(False)

        self.push_screen(VerifyScreen("Enter your passphrase to leave visit mode.", cancellable=True), verified)

    # Lock and help ---------------------------------------------------------------------------------------

    def action_lock(self) -> None:
        if not self.unlocked or self.locked:
            return
        from drive_tui.ui.screens.verify import VerifyScreen

        self.locked = True
        self._reads = None  # case data read for the overviews is not kept behind the lock

        def unlocked(_: bool | None) -> None:
            self.locked = False
            self._last_activity = self.clock()

        self.push_screen(
            VerifyScreen("Locked. Your drafts are saved. Enter your passphrase to continue.", cancellable=False),
            unlocked,
        )

    def action_help(self) -> None:
        from drive_tui.ui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen) and not self.locked:
            self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette lists every action of the screen and the app; no 'Screenshot' (it writes the
        screen, case data and all, to an unencrypted file)."""
        for command in super().get_system_commands(screen):
            if command.title != "Screenshot":
                yield command
        yield SystemCommand(
            "Visit mode", "Hide or show victim/survivor details, risk and notes", self.action_toggle_visit_mode
        )
        yield SystemCommand("Lock", "Lock the app now (drafts are already saved)", self.action_lock)
        yield SystemCommand(
            "High contrast", "White and yellow on black, or back to the usual colours", self.action_contrast
        )
        yield SystemCommand("Help", "Every key of this screen", self.action_help)
        for binding in screen.active_bindings.values():
            b = binding.binding
            if binding.enabled and b.description and binding.node is screen:  # shown in the footer or not
                yield SystemCommand(
                    b.tooltip or b.description, f"key: {b.key_display or b.key}", _runner(screen, b.action)
                )

    def action_contrast(self) -> None:
        self.theme = "textual-dark" if self.theme == HIGH_CONTRAST.name else HIGH_CONTRAST.name

    def exit_wiped(self, message: str) -> None:
        """The central service revoked or retired this device and its store is wiped (``sync_device``): leave,
        saying why."""
        from rich.text import Text

        self.store = None
        self.exit(message=Text(f"drive-tui: {message}"))

    async def action_quit(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, DriveScreenMixin):
                screen.prepare_to_quit()
        self.exit()

    def _fatal_error(self) -> None:
        """Textual prints a crash with every local variable — here that would put answers and notes on a screen
        the Service User may see, and into the terminal's scrollback. Print the frames only, and what
        happened by type alone (a message can quote input, e.g. pydantic's)."""
        import sys
        import traceback

        from rich.text import Text

        error_type, _, trace = sys.exc_info()
        frames = "".join(traceback.format_tb(trace)) if trace is not None else ""
        name = error_type.__name__ if error_type is not None else "unknown error"
        self.bell()
        self.panic(
            Text(
                f"drive-tui stopped on an internal error ({name}). Every answer saved before it is safe in the store.\n"
                f"Where it happened (no case data):\n{frames}"
            )
        )

    def on_unmount(self) -> None:
        if self.store is not None:
            self.store.close()


def _runner(screen: Screen, action: str) -> Callable[[], Awaitable[None]]:
    """A palette callback that runs one of the screen's own actions."""

    async def run() -> None:
        await screen.run_action(action)

    return run


def make_app(
    settings: Settings,
    *,
    store: Store | None = None,
    keychain: Keychain | None = None,
    today: date | None = None,
    clock: Callable[[], float] = time.monotonic,
    first_open: FirstOpen | None = None,
) -> DriveApp:
    """The one factory of the app, for the CLI and for every test. ``first_open``: the store's file already being
    opened (``startup.run`` starts it before importing Textual)."""
    return DriveApp(settings, store=store, keychain=keychain, today=today, clock=clock, first_open=first_open)
