"""Opening the SQLCipher file with the DB-API alone: the key goes in before any other statement, and a plaintext
file is refused (SQLAlchemy's pysqlcipher dialect would silently create one when the key is empty).

Kept apart from the engine so the app can read its first screen before SQLAlchemy is imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher

from drive_tui.paths import create_private
from drive_tui.store.errors import NotEncrypted, WrongKey

SCHEMA_HEAD = "0004"
"""The newest migration; opening a store at this revision skips Alembic (and its import) entirely."""

SQLITE_HEADER = b"SQLite format 3\x00"


def is_plaintext_sqlite(path: Path) -> bool:
    """True when ``path`` starts with SQLite's plain header (an encrypted file looks random from byte 0)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except FileNotFoundError:
        return False


def connect(path: Path, data_key: bytes) -> Any:
    """A DB-API connection to the encrypted database at ``path`` (created empty if missing), pragmas applied.

    Raises WrongKey if ``data_key`` does not open it, NotEncrypted for a plain SQLite file.
    """
    if len(data_key) != 32:
        raise ValueError("the data key must be 32 bytes")
    if is_plaintext_sqlite(path):
        raise NotEncrypted(path)
    create_private(path)
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


def schema_revision(connection: Any) -> str | None:
    """The Alembic revision of the database behind a DB-API connection (None before the first migration)."""
    if not connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    ).fetchone():
        return None
    row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def read_meta(connection: Any) -> dict[str, str]:
    """The ``store_meta`` table: store and device ids, enrolment and sync state."""
    return dict(connection.execute("SELECT key, value FROM store_meta").fetchall())
