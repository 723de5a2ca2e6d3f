"""Opening the central store: a SQLite file (embedded default) or PostgreSQL, migrated by Alembic on open.

Writes are numbered: ``next_seqs`` takes the ``head`` row of ``server_meta`` under a row lock (PostgreSQL) or the
database write lock (SQLite, ``BEGIN IMMEDIATE``), so transactions that hand out sequence numbers commit in the
order of those numbers, and a reader's cursor can never pass a row that commits later.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Engine,
    String,
    bindparam,
    cast,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url

from drive_tui.central.tables import CommitRow, ServerMeta
from drive_tui.paths import create_private

SCHEMA_HEAD = "0004"
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_meta = ServerMeta.__table__  # type: ignore[attr-defined]
_commits = CommitRow.__table__  # type: ignore[attr-defined]


class CentralError(Exception):
    """A central store problem worth one clear line (no case data in the message)."""


def default_database_url(home: Path) -> str:
    return f"sqlite:///{home / 'central.db'}"


def open_central(url: str) -> Engine:
    """An engine on the central store at ``url``, migrated to the newest schema. Errors never quote the values
    being written (``hide_parameters``): an unexpected one ends in the server's log."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed.database or "")
    elif parsed.get_backend_name() == "postgresql":
        if parsed.get_driver_name() not in ("psycopg", ""):
            raise CentralError("PostgreSQL is reached through psycopg 3: use postgresql+psycopg://…")
        engine = create_engine(parsed.set(drivername="postgresql+psycopg"), pool_pre_ping=True, hide_parameters=True)
    else:
        raise CentralError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite:///… or postgresql+psycopg://…"
        )
    try:
        _migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _sqlite_engine(database: str) -> Engine:
    if not database or database == ":memory:":
        raise CentralError("the embedded central store needs a file: sqlite:///path/to/central.db")
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    create_private(path)
    engine = create_engine(
        f"sqlite:///{path}", connect_args={"check_same_thread": False, "isolation_level": None}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        for pragma in ("busy_timeout = 10000", "journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _revision(engine: Engine) -> str | None:
    """The schema's migration, or None for a new store (asked first, so that no failing statement is logged)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def readiness_problems(engine: Engine) -> list[str]:
    """Why the store cannot serve now (``/readyz``): unreachable, or not at this release's schema. Said in general
    terms: never the URL, the host or the driver's message."""
    try:
        revision = _revision(engine)
    except Exception as exc:  # noqa: BLE001 - any failure to reach the database means "not ready"
        return [f"the database cannot be reached ({type(exc).__name__})"]
    if revision != SCHEMA_HEAD:
        return [f"the database's schema is at {revision or 'none'}, this release needs {SCHEMA_HEAD}"]
    return []


def _migrate(engine: Engine) -> None:
    if _revision(engine) != SCHEMA_HEAD:
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    with engine.begin() as connection:
        present = {row.key for row in connection.execute(select(_meta.c.key))}
        defaults = {"server_id": str(uuid.uuid4()), "head": "0", "created_at": datetime.now(UTC).isoformat()}
        missing = [{"key": k, "value": v} for k, v in defaults.items() if k not in present]
        if missing:
            connection.execute(_meta.insert(), missing)


def server_id(connection: Connection) -> str:
    return connection.execute(select(_meta.c.value).where(_meta.c.key == "server_id")).scalar_one()


def head(connection: Connection) -> tuple[int, str]:
    """The newest commit's sequence number and stamp (0, "" when nothing has been written), in one query."""
    joined = _meta.outerjoin(_commits, _commits.c.seq_high == cast(_meta.c.value, BigInteger))
    value, stamp = connection.execute(
        select(_meta.c.value, _commits.c.stamp).select_from(joined).where(_meta.c.key == "head")
    ).one()
    return int(value), stamp or ""


def stamp_of(connection: Connection, seq: int) -> str | None:
    """The stamp of the commit that gave out ``seq``, or None when this store never did (restored from backup)."""
    query = select(_commits.c.stamp).where(_commits.c.seq_low <= seq, _commits.c.seq_high >= seq)
    return connection.execute(query).scalar_one_or_none()


def head_value() -> Any:
    """The newest committed sequence number, as a column expression to read beside others (no lock)."""
    return cast(select(_meta.c.value).where(_meta.c.key == "head").scalar_subquery(), BigInteger)


def lock_head(connection: Connection) -> int:
    """Take the write lock of the commit log until this transaction ends; returns the current head."""
    query = select(_meta.c.value).where(_meta.c.key == "head")
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    return int(connection.execute(query).scalar_one())


def next_seqs(connection: Connection, count: int, *, now: datetime) -> int:
    """Reserve ``count`` sequence numbers for this transaction; returns the first. Holds the head lock to commit."""
    moved = (
        update(_meta)
        .where(_meta.c.key == "head")
        .values(value=cast(cast(_meta.c.value, BigInteger) + count, String))
        .returning(_meta.c.value)
    )
    high = int(connection.execute(moved).scalar_one())  # the update takes the row's lock, if not already held
    current = high - count
    connection.execute(_commits.insert().values(seq_high=high, seq_low=current + 1, stamp=uuid.uuid4().hex, at=now))
    return current + 1


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """A read transaction that sees one consistent state (REPEATABLE READ on PostgreSQL)."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection


def among(connection: Connection, column: ColumnElement[Any], values: Collection[str]) -> Iterator[ColumnElement[bool]]:
    """Conditions "``column`` is one of ``values``", as few as the database allows; run one query per condition.

    On PostgreSQL one ``IN (SELECT jsonb_array_elements_text(:values))`` whose values travel as a single JSON text
    parameter: an ``IN`` of a thousand literals is rendered, sent and parsed anew for every batch (psycopg cannot
    cache it), and a list parameter is written out by psycopg in Python (~6 ms for 4,000 ids, several times per push
    batch); JSON is encoded in C and unambiguous whatever the values hold. A semi-join, not ``= ANY(ARRAY(...))``:
    the planner cannot hash an array that comes from a subquery and compared every row with every value. On
    SQLite, ``IN`` in chunks below its limit on bound parameters.
    """
    ordered = sorted(value for value in values if "\x00" not in value)  # never stored, so never matched; PostgreSQL
    if not ordered:  # would refuse it in the JSON parameter
        return
    if connection.dialect.name == "postgresql":
        listed = cast(bindparam(None, json.dumps(ordered), type_=String, unique=True), JSONB)
        yield column.in_(select(func.jsonb_array_elements_text(listed)))
        return
    for start in range(0, len(ordered), 900):
        yield column.in_(ordered[start : start + 900])
