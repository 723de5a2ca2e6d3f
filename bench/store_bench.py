"""Store benchmark: latency of a durable draft save and of a submit, on SQLCipher and on plain SQLite, against
the floor: the same rows written through the DB-API alone, in one durable commit each.

Same code path for both (the store's engine set-up, migrations and operations); only the DB-API module
differs. The floor runs on the store's own connection (WAL, ``synchronous=FULL``), writing what a draft save
writes — the assessment's answers, an outbox row, an audit event chained by its hash, the audit head — with none
of the ORM, validation or journal logic: what the disk and SQLite cost. Run: python bench/store_bench.py
[--saves N] [--submits N]. Prints medians, p99 and the ratios.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import sqlcipher3.dbapi2 as sqlcipher

from drive_tui.domain.models import CaseProfile
from drive_tui.domain.terms import Identity
from drive_tui.domain.vocab import Timepoint
from drive_tui.forms.catalogue import load_catalogue
from drive_tui.store import keys
from drive_tui.store.assessments import save_draft_answer, start_assessment, submit_assessment
from drive_tui.store.cases import create_case
from drive_tui.store.engine import apply_pragmas, build_engine
from drive_tui.store.store import Store

ANSWERS = {
    "contact_made": "yes",
    "contact_types": ["face_to_face"],
    "contact_setting": "prison",
    "engagement": "low",
    "need_substance_misuse": "no",
    "need_alcohol_misuse": "yes",
    "need_housing": "not_known",
    "need_mental_health": "no",
    "dva_physical": "high",
    "dva_sexual": "none",
    "dva_harassment_stalking": "moderate",
    "dva_jealousy_coercion": "high",
    "risk_to_victim": "high",
    "risk_to_children": "medium",
}


def plain(path: Path) -> Callable[[], object]:
    def connect() -> object:
        connection = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        apply_pragmas(connection)
        return connection

    return connect


def encrypted(path: Path, key: bytes) -> Callable[[], object]:
    def connect() -> object:
        connection = sqlcipher.connect(str(path), check_same_thread=False, isolation_level=None)
        connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        apply_pragmas(connection)
        return connection

    return connect


def make_store(folder: Path, kind: str) -> Store:
    path = folder / f"{kind}.db"
    creator, module = (plain(path), sqlite3) if kind == "sqlite" else (encrypted(path, keys.new_data_key()), sqlcipher)
    engine = build_engine(creator, module)
    return Store(
        engine=engine,
        home=folder,
        store_id=kind,
        identity=Identity("bench", "device"),
        forms=load_catalogue(),
        grace_days=14,
        unlocked_by="bench",
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run(store: Store, saves: int, submits: int, prefix: str) -> tuple[list[float], list[float]]:
    with store.transaction() as tx:
        case = create_case(
            tx, CaseProfile(reference=f"{prefix}-0", site="Bench", allocated_on=date(2026, 1, 1), case_manager="b")
        )
        draft = start_assessment(tx, case.id, Timepoint.INTAKE)
    items = list(ANSWERS.items())
    save_times = []
    for index in range(saves):
        answer_id, value = items[index % len(items)]
        if answer_id == "notes":
            value = f"note {index}"
        started = time.perf_counter()
        with store.transaction() as tx:
            save_draft_answer(tx, draft.id, answer_id, value)
        save_times.append(time.perf_counter() - started)
    submit_times = []
    for index in range(submits):
        with store.transaction() as tx:
            case = create_case(
                tx,
                CaseProfile(
                    reference=f"{prefix}-{index + 1}", site="Bench", allocated_on=date(2026, 1, 1), case_manager="b"
                ),
            )
            draft = start_assessment(tx, case.id, Timepoint.INTAKE)
            for answer_id, value in ANSWERS.items():
                save_draft_answer(tx, draft.id, answer_id, value)
        started = time.perf_counter()
        with store.transaction() as tx:
            submit_assessment(tx, draft.id)
        submit_times.append(time.perf_counter() - started)
    return save_times, submit_times


def floor(store: Store, saves: int, prefix: str) -> list[float]:
    with store.transaction() as tx:
        case = create_case(
            tx, CaseProfile(reference=f"{prefix}-f", site="Bench", allocated_on=date(2026, 1, 1), case_manager="b")
        )
        draft_id = start_assessment(tx, case.id, Timepoint.INTAKE).id
    items = list(ANSWERS.items())
    connection = store.engine.raw_connection()
    try:
        cursor = connection.cursor()
        times = []
        for index in range(saves):
            answer_id, value = items[index % len(items)]
            now = f"2026-11-29T10:00:{index % 60:02d}.000000"
            started = time.perf_counter()
            cursor.execute("BEGIN IMMEDIATE")
            (stored,) = cursor.execute("SELECT answers FROM assessments WHERE id = ?", (draft_id,)).fetchone()
            answers = json.loads(stored)
            answers[answer_id] = value
            cursor.execute(
                "UPDATE assessments SET answers = ?, updated_at = ? WHERE id = ?", (json.dumps(answers), now, draft_id)
            )
            payload = json.dumps({"answer_id": answer_id, "value": value})
            cursor.execute(
                "INSERT INTO outbox (change_id, created_at, entity, entity_id, op, payload) VALUES (?, ?, ?, ?, ?, ?)",
                (f"{prefix}-{index}", now, "assessment", draft_id, "assessment.answer", payload),
            )
            seq, previous = cursor.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
            digest = hashlib.sha256(f"{seq + 1}{now}{previous}{payload}".encode()).hexdigest()
            cursor.execute(
                "INSERT INTO audit_events (seq, at, actor, device_id, action, entity, entity_id, detail, prev_hash, "
                "hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (seq + 1, now, "bench", "device", "assessment.answer", "assessment", draft_id, "{}", previous, digest),
            )
            cursor.execute("INSERT OR REPLACE INTO store_meta (key, value) VALUES ('audit_head', ?)", (digest,))
            cursor.execute("COMMIT")
            times.append(time.perf_counter() - started)
        return times
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--submits", type=int, default=300)
    args = parser.parse_args()
    print(
        f"machine: {platform.node()} {platform.machine()} python {platform.python_version()}; "
        f"saves={args.saves} submits={args.submits}"
    )
    results = {}
    floors: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("sqlite", "sqlcipher"):
            store = make_store(Path(folder), kind)
            with store:
                run(store, 50, 5, "warm")  # warm up
                floor(store, 50, "warm")
                results[kind] = run(store, args.saves, args.submits, "run")
                floors[kind] = floor(store, args.saves, "floor")
    for kind in ("sqlite", "sqlcipher"):
        values = floors[kind]
        print(
            f"{'floor':<10} {kind:<9} median {statistics.median(values) * 1000:6.2f} ms   "
            f"p99 {percentile(values, 0.99) * 1000:6.2f} ms   (the same rows through the DB-API, one commit each)"
        )
        ratio = statistics.median(results[kind][0]) / statistics.median(values)
        print(f"draft save {kind:<9} {ratio:.2f}x the floor (median)")
    for label, index in (("draft save", 0), ("submit", 1)):
        for kind in ("sqlite", "sqlcipher"):
            values = results[kind][index]
            print(
                f"{label:<10} {kind:<9} median {statistics.median(values) * 1000:6.2f} ms   "
                f"p99 {percentile(values, 0.99) * 1000:6.2f} ms"
            )
        ratio = statistics.median(results["sqlcipher"][index]) / statistics.median(results["sqlite"][index])
        print(f"{label:<10} ratio SQLCipher/SQLite (median): {ratio:.2f}x")


if __name__ == "__main__":
    main()
