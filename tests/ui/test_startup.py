"""Start-up in two halves: the caseload shows from the DB-API read while the full store attaches behind it.
Nothing pressed in between is lost, visit mode works at once, and an older store is migrated before it shows."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.config import Config
from textual import events

import drive_tui.store.store as store_module
from drive_tui.config import Settings
from drive_tui.demo import synthetic_exchange
from drive_tui.store.engine import _MIGRATIONS, SCHEMA_HEAD
from drive_tui.store.keychain import Keychain
from drive_tui.store.store import Store, create
from drive_tui.store.transfer import import_exchange
from drive_tui.ui.app import make_app
from drive_tui.ui.screens.case import CaseScreen
from drive_tui.ui.screens.caseload import CaseloadScreen
from drive_tui.ui.screens.unlock import UnlockScreen
from tests.support.data import PASSPHRASE
from tests.support.ui import TODAY, screen_text


@pytest.fixture
def keychain_store(settings: Settings) -> tuple[Settings, Keychain]:
    """A store of 20 invented cases whose key the (test) keychain holds: the app opens it without asking."""
    keychain = Keychain(enabled=True, timeout=2)
    with create(settings, PASSPHRASE, keychain=keychain) as store, store.transaction() as tx:
        import_exchange(tx, synthetic_exchange(store.forms, cases=20, today=TODAY, seed=3))
    return settings, keychain


@pytest.fixture
def held_attach(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Attaching the full store waits until the test sets the event (as if SQLAlchemy were still loading)."""
    release = threading.Event()
    real_attach = store_module.attach

    def slow_attach(opened):  # type: ignore[no-untyped-def]
        assert release.wait(10), "the test never released the store"
        return real_attach(opened)

    monkeypatch.setattr(store_module, "attach", slow_attach)
    yield release
    release.set()


async def until(pilot, condition, limit: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(limit / 0.02)):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not met in time")


async def test_the_caseload_shows_before_the_store_attaches_and_no_key_is_lost(
    keychain_store: tuple[Settings, Keychain], held_attach: threading.Event
) -> None:
    settings, keychain = keychain_store
    app = make_app(settings, keychain=keychain, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, CaseloadScreen) and "DEMO-" in screen_text(app))
        assert app.store is None  # still attaching: the caseload came from the first read
        assert "Risk" in screen_text(app)
        first_case = app.screen.query_one("#cases").coordinate_to_cell_key((0, 0)).row_key.value
        await pilot.press("f2")  # visit mode needs no store: it hides at once
        await pilot.pause()
        assert app.visit_mode and "Risk" not in screen_text(app)
        # Enter on the first case, posted as a terminal would (Pilot.press would wait for it to be handled,
        # and it cannot be until the store is there): it waits for the store and is not dropped.
        app.post_message(events.Key("enter", "\r"))
        await pilot.pause()
        assert isinstance(app.screen, CaseloadScreen) and app.store is None
        held_attach.set()
        await app.workers.wait_for_complete()
        await until(pilot, lambda: isinstance(app.screen, CaseScreen))
        await pilot.pause()
        assert app.store is not None and app.store.unlocked_by == "keychain"
        assert app.screen.case_id == first_case
        assert "Timeline" in screen_text(app) and "VISIT MODE" in screen_text(app)


async def test_a_store_from_an_older_release_is_migrated_before_the_caseload_shows(
    keychain_store: tuple[Settings, Keychain],
) -> None:
    settings, keychain = keychain_store
    with store_module.unlock(settings, PASSPHRASE) as store:
        _downgrade(store, "0001")
    app = make_app(settings, keychain=keychain, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, CaseloadScreen) and app.store is not None)
        await pilot.pause()
        assert "DEMO-" in screen_text(app)
        with app.store.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one() == SCHEMA_HEAD


async def test_without_a_usable_keychain_it_asks_and_the_caseload_follows(settings: Settings) -> None:
    create(settings, PASSPHRASE).close()  # no keychain: the key is only in the passphrase-wrapped key file
    app = make_app(settings, keychain=Keychain(enabled=False), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, UnlockScreen) and "Enter your passphrase" in screen_text(app))
        await pilot.press(*PASSPHRASE, "enter")
        await until(pilot, lambda: isinstance(app.screen, CaseloadScreen) and app.store is not None)
        assert app.store.unlocked_by == "passphrase"


def _downgrade(store: Store, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


async def test_visit_mode_set_for_start_holds_from_the_first_frame(
    keychain_store: tuple[Settings, Keychain], held_attach: threading.Event
) -> None:
    """DRIVE_TUI_VISIT_MODE: the caseload read before the store attaches never shows risk levels either."""
    settings, keychain = keychain_store
    app = make_app(settings.with_changes(visit_mode=True), keychain=keychain, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, CaseloadScreen) and "DEMO-" in screen_text(app))
        text = screen_text(app)
        assert app.store is None and "VISIT MODE" in text
        assert "Risk" not in text and not any(level in text for level in ("Standard", "Medium", "High"))
        held_attach.set()
        await app.workers.wait_for_complete()


def test_garbage_set_aside_with_a_kept_read_is_collected_at_the_next_pause() -> None:
    """``keep_long_lived`` freezes what is alive after a big read (so the next screen is not held up by a full
    collection); a cycle that was garbage already is among it, and the next collection at rest must free it,
    not leak it for the rest of the session. In a child process: this changes the collector's state."""
    code = """
import gc, weakref
from drive_tui.ui import startup

class Node:
    pass

gc.disable()
startup.resume_gc()  # as the app does once the caseload shows
node = Node(); node.self = node  # a cycle: only the collector frees it
gone = []
ref = weakref.ref(node, lambda _: gone.append(True))
for _ in range(3):
    gc.collect(1)  # into the oldest generation, as a popped screen's widgets get
del node
startup.keep_long_lived()
gc.collect()  # a full collection between keys: the frozen cycle is not looked at
assert not gone, "frozen garbage collected early"
while gc.get_count()[2] < startup.FULL_COLLECTION_RHYTHM:
    gc.collect(1)
assert startup.collect_at_rest()
assert gone, "garbage frozen with a kept read was never collected"
assert gc.get_freeze_count() > 0  # what lives is set aside again
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "ok", result.stderr
