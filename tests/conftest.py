"""Shared fixtures: a fresh encrypted store per test in tmp_path, a test keyring, no real keychain ever."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from drive_tui.config import Settings
from drive_tui.store import keys
from drive_tui.store.store import Store, create
from tests.support.data import PASSPHRASE, MemoryKeyring

PRODUCTION_SCRYPT_N = keys.SCRYPT_N
TEST_SCRYPT_N = 2**12


def pytest_configure(config: pytest.Config) -> None:
    """Key files made in the test processes derive their key with scrypt at N=2**12, not the production 2**16
    (0.2 s and 64 MiB each, hundreds of times over): the same code, at a cost each file records and every unlock
    reads back. ``test_keys`` checks that a store made by ``drive-tui init`` itself has the production cost."""
    keys.SCRYPT_N = TEST_SCRYPT_N


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """Every test: its own home, no DRIVE_TUI_* from the developer's shell, an in-memory keyring."""
    for name in list(os.environ):
        if name.startswith("DRIVE_TUI_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DRIVE_TUI_HOME", str(tmp_path / "home"))
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", keyring=False, user="cm1")


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    with create(settings, PASSPHRASE) as opened:
        yield opened
