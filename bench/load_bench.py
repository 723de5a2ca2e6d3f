"""Load benchmark: a morning's syncs all at once — N laptops (200 by default), each enrolled for real with a user of
its own and holding cases of its own, sync together against one central service on PostgreSQL over loopback:
hello, a push of 40 changes (8 new cases, 32 submitted assessments), a pull until nothing is left. Each laptop keeps
one HTTP/1.1 connection open for its three requests. Then every laptop's changes are looked for in the central
store: each there exactly once, none refused; every case and assessment it sent is there.

Run: python bench/load_bench.py [--devices N] [--workers 1 2] [--postgres URL]
(URL defaults to DRIVE_TEST_POSTGRES_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test; a scratch database is
created and dropped per run.) The laptops are simulated in this process with asyncio (httpx); their pushes are built
before the clock starts, from one real device store's outbox with fresh ids, user and references per laptop — so
the server parses, checks and stores exactly what a laptop sends. This process and the server share the machine's
cores: on a small machine the figures include the clients' own work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import make_url, text

from drive_tui.central.db import open_central
from drive_tui.central.people import add_user, issue_code
from drive_tui.config import Settings
from drive_tui.demo import synthetic_exchange
from drive_tui.store.replica import outbox_batch
from drive_tui.store.store import create
from drive_tui.store.transfer import import_exchange
from drive_tui.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, Role, encode_push

TEMPLATE_USER = "zz-template-user"
TEMPLATE_PREFIX = "TPL-"
SITE = "Essex"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TIMEOUT = 120.0
"""Seconds a laptop waits for one answer (the client's own is 60 s; the figures show how close it came)."""


def template_changes(work: Path) -> list[tuple[str, str, str, str, str, str]]:
    """A real laptop's outbox: 8 cases, each with 4 submitted assessments, made by the store's own code."""
    store = create(Settings(home=work / "template", keyring=False, user=TEMPLATE_USER), "benchmark passphrase")
    exchange = synthetic_exchange(store.forms, cases=120, today=date(2026, 11, 1), seed=9)
    chosen = [case for case in exchange.cases if len(case.assessments) >= 4][:8]
    assert len(chosen) == 8, "the synthetic mix has too few cases with four assessments"
    exchange.cases = [
        case.model_copy(
            update={
                "reference": f"{TEMPLATE_PREFIX}{number:02d}",
                "site": SITE,
                "case_manager": TEMPLATE_USER,
                "assessments": case.assessments[:4],
                "work_log": [],
            }
        )
        for number, case in enumerate(chosen, start=1)
    ]
    with store.transaction() as tx:
        import_exchange(tx, exchange)
    with store.transaction() as tx:
        rows = [tuple(row[1:]) for row in outbox_batch(tx, 1000)]
    store.close()
    assert len(rows) == 40, f"the template holds {len(rows)} changes, not 40"
    return rows  # type: ignore[return-value]


def laptop_push(template: list[tuple[str, ...]], user: str, number: int) -> tuple[bytes, set[str]]:
    """The template's changes as laptop ``number`` would have made them: its own ids, user and references."""
    fresh: dict[str, str] = {}

    def renamed(value: str) -> str:
        value = UUID.sub(lambda m: fresh.setdefault(m.group(0), str(uuid.uuid4())), value)
        return value.replace(TEMPLATE_USER, user).replace(TEMPLATE_PREFIX, f"L{number:04d}-")

    rows = [tuple(renamed(part) for part in row) for row in template]
    return encode_push(rows), {row[0] for row in rows}  # type: ignore[arg-type]


async def one_sync(client: httpx.AsyncClient, body: bytes) -> dict[str, float]:
    """hello, push, pull until done; seconds for the whole sync and for each part."""
    started = time.perf_counter()
    hello = await client.get("/v1/hello")
    hello.raise_for_status()
    pushed_at = time.perf_counter()
    push = await client.post("/v1/push", content=body, headers={"Content-Type": "application/json"})
    push.raise_for_status()
    outcomes = [result["outcome"] for result in push.json()["results"]]
    if any(outcome not in ("applied", "conflict") for outcome in outcomes):
        raise RuntimeError(f"changes not applied: {sorted(set(outcomes))}")
    pulled_at = time.perf_counter()
    cursor: dict[str, object] = {"seq": 0, "stamp": ""}
    rows = 0
    while True:
        pull = await client.post("/v1/pull", content=json.dumps({"cursor": cursor}).encode())
        pull.raise_for_status()
        page = pull.json()
        rows += len(page["cases"]) + len(page["assessments"])
        cursor = page["cursor"]
        if not page["more"]:
            break
    if rows < 40:
        raise RuntimeError(f"pulled {rows} rows back, not the 40 pushed")
    ended = time.perf_counter()
    return {
        "sync": ended - started,
        "hello": pushed_at - started,
        "push": pulled_at - pushed_at,
        "pull": ended - pulled_at,
    }


async def morning(url: str, tokens: list[str], bodies: list[bytes]) -> tuple[list[dict[str, float]], int, float, float]:
    """Every laptop syncs at once; returns each one's times, the errors, the seconds until the last is done, and
    the CPU seconds the simulated laptops used meanwhile."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    tls = ssl.create_default_context()  # one for all: each client loading the CA bundle costs ~16 ms of CPU
    clients = [
        httpx.AsyncClient(
            base_url=url,
            headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Authorization": f"Bearer {token}"},
            limits=limits,
            timeout=TIMEOUT,
            verify=tls,
        )
        for token in tokens
    ]
    try:
        started, cpu = time.perf_counter(), time.process_time()
        results = await asyncio.gather(
            *(one_sync(client, body) for client, body in zip(clients, bodies, strict=True)), return_exceptions=True
        )
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    times = [r for r in results if isinstance(r, dict)]
    errors = [r for r in results if not isinstance(r, dict)]
    for error in errors[:3]:
        print(f"  error: {type(error).__name__}: {str(error)[:200]}", file=sys.stderr)
    return times, len(errors), wall, cpu


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) each process has used so far, from /proc (Linux; none elsewhere)."""
    used = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    return used


def _cpu_since(before: dict[int, float], now: dict[int, float]) -> float:
    """CPU seconds used between two readings (a process started meanwhile counts from zero)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())


def _family(pid: int) -> list[int]:
    """The process and its children (uvicorn's workers)."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid, *map(int, found)]


def _postgres_pids() -> list[int]:
    return [int(pid) for pid in subprocess.run(["pgrep", "postgres"], capture_output=True, text=True).stdout.split()]


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _enrol_all(url: str, codes: list[str]) -> list[str]:
    tokens = []
    with httpx.Client(base_url=url, headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}) as client:
        for number, code in enumerate(codes):
            answer = client.post("/v1/enrol", json={"code": code, "device_name": f"laptop {number}"})
            answer.raise_for_status()
            tokens.append(answer.json()["token"])
    return tokens


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(postgres: str, devices: int, workers: int, template: list[tuple[str, ...]], work: Path) -> dict[str, float]:
    base = make_url(postgres)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"drive_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    central_url = base.set(database=name).render_as_string(hide_password=False)
    server = None
    try:
        engine = open_central(central_url)
        users = [f"cm{number:04d}" for number in range(devices)]
        for user in users:
            add_user(engine, user, Role.CASE_MANAGER, [SITE])
        codes = [issue_code(engine, user) for user in users]
        port = _port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DRIVE_TUI_")} | {"DRIVE_TUI_HOME": str(work)}
        log = (work / f"server-{workers}.log").open("wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "drive_tui", "server", "--port", str(port), "--database-url", central_url]
            + ["--workers", str(workers)],
            env=env,
            stderr=log,
        )
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                if httpx.get(f"{url}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        tokens = _enrol_all(url, codes)
        pushes = [laptop_push(template, user, number) for number, user in enumerate(users)]
        serving, database = _family(server.pid), _postgres_pids()
        cpu_before = (_cpu_seconds(serving), _cpu_seconds(database))
        times, errors, wall, clients_cpu = asyncio.run(morning(url, tokens, [body for body, _ in pushes]))
        cpu = (
            _cpu_since(cpu_before[0], _cpu_seconds(_family(server.pid))),
            _cpu_since(cpu_before[1], _cpu_seconds(_postgres_pids())),
            clients_cpu,
        )
        # Nothing lost, nothing twice: every change each laptop sent, in the central store exactly once, applied.
        with engine.connect() as connection:
            held = dict(connection.execute(text("SELECT change_id, outcome FROM changes")).all())
            counts = connection.execute(
                text("SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM assessments)")
            ).one()
        sent = [change_id for _, ids in pushes for change_id in ids]
        lost = sum(1 for change_id in sent if change_id not in held)
        refused = sum(1 for change_id in sent if held.get(change_id) not in (None, "applied", "conflict"))
        engine.dispose()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    lock_waits = _lock_waits(work / f"server-{workers}.log")
    syncs = [t["sync"] for t in times]
    return {
        "workers": workers,
        "devices": devices,
        "errors": errors,
        "lost": lost,
        "refused": refused,
        "cases": counts[0],
        "assessments": counts[1],
        "p50": statistics.median(syncs) if syncs else float("nan"),
        "p95": _percentile(syncs, 0.95) if syncs else float("nan"),
        "p99": _percentile(syncs, 0.99) if syncs else float("nan"),
        "max": max(syncs, default=float("nan")),
        "push_p95": _percentile([t["push"] for t in times], 0.95) if times else float("nan"),
        "wall": wall,
        "changes_per_s": len(sent) / wall,
        "lock_p50_ms": statistics.median(lock_waits) if lock_waits else float("nan"),
        "lock_p95_ms": _percentile(lock_waits, 0.95) if lock_waits else float("nan"),
        "cpu_server": cpu[0],
        "cpu_postgres": cpu[1],
        "cpu_clients": cpu[2],
    }


def _lock_waits(log: Path) -> list[float]:
    """Each push's wait for the head lock, from the server's request log (``lock_ms``)."""
    waits = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{") and '"lock_ms"' in line:
            waits.append(float(json.loads(line)["lock_ms"]))
    return waits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DRIVE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="drive-load-bench-"))
    template = template_changes(work)
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}, "
        f"{date.today().isoformat()}; {args.devices} laptops, each hello + push of 40 changes + pull, all at once"
    )
    for workers in args.workers:
        r = run(args.postgres, args.devices, workers, template, work)
        print(
            f"workers {r['workers']}: sync p50 {r['p50']:.2f} s, p95 {r['p95']:.2f} s, p99 {r['p99']:.2f} s, "
            f"max {r['max']:.2f} s (push alone p95 {r['push_p95']:.2f} s); {r['changes_per_s']:,.0f} changes/s "
            f"({r['wall']:.1f} s for all); head lock wait p50 {r['lock_p50_ms']:.0f} ms, "
            f"p95 {r['lock_p95_ms']:.0f} ms; "
            f"errors {r['errors']}, lost {r['lost']}, refused {r['refused']}; central holds {r['cases']} cases, "
            f"{r['assessments']} assessments; CPU seconds meanwhile: service {r['cpu_server']:.1f}, "
            f"PostgreSQL {r['cpu_postgres']:.1f}, the simulated laptops {r['cpu_clients']:.1f}"
        )


if __name__ == "__main__":
    main()
