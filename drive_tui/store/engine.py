"""Opening the SQLCipher database: the key goes in before any other statement, and a plaintext file
is refused (SQLAlchemy's pysqlcipher dialect would silently create one when the key is empty).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import Engine, create_engine, event, text

from drive_tui.store.errors import NotEncrypted, WrongKey

SCHEMA_HEAD = "0002"
"""The newest migration; opening a store at this revision skips Alembic (and its import) entirely."""

SQLITE_HEADER = b"SQLite format 3\x00"
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def is_plaintext_sqlite(path: Path) -> bool:
    """True when ``path`` starts with SQLite's plain header (an encrypted file looks random from byte 0)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except FileNotFoundError:
        return False


def _connect(path: Path, data_key: bytes) -> Any:
    if len(data_key) != 32:
        raise ValueError("the data key must be 32 bytes")
    if is_plaintext_sqlite(path):
        raise NotEncrypted(path)
    if not path.exists():  # SQLite gives -wal and -shm the database file's mode: owner only
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    connection = sqlcipher.connect(str(path), check_same_thread=False, isolation_level=None)
    try:
        # The key must be the first statement. It is our own random bytes as hex, never user text.
        connection.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
        if not connection.execute("PRAGMA cipher_version").fetchone():
            raise RuntimeError("the sqlcipher3 module is not linked with SQLCipher")
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher.DatabaseError:
            raise WrongKey(path) from None
        apply_pragmas(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def apply_pragmas(connection: Any) -> None:
    """Durability and hygiene: WAL with a full fsync per commit (a returned save survives power loss),
    temporary tables in memory (never a plaintext temp file), foreign keys enforced, freed pages zeroed."""
    connection.execute("PRAGMA busy_timeout = 5000")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("PRAGMA temp_store = MEMORY")
    connection.execute("PRAGMA foreign_keys = ON")
    connection.execute("PRAGMA secure_delete = ON")


def open_engine(path: Path, data_key: bytes) -> Engine:
    """An engine on the encrypted database at ``path`` (created if missing), migrated to the newest schema.

    Every transaction starts with ``BEGIN IMMEDIATE``: a write transaction holds the write lock from its
    first read, so read-then-write sequences (the audit chain) cannot interleave with another process.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    probe = _connect(path, data_key)  # fail fast, before the pool exists, on a wrong key or plaintext file
    probe.close()
    engine = build_engine(lambda: _connect(path, data_key), sqlcipher)
    if is_plaintext_sqlite(path):  # belt and braces: never leave a readable file behind
        engine.dispose()
        raise NotEncrypted(path)
    return engine


def build_engine(creator: Callable[[], Any], module: Any) -> Engine:
    """An engine over DB-API connections from ``creator``, migrated. (The benchmark passes plain sqlite3.)"""
    # hide_parameters: a database error's message must not carry the answers it was writing (it may be shown or logged)
    engine = create_engine("sqlite://", creator=creator, module=module, hide_parameters=True)

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    try:
        _migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def schema_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
        ).first()
        if not exists:
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def _migrate(engine: Engine) -> None:
    if schema_revision(engine) == SCHEMA_HEAD:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
