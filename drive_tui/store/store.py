"""Creating, unlocking and re-keying a store, and the handle (``Store``) that operations run against."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from drive_tui.domain.terms import Identity
from drive_tui.forms.catalogue import FormCatalogue, load_catalogue
from drive_tui.forms.spec import FormSpec
from drive_tui.store import keys
from drive_tui.store.device import identity_of
from drive_tui.store.engine import open_engine
from drive_tui.store.errors import KeyFileMissing, StoreBusy, StoreError, StoreExists, StoreFailed, WrongKey
from drive_tui.store.keychain import Keychain, KeychainUnavailable
from drive_tui.store.opening import OpenedFile, open_file
from drive_tui.store.settings import StoreSettings
from drive_tui.store.tables import StoreMeta


@dataclass(frozen=True, slots=True)
class Tx:
    """One transaction: the session, who acts, the forms in use, and one 'now' for every row it writes.

    It carries what store functions need and nothing more: not the store it came from."""

    session: Session
    identity: Identity
    forms: FormCatalogue
    form_snapshots: dict[tuple[str, int], FormSpec]
    """Forms by (id, version) as this store first used them: the store's cache of the ``form_snapshots`` table."""
    grace_days: int
    now: datetime

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def dbapi(self) -> Any:
        """The DB-API connection under this transaction, for the few reads written in plain SQL (see ``caseload``)."""
        return self.session.connection().connection.driver_connection


@dataclass
class Store:
    """An unlocked store. Open it with ``unlock`` or ``create``; close it when done."""

    engine: Engine
    home: Path
    store_id: str
    identity: Identity
    """Who this device works as; replaced as a whole when it enrols (``sync.engine.enrol``)."""
    forms: FormCatalogue
    grace_days: int
    unlocked_by: str
    """'keychain' or 'passphrase'."""
    form_snapshots: dict[tuple[str, int], FormSpec] = field(default_factory=dict, repr=False)
    """Forms by (id, version) as this store first used them: a cache of the ``form_snapshots`` table."""

    @contextmanager
    def transaction(self, *, now: datetime | None = None) -> Iterator[Tx]:
        """A write transaction: committed (durably) on leaving the block, rolled back on an exception. SQLite's
        operational errors become a ``StoreBusy`` (the write lock was held too long) or a ``StoreFailed`` (I/O, a
        full disk): ``StoreError``s like any other refusal, which the app shows and the CLI exits on."""
        try:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                yield Tx(
                    session=session,
                    identity=self.identity,
                    forms=self.forms,
                    form_snapshots=self.form_snapshots,
                    grace_days=self.grace_days,
                    now=now or datetime.now(UTC),
                )
        except (OperationalError, sqlcipher.OperationalError) as exc:
            raise _translated(exc) from exc  # the cause stays for a developer; what a person sees names no SQL

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _translated(exc: Exception) -> StoreError:
    cause = exc.orig if isinstance(exc, OperationalError) else exc
    text = str(cause).lower()
    if "locked" in text or "busy" in text:
        return StoreBusy()
    return StoreFailed(type(cause).__name__)


def _meta(session: Session) -> dict[str, str]:
    return {row.key: row.value for row in session.exec(select(StoreMeta))}


def create(settings: StoreSettings, passphrase: str, *, keychain: Keychain | None = None) -> Store:
    """Create a new store in ``settings.home``: data key, key file, database. Refuses to touch an existing one."""
    db_path, key_path = settings.database_path, settings.key_file_path
    for existing in (db_path, key_path):
        if existing.exists():
            raise StoreExists(existing)
    keys.check_passphrase(passphrase)
    settings.home.mkdir(parents=True, exist_ok=True, mode=0o700)
    store_id, device_id = str(uuid.uuid4()), str(uuid.uuid4())
    data_key = keys.new_data_key()
    keys.write_key_file(key_path, keys.wrap(data_key, passphrase, store_id))
    try:
        engine = open_engine(db_path, data_key)
    except BaseException:
        key_path.unlink(missing_ok=True)
        raise
    with Session(engine) as session, session.begin():
        for key, value in {
            "store_id": store_id,
            "device_id": device_id,
            "created_at": datetime.now(UTC).isoformat(),
            "created_by": settings.user,
        }.items():
            session.add(StoreMeta(key=key, value=value))
    if keychain is not None:
        try:
            keychain.put(store_id, data_key)
        except KeychainUnavailable:
            pass  # the key file is the fallback; doctor reports the keychain state
    return _handle(engine, settings, store_id, Identity(user=settings.user, device_id=device_id), "passphrase")


def unlock(
    settings: StoreSettings,
    passphrase: str | Callable[[], str] | None = None,
    *,
    keychain: Keychain | None = None,
) -> Store:
    """Open the store: from the keychain when it holds the key, else with the passphrase (see ``open_file``)."""
    return attach(open_file(settings, passphrase, keychain=keychain))


def attach(opened: OpenedFile) -> Store:
    """Unlocking, second half: the engine over the opened file (migrated if it is older) and the handle."""
    opened.close()
    settings = opened.settings
    engine = open_engine(settings.database_path, opened.data_key)
    try:
        meta = opened.meta
        if meta is None:  # migrated just now
            with Session(engine) as session:
                meta = _meta(session)
        if meta.get("store_id") != opened.store_id:
            raise WrongKey(settings.database_path)
        return _handle(engine, settings, meta["store_id"], identity_of(meta, settings.user), opened.how)
    except BaseException:
        engine.dispose()
        raise


def change_passphrase(settings: StoreSettings, old: str, new: str) -> None:
    """Re-wrap the data key under a new passphrase. The database is not touched or re-encrypted."""
    key_path = settings.key_file_path
    if not key_path.exists():
        raise KeyFileMissing(key_path)
    key_file = keys.read_key_file(key_path)
    data_key = keys.unwrap(key_file, old)
    keys.check_passphrase(new)
    keys.write_key_file(key_path, keys.wrap(data_key, new, key_file.store_id))


def destroy(store: Store, settings: StoreSettings, *, keychain: Keychain | None = None) -> None:
    """Wipe this device's store: the key file and keychain entry (without them the encrypted data is unreadable
    noise), then the database and its WAL files. Used when the central service says this device is revoked."""
    store.close()
    if keychain is not None:
        try:
            keychain.delete(store.store_id)
        except KeychainUnavailable:
            pass
    for path in (
        settings.key_file_path,
        settings.database_path,
        settings.database_path.with_name(settings.database_path.name + "-wal"),
        settings.database_path.with_name(settings.database_path.name + "-shm"),
    ):
        path.unlink(missing_ok=True)


def _handle(engine: Engine, settings: StoreSettings, store_id: str, identity: Identity, how: str) -> Store:
    return Store(
        engine=engine,
        home=settings.home,
        store_id=store_id,
        identity=identity,
        forms=load_catalogue(settings.forms_dir),
        grace_days=settings.grace_days,
        unlocked_by=how,
    )
