"""Unlocking, first half: find the data key (keychain or passphrase), open the encrypted file with the DB-API and
check that it is this store — all without SQLAlchemy, so the app can show the caseload while the ORM loads.
``store.attach`` is the second half; ``store.unlock`` does both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from drive_tui.store import keys
from drive_tui.store.caseload import Overview, read_overview
from drive_tui.store.connection import SCHEMA_HEAD, connect, read_meta, schema_revision
from drive_tui.store.errors import PassphraseNeeded, StoreMissing, WrongKey
from drive_tui.store.keychain import Keychain, KeychainUnavailable
from drive_tui.store.settings import StoreSettings


@dataclass
class OpenedFile:
    """The store's file, opened and checked; its connection is for reading only, and is closed by ``attach``."""

    settings: StoreSettings
    store_id: str
    how: str
    """'keychain' or 'passphrase'."""
    data_key: bytes = field(repr=False)
    connection: Any = field(repr=False)
    meta: dict[str, str] | None = field(repr=False)
    """``store_meta`` when the schema is current; None when migrations must run first (then ``attach`` reads it)."""

    @property
    def schema_current(self) -> bool:
        return self.meta is not None

    def close(self) -> None:
        self.connection.close()


def open_file(
    settings: StoreSettings,
    passphrase: str | Callable[[], str] | None = None,
    *,
    keychain: Keychain | None = None,
) -> OpenedFile:
    """Open the store's file: with the key from the keychain when it holds one, else with the passphrase.

    ``passphrase`` may be a function, called only when the keychain cannot help (so a prompt appears only
    when needed). Raises an UnlockError (exit status 2) — wrong passphrase, missing key file, no store —
    having changed nothing.
    """
    db_path, key_path = settings.database_path, settings.key_file_path
    if not db_path.exists():
        raise StoreMissing(db_path)
    key_file = keys.read_key_file(key_path)
    data_key, how, keychain_answered = None, "keychain", False
    if keychain is not None:
        try:
            data_key = keychain.get(key_file.store_id)
            keychain_answered = True
        except KeychainUnavailable:
            data_key = None
    connection = None
    if data_key is not None:
        try:
            connection = connect(db_path, data_key)
        except WrongKey:
            connection = None  # a stale keychain entry: the passphrase decides
    if connection is None:
        given = passphrase() if callable(passphrase) else passphrase
        if given is None:
            raise PassphraseNeeded()
        data_key, how = keys.unwrap(key_file, given), "passphrase"
        connection = connect(db_path, data_key)
    assert data_key is not None
    try:
        meta = read_meta(connection) if schema_revision(connection) == SCHEMA_HEAD else None
        if meta is not None and meta.get("store_id") != key_file.store_id:
            raise WrongKey(db_path)
    except BaseException:
        connection.close()
        raise
    if how == "passphrase" and keychain_answered and keychain is not None:
        try:
            keychain.put(key_file.store_id, data_key)  # the keychain works now: unlock from it next time
        except KeychainUnavailable:
            pass
    return OpenedFile(
        settings=settings, store_id=key_file.store_id, how=how, data_key=data_key, connection=connection, meta=meta
    )


def open_for_caseload(
    settings: StoreSettings, passphrase: str | None, *, keychain: Keychain | None, today: date
) -> tuple[OpenedFile, Overview | None]:
    """Open the file and read what the caseload screen shows; the overview is None when the file must be migrated
    first (``attach`` does that). The app's first step, run in a thread."""
    opened = open_file(settings, passphrase, keychain=keychain)
    if not opened.schema_current:
        return opened, None
    try:
        return opened, read_overview(
            opened.connection, today=today, grace_days=settings.grace_days, login=settings.user
        )
    except BaseException:
        opened.close()
        raise
