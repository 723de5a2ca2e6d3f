"""Sync benchmark: pushing 10,000 submitted assessments to a real central service on PostgreSQL over loopback,
against the raw PostgreSQL insert rate of the same rows on the same machine; and the time of a sync with nothing
to exchange.

Run: python bench/sync_bench.py [--assessments N] [--postgres URL]
(URL defaults to DRIVE_TEST_POSTGRES_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test; a scratch database
is created and dropped.)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import psycopg
from sqlalchemy import make_url

from drive_tui.central.db import open_central
from drive_tui.central.people import add_user, issue_code
from drive_tui.config import Settings
from drive_tui.demo import synthetic_exchange
from drive_tui.store.journal import pending_changes
from drive_tui.store.store import create
from drive_tui.store.replica import pending_by_operation
from drive_tui.store.transfer import import_exchange
from drive_tui.sync.engine import Callbacks, enrol, sync
from drive_tui.sync.protocol import Role

PASSPHRASE = "benchmark passphrase only"


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _scratch_database(url: str) -> tuple[str, str]:
    base = make_url(url)
    name = f"drive_bench_{uuid.uuid4().hex[:8]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin, base.set(database=name).render_as_string(hide_password=False)


def _drop(admin: str, url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def raw_insert_rate(postgres: str, rows: list[dict[str, object]], batch: int) -> float:
    """Rows per second inserting the same assessment rows with psycopg ``executemany``, a commit per batch."""
    admin, url = _scratch_database(postgres)
    try:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn) as connection:
            connection.execute(
                "CREATE TABLE assessments (id text PRIMARY KEY, case_id text NOT NULL, timepoint text NOT NULL, "
                "form_id text NOT NULL, form_version integer NOT NULL, answers jsonb NOT NULL, status text NOT NULL, "
                "author text NOT NULL, device_id text NOT NULL, created_at timestamptz NOT NULL, "
                "updated_at timestamptz NOT NULL, submitted_at timestamptz, completed_on date, supersedes text, "
                "seq bigint NOT NULL)")
            connection.commit()
            values = [(r["id"], r["case_id"], r["timepoint"], r["form_id"], r["form_version"], json.dumps(r["answers"]),
                       r["status"], r["author"], r["device_id"], r["created_at"], r["updated_at"], r["submitted_at"],
                       r["completed_on"], r["supersedes"], n) for n, r in enumerate(rows)]
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for start in range(0, len(values), batch):
                    cursor.executemany("INSERT INTO assessments VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                                       values[start:start + batch])
                    connection.commit()
            return len(values) / (time.perf_counter() - started)
    finally:
        _drop(admin, url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=10_000)
    parser.add_argument("--postgres", default=os.environ.get("DRIVE_TEST_POSTGRES_URL",
                                                             "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--noop-runs", type=int, default=20)
    args = parser.parse_args()

    admin, central_url = _scratch_database(args.postgres)
    work = Path(tempfile.mkdtemp(prefix="drive-sync-bench-"))
    port = _port()
    server = None
    try:
        engine = open_central(central_url)
        add_user(engine, "cm1", Role.CASE_MANAGER)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DRIVE_TUI_")} | {"DRIVE_TUI_HOME": str(work)}
        server = subprocess.Popen([sys.executable, "-m", "drive_tui", "server", "--port", str(port),
                                   "--database-url", central_url], env=env, stderr=subprocess.DEVNULL)
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)

        settings = Settings(home=work / "device", keyring=False, user="cm1")
        store = create(settings, PASSPHRASE)
        # About 2.6 submitted assessments per case (the demo mix of stages): enough cases for the requested number of submitted assessments.
        exchange = synthetic_exchange(store.forms, cases=max(1, round(args.assessments / 2.56)), today=date(2026, 11, 1))
        with store.transaction() as tx:
            import_exchange(tx, exchange)
        with store.transaction() as tx:
            changes = pending_changes(tx.session)
            submitted = pending_by_operation(tx)["assessment.import"]
        enrol(store, f"http://127.0.0.1:{port}", issue_code(engine, "cm1"), "bench")

        marks: list[float] = []
        started = time.perf_counter()
        report = sync(store, callbacks=Callbacks(pushed=lambda n: marks.append(time.perf_counter())))
        sync_seconds = time.perf_counter() - started
        push_seconds = marks[-1] - started
        assert not report.rejected, report.rejected[:3]
        rate = changes / push_seconds

        with engine.connect() as connection:
            rows = [dict(r) for r in connection.exec_driver_sql("SELECT * FROM assessments").mappings()]
        raw = raw_insert_rate(args.postgres, rows, batch=500)

        noop = []
        for _ in range(args.noop_runs):
            started = time.perf_counter()
            sync(store)
            noop.append((time.perf_counter() - started) * 1000)
        store.close()

        print(f"machine: {platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}, "
              f"{date.today().isoformat()}")
        print(f"push: {changes} changes ({submitted} submitted assessments, {changes - submitted} cases) "
              f"in {push_seconds:.2f} s = {rate:,.0f} changes/s")
        print(f"whole first sync (push, then pull of {sum(report.pulled.values())} records back): {sync_seconds:.2f} s")
        print(f"raw PostgreSQL executemany of the same {len(rows)} assessment rows: {raw:,.0f} rows/s")
        print(f"ratio raw/push: {raw / rate:.2f}x (target: within 5x)")
        print(f"no-op sync: median {statistics.median(noop):.1f} ms, max {max(noop):.1f} ms over {len(noop)} runs "
              "(target: under 200 ms)")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        _drop(admin, central_url)


if __name__ == "__main__":
    main()
