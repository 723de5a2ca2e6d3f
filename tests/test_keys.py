"""Keys: passphrase rules, the key file, changing the passphrase, and the keychain (secure, insecure, hanging)."""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path

import keyring
import pytest

from drive_tui.config import Settings
from drive_tui.store import keys
from drive_tui.store.cases import create_case, list_cases
from drive_tui.store.errors import KeyFileDamaged, KeyFileMissing, PassphraseNeeded, WeakPassphrase, WrongPassphrase
from drive_tui.store.keychain import Keychain, is_secure_backend
from drive_tui.store.store import Store, change_passphrase, create, unlock
from tests.conftest import PRODUCTION_SCRYPT_N, TEST_SCRYPT_N
from tests.support.cli import run
from tests.support.data import PASSPHRASE, MemoryKeyring, profile


@pytest.mark.parametrize(
    ("passphrase", "why"),
    [
        ("short", "too short"),
        ("aaaaaaaaaaaaaaaa", "repetitive"),
        ("password1234", "common"),
        (" leading space here", "space"),
    ],
)
def test_weak_passphrases_are_refused(passphrase: str, why: str) -> None:
    with pytest.raises(WeakPassphrase, match=why):
        keys.check_passphrase(passphrase)


def test_weak_passphrase_creates_nothing(settings: Settings) -> None:
    with pytest.raises(WeakPassphrase):
        create(settings, "short")
    assert not settings.database_path.exists() and not settings.key_file_path.exists()


def test_key_file_wraps_the_data_key() -> None:
    data_key = keys.new_data_key()
    key_file = keys.wrap(data_key, PASSPHRASE, "store-1")
    assert keys.unwrap(key_file, PASSPHRASE) == data_key
    assert data_key not in key_file.to_json().encode()
    with pytest.raises(WrongPassphrase):
        keys.unwrap(key_file, PASSPHRASE + "!")
    moved = dataclasses.replace(key_file, store_id="store-2")
    with pytest.raises(WrongPassphrase):
        keys.unwrap(moved, PASSPHRASE)  # a key file cannot be swapped between stores


def test_changing_the_passphrase_keeps_the_data_and_does_not_rewrite_it(store: Store, settings: Settings) -> None:
    with store.transaction() as tx:
        create_case(tx, profile())
    store.close()
    database_before = settings.database_path.read_bytes()
    change_passphrase(settings, PASSPHRASE, "a whole new passphrase")
    assert settings.database_path.read_bytes() == database_before
    with pytest.raises(WrongPassphrase):
        unlock(settings, PASSPHRASE)
    with unlock(settings, "a whole new passphrase") as reopened, reopened.transaction() as tx:
        assert [c.reference for c in list_cases(tx)] == ["DRV-0001"]


def test_changing_the_passphrase_needs_the_old_one(store: Store, settings: Settings) -> None:
    store.close()
    before = settings.key_file_path.read_bytes()
    with pytest.raises(WrongPassphrase):
        change_passphrase(settings, "not the old passphrase", "a whole new passphrase")
    with pytest.raises(WeakPassphrase):
        change_passphrase(settings, PASSPHRASE, "weak")
    assert settings.key_file_path.read_bytes() == before


def test_missing_or_damaged_key_file(store: Store, settings: Settings) -> None:
    store.close()
    content = settings.key_file_path.read_text()
    settings.key_file_path.write_text(content[: len(content) // 2])
    with pytest.raises(KeyFileDamaged):
        unlock(settings, PASSPHRASE)
    settings.key_file_path.unlink()
    with pytest.raises(KeyFileMissing, match="no key file"):
        unlock(settings, PASSPHRASE)


def test_no_passphrase_and_no_keychain(store: Store, settings: Settings) -> None:
    store.close()
    with pytest.raises(PassphraseNeeded):
        unlock(settings, None)


def test_the_keychain_unlocks_without_a_passphrase(settings: Settings, _isolated: MemoryKeyring) -> None:
    keychain = Keychain(enabled=True, timeout=2)
    create(settings, PASSPHRASE, keychain=keychain).close()
    assert len(_isolated.secrets) == 1

    def no_prompt() -> str:
        raise AssertionError("the keychain should have answered")

    with unlock(settings, no_prompt, keychain=keychain) as opened:
        assert opened.unlocked_by == "keychain"


def test_a_passphrase_unlock_fills_an_empty_keychain(
    store: Store, settings: Settings, _isolated: MemoryKeyring
) -> None:
    store.close()
    keychain = Keychain(enabled=True, timeout=2)
    with unlock(settings, PASSPHRASE, keychain=keychain) as opened:
        assert opened.unlocked_by == "passphrase"
    with unlock(settings, None, keychain=keychain) as opened:
        assert opened.unlocked_by == "keychain"


class PlaintextKeyring(MemoryKeyring):
    """Named like keyrings.alt's PlaintextKeyring, which writes secrets to a readable file."""


class HangingKeyring(MemoryKeyring):
    """A keychain whose D-Bus never answers."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()
        self.answered = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(30)
        self.answered.set()
        return None


def test_insecure_keychain_backends_are_refused(store: Store, settings: Settings) -> None:
    from keyring.backends import fail, null

    assert not is_secure_backend(PlaintextKeyring())
    assert not is_secure_backend(fail.Keyring())
    assert not is_secure_backend(null.Keyring())
    assert is_secure_backend(MemoryKeyring())
    store.close()
    keyring.set_keyring(PlaintextKeyring())
    keychain = Keychain(enabled=True, timeout=2)
    assert keychain.describe().startswith("none")
    with unlock(settings, PASSPHRASE, keychain=keychain) as opened:
        assert opened.unlocked_by == "passphrase"
    assert keyring.get_keyring().secrets == {}  # type: ignore[attr-defined]


def test_a_hanging_keychain_falls_back_to_the_passphrase_quickly(store: Store, settings: Settings) -> None:
    store.close()
    hanging = HangingKeyring()
    keyring.set_keyring(hanging)
    try:
        with unlock(settings, PASSPHRASE, keychain=Keychain(enabled=True, timeout=0.2)) as opened:
            assert opened.unlocked_by == "passphrase"
        assert not hanging.answered.is_set()  # unlocked while the keychain still hung: it was not waited for
    finally:
        hanging.release.set()


def test_the_keychain_can_be_turned_off(store: Store, settings: Settings, _isolated: MemoryKeyring) -> None:
    store.close()
    with unlock(settings, PASSPHRASE, keychain=Keychain(enabled=False)) as opened:
        assert opened.unlocked_by == "passphrase"
    assert _isolated.secrets == {}


def test_a_stale_keychain_entry_falls_back_to_the_passphrase(
    store: Store, settings: Settings, _isolated: MemoryKeyring
) -> None:
    store.close()
    keychain = Keychain(enabled=True, timeout=2)
    store_id = keys.read_key_file(settings.key_file_path).store_id
    keychain.put(store_id, keys.new_data_key())  # not this store's key
    with unlock(settings, PASSPHRASE, keychain=keychain) as opened:
        assert opened.unlocked_by == "passphrase"
    with unlock(settings, None, keychain=keychain) as opened:  # and the keychain now holds the right key
        assert opened.unlocked_by == "keychain"


def test_a_store_made_by_drive_tui_init_derives_its_key_at_the_production_cost(tmp_path: Path) -> None:
    """The tests' own stores use a cheaper scrypt (``tests/conftest.py``); the command a person runs does not."""
    home = tmp_path / "real"
    made = run(home, "init")
    assert made.returncode == 0, made.stderr
    kdf = json.loads(next(home.glob("*.key")).read_text())["kdf"]
    assert (kdf["name"], kdf["n"], kdf["r"], kdf["p"]) == ("scrypt", PRODUCTION_SCRYPT_N, 8, 1)
    assert PRODUCTION_SCRYPT_N == 2**16 and keys.SCRYPT_N == TEST_SCRYPT_N
