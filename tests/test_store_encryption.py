"""Nothing readable at rest: the database, its WAL and the key file never hold case data in plain bytes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from drive_tui.config import Settings
from drive_tui.domain.vocab import Timepoint
from drive_tui.store import keys
from drive_tui.store.assessments import save_draft_answer, start_assessment
from drive_tui.store.cases import create_case
from drive_tui.store.engine import open_engine
from drive_tui.store.errors import NotEncrypted, WrongKey, WrongPassphrase
from drive_tui.store.store import Store, unlock
from tests.support.data import PASSPHRASE, profile

SENTINEL = "ZEBRA-SENTINEL-7731"


def all_bytes(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


def test_no_file_in_the_store_folder_holds_case_data_in_plain_bytes(store: Store, settings: Settings) -> None:
    with store.transaction() as tx:
        case = create_case(tx, profile(reference=SENTINEL, service_user={"ethnicity": SENTINEL}))
        draft = start_assessment(tx, case.id, Timepoint.INTAKE)
    with store.transaction() as tx:
        save_draft_answer(tx, draft.id, "notes", f"note {SENTINEL}")
    files = all_bytes(settings.home)  # read while the store is open: the WAL holds the latest pages
    assert {"store.db", "store.db-wal", "store.key"} <= set(files)
    for name, content in files.items():
        for needle in (SENTINEL.encode(), SENTINEL.encode("utf-16-le"), b"SQLite format 3"):
            assert needle not in content, f"{needle!r} found in {name}"


def test_plain_sqlite_cannot_read_the_database(store: Store, settings: Settings) -> None:
    with store.transaction() as tx:
        create_case(tx, profile())
    store.close()
    connection = sqlite3.connect(settings.database_path)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        connection.execute("SELECT * FROM cases").fetchall()
    connection.close()


def test_a_wrong_key_is_refused_cleanly(store: Store, settings: Settings) -> None:
    store.close()
    before = settings.database_path.read_bytes()
    with pytest.raises(WrongKey):
        open_engine(settings.database_path, keys.new_data_key())
    assert settings.database_path.read_bytes() == before


def test_a_wrong_passphrase_is_refused_and_touches_nothing(store: Store, settings: Settings) -> None:
    store.close()
    before = all_bytes(settings.home)
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        unlock(settings, "not the passphrase at all")
    assert all_bytes(settings.home) == before


def test_a_plaintext_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(NotEncrypted, match="unencrypted"):
        open_engine(path, keys.new_data_key())


def test_a_key_of_the_wrong_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        open_engine(tmp_path / "x.db", b"")
    assert not (tmp_path / "x.db").exists()


def test_the_store_files_are_private_to_the_owner(store: Store, settings: Settings) -> None:
    with store.transaction() as tx:
        create_case(tx, profile())
    for path in settings.home.iterdir():
        assert path.stat().st_mode & 0o077 == 0, path.name


def test_reopening_with_the_passphrase_reads_everything_back(store: Store, settings: Settings) -> None:
    with store.transaction() as tx:
        created = create_case(tx, profile(reference=SENTINEL))
    store.close()
    with unlock(settings, PASSPHRASE) as reopened, reopened.transaction() as tx:
        from drive_tui.store.cases import get_case

        assert get_case(tx, created.id) == created


def test_a_database_error_does_not_quote_the_data_it_was_writing(store) -> None:  # type: ignore[no-untyped-def]
    """Errors may reach a terminal or a log: SQLAlchemy's message would otherwise list every bound value."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    secret = "SENTINEL-victim-address-17"
    with pytest.raises(IntegrityError) as failed, store.engine.begin() as connection:
        connection.execute(text("INSERT INTO store_meta (key, value) VALUES (:k, :v)"), {"k": "store_id", "v": secret})
    assert secret not in str(failed.value)
