"""Report benchmark: `drive-tui report outcomes` and `report evaluation` over 5,000 invented closed cases (each
with a work log) in an encrypted store, and opening the history of a case with five assessments.

Prints the time of the analyses alone (in-process: read the cohort + compute), of the whole command (a fresh
process: start, unlock with the passphrase, read, compute, print JSON), of the evaluators' whole report in-process
(read the cohort and the work log, every analysis, the tables, the charts drawn by matplotlib, the page or the
workbook), and of reading and building one case's history (what the history screen does before drawing).
Run: python bench/report_bench.py [--closed N]
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from drive_tui.analysis.evaluation import Evaluation
from drive_tui.analysis.history import build_history
from drive_tui.analysis.outcomes import outcomes
from drive_tui.analysis.report_html import report_html
from drive_tui.analysis.report_xlsx import report_xlsx
from drive_tui.cli.report import read_evaluation
from drive_tui.config import Settings
from drive_tui.demo import synthetic_exchange
from drive_tui.domain.cohort import CohortCase
from drive_tui.domain.vocab import CaseStatus
from drive_tui.store.assessments import case_history, form_for
from drive_tui.store.cohort import cohort, collector_paused
from drive_tui.store.store import Store, create
from drive_tui.store.transfer import import_exchange

PASSPHRASE = "benchmark passphrase only"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--closed", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="drive-report-bench-")) / "store"
    store = create(Settings(home=home, keyring=False, user="cm1"), PASSPHRASE)
    exchange = synthetic_exchange(store.forms, cases=args.closed * 4, today=date(2026, 11, 1), seed=5, work=True)
    exchange.cases[:] = [c for c in exchange.cases if c.status is CaseStatus.CLOSED][: args.closed]
    started = time.perf_counter()
    with store.transaction() as tx:
        import_exchange(tx, exchange)
    print(f"(set-up: imported {len(exchange.cases)} closed cases in {time.perf_counter() - started:.0f} s)")
    del exchange  # a command's process never holds the 20,000 invented cases: nor does the one timing it
    gc.collect()

    in_process = []
    for _ in range(args.runs):
        started = time.perf_counter()
        with collector_paused(), store.transaction() as tx:  # as the command does
            document = outcomes(cohort(tx, closed_only=True))
        in_process.append(time.perf_counter() - started)
    html_times, xlsx_times = [], []
    for _ in range(args.runs):
        for renderer, times in ((report_html, html_times), (report_xlsx, xlsx_times)):
            started = time.perf_counter()
            renderer(evaluation_of(store))
            times.append(time.perf_counter() - started)
    cases = [c for c in document_cases(store) if len(c.assessments) == 5]
    history_times = []
    for item in cases[:50]:
        started = time.perf_counter()
        with store.transaction() as tx:
            build_history(case_history(tx, item.case.id), lambda f, v: form_for(tx, f, v))
        history_times.append((time.perf_counter() - started) * 1000)
    store.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRIVE_TUI_")}
    env.update(DRIVE_TUI_HOME=str(home), DRIVE_TUI_PASSPHRASE=PASSPHRASE, DRIVE_TUI_KEYRING="0")
    command = []
    for _ in range(args.runs):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "drive_tui", "report", "outcomes", "--format", "json"],
            env=env,
            check=True,
            capture_output=True,
        )
        command.append(time.perf_counter() - started)
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}, "
        f"{date.today().isoformat()}"
    )
    print(
        f"report outcomes over {document['cases']} closed cases ({document['paired']} paired): "
        f"in-process median {statistics.median(in_process):.2f} s; whole command median "
        f"{statistics.median(command):.2f} s (target: under 3 s)"
    )
    print(
        f"report evaluation over the same cases and their work logs, in-process: HTML median "
        f"{statistics.median(html_times):.2f} s (max {max(html_times):.2f} s; target: under 5 s), xlsx median "
        f"{statistics.median(xlsx_times):.2f} s"
    )
    print(
        f"history of a case with 5 assessments (read + build): median {statistics.median(history_times):.1f} ms, "
        f"max {max(history_times):.1f} ms over {len(history_times)} cases (target: under 100 ms)"
    )


def evaluation_of(store: Store) -> Evaluation:
    """What `drive-tui report evaluation` does between unlocking the store and drawing the file."""
    return read_evaluation(store, stalled_after=10, filters={})


def document_cases(store: Store) -> list[CohortCase]:
    with store.transaction() as tx:
        return cohort(tx, closed_only=True)


if __name__ == "__main__":
    main()
