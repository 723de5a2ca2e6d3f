"""Unlock screen: keychain, passphrase (wrong, then right), creating a store; nothing shown before unlock."""

from __future__ import annotations

import threading

from drive_tui.config import Settings
from drive_tui.store import keys
from drive_tui.store.keychain import Keychain
from drive_tui.store.store import Store, create
from drive_tui.ui.app import make_app
from drive_tui.ui.screens.caseload import CaseloadScreen
from drive_tui.ui.screens.unlock import UnlockScreen
from tests.support.data import PASSPHRASE
from tests.support.ui import TODAY, screen_text


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*list(text))


async def test_wrong_passphrase_then_right(populated: Store, settings: Settings, app_for) -> None:  # type: ignore[no-untyped-def]
    populated.close()
    app = app_for(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        assert "TEST-0001" not in screen_text(app)
        await type_text(pilot, "not my passphrase")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, UnlockScreen)
        assert "wrong passphrase" in screen_text(app)
        assert app.store is None
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, CaseloadScreen)
        assert "TEST-0001" in screen_text(app)


async def test_keychain_unlocks_without_asking(settings: Settings) -> None:
    keychain = Keychain(enabled=True, timeout=2)
    create(settings, PASSPHRASE, keychain=keychain).close()
    app = make_app(settings, keychain=keychain, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, CaseloadScreen)
        assert app.store is not None and app.store.unlocked_by == "keychain"


async def test_with_no_store_it_offers_to_create_one(settings: Settings, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Create your encrypted store" in screen_text(app)
        await type_text(pilot, "short")
        await pilot.press("enter")
        await type_text(pilot, "short")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "too short" in screen_text(app) and not settings.database_path.exists()
        await type_text(pilot, "a long enough phrase")
        await pilot.press("enter")
        await type_text(pilot, "a long enough phrase")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, CaseloadScreen)
    assert settings.database_path.exists()


async def test_enter_twice_opens_the_store_once(populated: Store, settings: Settings, app_for, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The key derivation takes a moment; an impatient second Enter must not open (and attach) a second store."""
    populated.close()
    app = app_for(None)
    opened: list[object] = []
    real = type(app).file_opened

    def counting(self, *args):  # type: ignore[no-untyped-def]
        opened.append(args)
        real(self, *args)

    monkeypatch.setattr(type(app), "file_opened", counting)
    real_unwrap, derived = keys.unwrap, threading.Event()
    derived.set()  # until the passphrase is typed

    def slow_unwrap(*args):  # type: ignore[no-untyped-def]
        assert derived.wait(10), "the test never let the key derivation finish"  # a slow laptop
        return real_unwrap(*args)

    monkeypatch.setattr(keys, "unwrap", slow_unwrap)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        derived.clear()
        await type_text(pilot, PASSPHRASE)
        await pilot.press("enter", "enter")  # the second while the first is still deriving the key
        assert isinstance(app.screen, UnlockScreen)
        derived.set()
        for _ in range(100):  # the key derived, the file opened, the caseload shown, the store attached
            await app.workers.wait_for_complete()
            await pilot.pause()
            if isinstance(app.screen, CaseloadScreen) and app.store is not None:
                break
        assert isinstance(app.screen, CaseloadScreen) and app.store is not None
    assert len(opened) == 1
