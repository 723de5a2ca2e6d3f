"""Sync benchmark: pushing 10,000 submitted assessments to a real central service on PostgreSQL over loopback,
against the raw PostgreSQL insert rate of the same rows on the same machine; and the time of a sync with nothing
to exchange.

Run: python bench/sync_bench.py [--assessments N] [--runs N] [--noop-runs N] [--postgres URL]
(URL defaults to DRIVE_TEST_POSTGRES_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test; scratch databases
are created and dropped.) One device store is prepared; each run pushes a copy of it to a fresh central service on
a fresh database, and the raw insert rate is measured after each run: the ratio is of the medians, since a single
run on a small, shared machine can be off by a fifth either way.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
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
from drive_tui.demo import SITES, synthetic_exchange
from drive_tui.store.journal import pending_changes
from drive_tui.store.replica import pending_by_operation
from drive_tui.store.store import create, unlock
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
                "seq bigint NOT NULL)"
            )
            connection.commit()
            values = [
                (
                    r["id"],
                    r["case_id"],
                    r["timepoint"],
                    r["form_id"],
                    r["form_version"],
                    json.dumps(r["answers"]),
                    r["status"],
                    r["author"],
                    r["device_id"],
                    r["created_at"],
                    r["updated_at"],
                    r["submitted_at"],
                    r["completed_on"],
                    r["supersedes"],
                    n,
                )
                for n, r in enumerate(rows)
            ]
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for start in range(0, len(values), batch):
                    cursor.executemany(
                        "INSERT INTO assessments VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                        values[start : start + batch],
                    )
                    connection.commit()
            return len(values) / (time.perf_counter() - started)
    finally:
        _drop(admin, url)


def _start_server(central_url: str, work: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIVE_TUI_")} | {"DRIVE_TUI_HOME": str(work)}
    server = subprocess.Popen(
        [sys.executable, "-m", "drive_tui", "server", "--port", str(port), "--database-url", central_url],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return server, port


def _stop(server: subprocess.Popen[bytes] | None) -> None:
    if server is not None:
        server.terminate()
        server.wait(timeout=10)


def push_once(postgres: str, device_copy: Path, work: Path, run: int, noop_runs: int) -> dict[str, float]:
    """Enrol a copy of the prepared device with a fresh central service on a scratch database and push its
    outbox; then time syncs with nothing to exchange."""
    admin, central_url = _scratch_database(postgres)
    home = work / f"device-{run}"
    shutil.copytree(device_copy, home)
    server = None
    try:
        engine = open_central(central_url)
        add_user(engine, "cm1", Role.CASE_MANAGER, list(SITES))
        server, port = _start_server(central_url, work)
        store = unlock(Settings(home=home, keyring=False, user="cm1"), PASSPHRASE)
        with store.transaction() as tx:
            changes = pending_changes(tx.session)
        enrol(store, f"http://127.0.0.1:{port}", issue_code(engine, "cm1"), "bench")
        gc.collect()
        marks: list[float] = []
        started = time.perf_counter()
        report = sync(store, callbacks=Callbacks(pushed=lambda n: marks.append(time.perf_counter())))
        sync_seconds = time.perf_counter() - started
        assert not report.rejected, report.rejected[:3]
        figures = {
            "changes": changes,
            "push_seconds": marks[-1] - started,
            "sync_seconds": sync_seconds,
            "pulled": sum(report.pulled.values()),
        }
        noop = []
        for _ in range(noop_runs):
            started = time.perf_counter()
            sync(store)
            noop.append((time.perf_counter() - started) * 1000)
        figures |= {"noop_median": statistics.median(noop), "noop_max": max(noop)} if noop else {}
        if run == 0:
            with engine.connect() as connection:
                figures["rows"] = [dict(r) for r in connection.exec_driver_sql("SELECT * FROM assessments").mappings()]
        store.close()
        engine.dispose()
        return figures
    finally:
        _stop(server)
        _drop(admin, central_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assessments", type=int, default=10_000)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DRIVE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--runs", type=int, default=5, help="pushes (each to a fresh central store) and raw runs")
    parser.add_argument("--noop-runs", type=int, default=20)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="drive-sync-bench-"))
    prepared = work / "prepared"
    settings = Settings(home=prepared, keyring=False, user="cm1")
    store = create(settings, PASSPHRASE)
    # About 2.6 submitted assessments per case (the demo mix of stages): enough cases for the requested number of
    # submitted assessments.
    exchange = synthetic_exchange(store.forms, cases=max(1, round(args.assessments / 2.56)), today=date(2026, 11, 1))
    with store.transaction() as tx:
        import_exchange(tx, exchange)
    with store.transaction() as tx:
        submitted = pending_by_operation(tx)["assessment.import"]
    store.close()
    del exchange  # the device process of a real sync holds none of this

    runs, raws = [], []
    for run in range(args.runs):
        runs.append(push_once(args.postgres, prepared, work, run, args.noop_runs if run == args.runs - 1 else 0))
        raws.append(raw_insert_rate(args.postgres, runs[0]["rows"], batch=500))
    shutil.rmtree(work, ignore_errors=True)

    changes = int(runs[0]["changes"])
    rates = [changes / r["push_seconds"] for r in runs]
    rate, raw = statistics.median(rates), statistics.median(raws)
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}, "
        f"{date.today().isoformat()}"
    )
    print(
        f"push: {changes} changes ({submitted} submitted assessments, {changes - submitted} cases), "
        f"{len(runs)} runs each to a fresh central store: median {rate:,.0f} changes/s "
        f"(runs: {', '.join(f'{r:,.0f}' for r in rates)})"
    )
    print(
        f"whole first sync (push, then pull of {int(runs[0]['pulled'])} records back): median "
        f"{statistics.median(r['sync_seconds'] for r in runs):.2f} s"
    )
    print(
        f"raw PostgreSQL executemany of the same {len(runs[0]['rows'])} assessment rows: median {raw:,.0f} rows/s "
        f"(runs: {', '.join(f'{r:,.0f}' for r in raws)})"
    )
    print(f"ratio raw/push (medians): {raw / rate:.2f}x (target: within 5x)")
    if args.noop_runs:
        last = runs[-1]
        print(
            f"no-op sync: median {last['noop_median']:.1f} ms, max {last['noop_max']:.1f} ms over {args.noop_runs} "
            "runs (target: under 200 ms)"
        )


if __name__ == "__main__":
    main()
