"""Start-up, in one place: how the caseload shows as soon as the store's file is open.

1. ``run`` (the CLI's way in) pauses cycle collection: start-up builds a great many long-lived objects and hardly
   any garbage, and collecting meanwhile cost ~45 ms of a ~330 ms start (bench/RESULTS.md).
2. ``FirstOpen`` starts before Textual is even imported: a thread opens the file from the keychain (or
   ``DRIVE_TUI_PASSPHRASE``) and reads the caseload with the DB-API alone (``store.opening``, ``store.caseload``)
   while Textual loads and starts (started with the app instead, it kept the first frame waiting ~60 ms).
3. The app's mount waits a moment for it; the caseload is drawn at once when it is there, else the unlock screen
   takes the first open over (it waits on, or asks for the passphrase, or says what is wrong).
4. After the caseload's first frame a worker loads SQLAlchemy and attaches the full store; collection resumes
   (``resume_gc``). Anything that needs the store awaits ``DriveApp.wait_for_store``, so a key pressed in between
   is handled (in order) a moment later, never dropped.
5. From then on full collections wait for a pause (``collect_at_rest``): with 2,000 cases read, one takes
   130–340 ms, and Python starts one whenever enough objects have survived — as often as not in the middle of
   drawing the next screen (bench/RESULTS.md). A read the app keeps (every case with its assessments, for the
   dashboard and the outcomes) is set aside with start-up's objects (``keep_long_lived``): left among the old
   objects, it alone made Python run a full collection on the next screen (~380 ms, dashboard → outcomes).
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from concurrent.futures import Future
from datetime import date
from typing import TYPE_CHECKING

from drive_tui.background import in_background
from drive_tui.config import Settings
from drive_tui.store.errors import StoreError

if TYPE_CHECKING:
    from drive_tui.store.caseload import Overview
    from drive_tui.store.keychain import Keychain
    from drive_tui.store.opening import OpenedFile
    from drive_tui.store.store import Store

    Opened = tuple[OpenedFile, Overview | None]

FIRST_OPEN_WAIT = 0.5
"""Seconds the app waits, showing nothing yet, for the keychain to open the store before it shows the unlock
screen (which goes on waiting, saying so). Usually the store is open long before."""


def run(settings: Settings, *, store: Store | None = None, keychain: Keychain | None = None) -> None:
    """Run the app for a person at a terminal."""
    gc.disable()  # resumed once the store is attached, or when a passphrase is to be typed
    first_open = FirstOpen.start(settings, keychain, date.today) if store is None else None
    from drive_tui.ui.app import make_app

    make_app(settings, store=store, keychain=keychain, first_open=first_open).run()


FULL_COLLECTION_RHYTHM = 10
"""Python's own: a full collection once every this many generation-1 collections (``gc.get_threshold()[2]``)."""

FULL_COLLECTION_CEILING = 100
"""Generation-1 collections after which Python runs a full collection itself, pause or not: the bound on what
garbage can build up while keys come without a pause."""

PAUSE_BEFORE_COLLECTING = 1.0
"""Seconds without a key before a due full collection runs."""


_managing = False
"""True once ``resume_gc`` has taken collection over from ``run`` (not in tests, which leave Python's own)."""


def resume_gc() -> None:
    """Collect cycles again if ``run`` paused it. What start-up built lives as long as the app, so it is frozen out
    of every later collection; the young generations are collected as usual (a few milliseconds at most), the full
    collection waits for ``collect_at_rest``."""
    global _managing
    if not gc.isenabled():
        gc.freeze()
        young, middle, _ = gc.get_threshold()
        gc.set_threshold(young, middle, FULL_COLLECTION_CEILING)
        gc.enable()
        _managing = True


def keep_long_lived() -> None:
    """Set what is alive now aside from collections until the next at rest: called after a read the app keeps
    (hundreds of thousands of objects with 2,000 cases). Young garbage is collected first (a few milliseconds);
    anything older that is garbage waits for ``collect_at_rest``, which looks at everything again."""
    if _managing and gc.isenabled():
        gc.collect(1)
        gc.freeze()


def collect_at_rest() -> bool:
    """Run the full collection Python would have run by now, while the person is not pressing keys (the app calls
    this once a second after ``PAUSE_BEFORE_COLLECTING``). True if it ran. What ``keep_long_lived`` set aside is
    looked at too, then set aside again; start-up's objects are among it, so this is the one full look."""
    if not gc.isenabled() or gc.get_count()[2] < FULL_COLLECTION_RHYTHM:
        return False
    if _managing:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
    else:
        gc.collect()
    return True


class FirstOpen:
    """Opening the store's file, started with the app. It holds the data key, so it is handed over once — to the
    app's mount if it is done in time, else to the unlock screen — and then dropped."""

    def __init__(self, future: Future[Opened]) -> None:
        self._future: Future[Opened] | None = future

    @classmethod
    def start(cls, settings: Settings, keychain: Keychain | None, today: Callable[[], date]) -> FirstOpen | None:
        """Start opening, unless there is no store yet (the unlock screen offers to create one)."""
        if not settings.database_path.exists():
            return None
        from drive_tui.store.opening import open_for_caseload

        passphrase = settings.passphrase.get_secret_value() if settings.passphrase is not None else None
        return cls(
            in_background(
                lambda: open_for_caseload(settings, passphrase, keychain=keychain, today=today()), name="drive-tui-open"
            )
        )

    async def within(self, seconds: float) -> Opened | None:
        """The opened file and caseload if opening ends within ``seconds`` without needing a passphrase (then it is
        taken); else None, and it goes on for whoever takes it next."""
        if self._future is None:
            return None
        try:
            opened = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(self._future)), seconds)
        except (TimeoutError, StoreError):
            return None
        self._future = None
        return opened

    def take(self) -> Future[Opened] | None:
        """The opening, for one taker only."""
        future, self._future = self._future, None
        return future


def preload_store() -> None:
    """While the user types a passphrase, import what opening the full store needs (SQLAlchemy, the tables, the
    forms): a few hundred milliseconds that would otherwise come after they press Enter."""

    def load() -> None:
        import drive_tui.store.store  # noqa: F401
        import drive_tui.ui.screens.case  # noqa: F401

    in_background(load, name="drive-tui-preload")
