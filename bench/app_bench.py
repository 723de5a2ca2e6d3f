"""App benchmark: process start → caseload on screen (20 and 2,000 cases) against a minimal Textual app,
and keystroke → next frame in the assessment screen.

Each start is a fresh ``python`` process (imports included), unlocking from a keychain as a laptop with one
does (no passphrase KDF; ``bench_keyring`` plays the keychain), rendering headless. The app is built by
``make_app`` as the CLI builds it; the CLI's own argument parsing (Typer, ~35 ms) is not counted.

Run: python bench/app_bench.py [--runs N] [--keys N]; ``--only-work-log``: a case with 300 work-log entries opened,
and keystroke → frame typing a work-log note.
"""

from __future__ import annotations

import argparse
import asyncio
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

PASSPHRASE = "benchmark passphrase"
TODAY = date(2026, 11, 26)


def child_minimal() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Footer, Header, Static

    class Minimal(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("hello")
            yield Footer()

        def on_mount(self) -> None:
            self.call_after_refresh(self._report_ready)

        def _report_ready(self) -> None:
            print(f"READY {time.time()}", flush=True)
            self.exit()

    Minimal().run(headless=True)


def child_app(home: str, key_hex: str) -> None:
    import base64

    gc.disable()  # as ``drive-tui`` does before it imports the app (ui.startup.run); the app resumes it

    os.environ["PYTHON_KEYRING_BACKEND"] = "bench_keyring.BenchKeyring"  # imported by the app, as a real one is
    os.environ["DRIVE_TUI_BENCH_KEY"] = base64.b64encode(bytes.fromhex(key_hex)).decode()

    from drive_tui.config import Settings
    from drive_tui.store.keychain import Keychain
    from drive_tui.ui.startup import FirstOpen

    # as ``drive-tui`` does (ui.startup.run): the file opens in a thread while Textual is imported
    settings = Settings(home=Path(home), keyring=True)
    keychain = Keychain(enabled=True, timeout=3)
    first_open = FirstOpen.start(settings, keychain, lambda: TODAY)

    from drive_tui.ui.app import make_app
    from drive_tui.ui.screens.caseload import CaseloadScreen

    original = CaseloadScreen.on_mount

    def on_mount(self: CaseloadScreen) -> None:
        self.call_after_refresh(shown, self)  # first: after the frame that shows the caseload, before what follows it
        original(self)

    def shown(screen: CaseloadScreen) -> None:
        print(f"READY {time.time()}", flush=True)  # the caseload is on screen
        screen.run_worker(attached(screen))

    async def attached(screen: CaseloadScreen) -> None:
        await screen.drive.wait_for_store()
        print(f"ATTACHED {time.time()}", flush=True)  # the store is attached: every action runs at once
        screen.app.exit()

    CaseloadScreen.on_mount = on_mount  # type: ignore[method-assign]
    make_app(settings, keychain=keychain, today=TODAY, first_open=first_open).run(headless=True)


AS_INSTALLED = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"} | {"TEXTUAL": ""}
"""Each start runs as an installed drive-tui does: pip compiles a package's modules when it installs it, so no start
compiles them. With PYTHONDONTWRITEBYTECODE set (as on this machine) every start compiled drive-tui's own modules
from source — ~25 ms that the minimal app, all of it in site-packages and compiled, never paid. ``start_figures``
starts each kind once, uncounted, so the compiled modules are there."""


def time_start(args: list[str], runs: int, mark: str = "READY") -> dict[str, list[float]]:
    """Seconds from starting a fresh process to each line it prints (READY: first frame; ATTACHED: store attached)."""
    times: dict[str, list[float]] = {}
    for _ in range(runs):
        started = time.time()
        result = subprocess.run(
            [sys.executable, __file__, *args],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
            env=AS_INSTALLED,
        )
        for line in result.stdout.splitlines():
            label, _, stamp = line.partition(" ")
            if label in ("READY", "ATTACHED"):
                times.setdefault(label, []).append(float(stamp) - started)
        if mark not in times or len(times[mark]) < len(times.get("READY", [])) or result.returncode:
            raise RuntimeError(f"child did not get ready: {result.stderr[-2000:]}")
    return times


def make_store(folder: Path, cases: int) -> str:
    from drive_tui.config import Settings
    from drive_tui.demo import synthetic_exchange
    from drive_tui.store import keys
    from drive_tui.store.store import create
    from drive_tui.store.transfer import import_exchange

    settings = Settings(home=folder, keyring=False)
    with create(settings, PASSPHRASE) as store, store.transaction() as tx:
        import_exchange(tx, synthetic_exchange(store.forms, cases=cases, today=TODAY, seed=5))
    return keys.unwrap(keys.read_key_file(settings.key_file_path), PASSPHRASE).hex()


async def keystrokes(folder: Path, count: int) -> dict[str, list[float]]:
    """Time from a key event reaching the app to the next frame it draws, in the assessment screen.

    The frame is caught where Textual hands a rendered update to the terminal (``App._display``), so the
    figure covers handling the key, any draft save it causes, layout and rendering.
    """
    from textual import events

    from drive_tui.config import Settings
    from drive_tui.store.store import unlock
    from drive_tui.ui.app import make_app

    settings = Settings(home=folder, keyring=False)
    store = unlock(settings, PASSPHRASE)
    gc.disable()  # as ``drive-tui`` runs the app (ui.startup.run): it resumes once the caseload is shown
    app = make_app(settings, store=store, today=TODAY)
    frames: list[float] = []
    results: dict[str, list[float]] = {
        "move the cursor (right)": [],
        "answer (enter: draft saved) that shows or hides fields": [],
        "answer (enter: draft saved), no field shown or hidden": [],
        "type in notes": [],
    }
    async with app.run_test(size=(120, 40)) as pilot:
        display = app._display
        arrived = asyncio.Event()

        def timed_display(screen, renderable):  # type: ignore[no-untyped-def]
            display(screen, renderable)
            if renderable is not None:
                frames.append(time.perf_counter())
                arrived.set()

        app._display = timed_display  # type: ignore[method-assign]
        await pilot.press("enter")  # open the first case
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()

        async def one(label: str, key: str, char: str | None) -> None:
            await asyncio.sleep(0.15)  # a brisk typist's pace; lets the previous key's work finish
            frames.clear()
            arrived.clear()
            started = time.perf_counter()
            app.post_message(events.Key(key, char))
            await arrived.wait()  # not polled: a polling loop takes the GIL from the app's worker threads
            results[label].append(frames[0] - started)

        notes = app.screen.query("#field-notes TextArea")
        if notes:
            notes.first().focus()
            await pilot.pause(0.6)  # scrolled into view
            for index in range(count):
                await one("type in notes", "x" if index % 10 else "space", "x" if index % 10 else " ")
        app.screen.query_one("#field-contact_made Choice").focus()  # Yes, No, Not known: each shows other fields
        await pilot.pause(0.6)
        for _ in range(count):
            await one("move the cursor (right)", "right", None)
            await one("answer (enter: draft saved) that shows or hides fields", "enter", "\r")
        app.screen.query_one("#field-need_housing Choice").focus()
        await pilot.pause(0.6)
        for _ in range(count):
            await one("move the cursor (right)", "right", None)
            await one("answer (enter: draft saved), no field shown or hidden", "enter", "\r")
    return results


async def transitions(folder: Path, runs: int) -> dict[str, list[float]]:
    """Key → the first frame that shows the new screen *with its content* (not an empty frame before the data is
    read), on a store of 2,000 cases, for each way between screens a case manager takes."""
    from textual import events

    from drive_tui.config import Settings
    from drive_tui.store.store import unlock
    from drive_tui.ui.app import make_app
    from drive_tui.ui.screens.assessment import AssessmentScreen
    from drive_tui.ui.screens.case import CaseScreen
    from drive_tui.ui.screens.caseload import CaseloadScreen
    from drive_tui.ui.screens.dashboard import DashboardScreen
    from drive_tui.ui.screens.history import HistoryScreen
    from drive_tui.ui.screens.outcomes import OutcomesScreen

    settings = Settings(home=folder, keyring=False)
    store = unlock(settings, PASSPHRASE)
    gc.disable()  # as ``drive-tui`` runs the app (ui.startup.run): it resumes once the caseload is shown
    app = make_app(settings, store=store, today=TODAY)
    results: dict[str, list[float]] = {}

    def shows(kind: type, part: str):  # type: ignore[no-untyped-def]
        return lambda: isinstance(app.screen, kind) and bool(app.screen.query(part))

    async with app.run_test(size=(120, 40)) as pilot:
        display = app._display
        arrived = asyncio.Event()
        ready: list[float] = []
        waiting: list = []  # type: ignore[type-arg]

        def timed_display(screen, renderable):  # type: ignore[no-untyped-def]
            display(screen, renderable)
            if renderable is not None and waiting and waiting[0]():
                ready.append(time.perf_counter())
                waiting.clear()
                arrived.set()

        app._display = timed_display  # type: ignore[method-assign]
        await pilot.pause()

        async def one(label: str, key: str, char: str | None, done) -> None:  # type: ignore[no-untyped-def]
            await pilot.pause()
            await asyncio.sleep(0.2)
            ready.clear()
            arrived.clear()
            waiting[:] = [done]
            started = time.perf_counter()
            app.post_message(events.Key(key, char))
            await arrived.wait()  # not polled: a polling loop takes the GIL from the app's worker threads
            results.setdefault(label, []).append(ready[0] - started)

        for _ in range(runs):
            await one("caseload → case", "enter", "\r", shows(CaseScreen, "#timeline"))
            await one("case → history", "h", "h", shows(HistoryScreen, "#history, #empty"))
            await one("history → back to the case", "escape", None, shows(CaseScreen, "#timeline"))
            await one("case → assessment (new or resumed)", "a", "a", shows(AssessmentScreen, "FieldBox"))
            await one("assessment → back to the case", "escape", None, shows(CaseScreen, "#timeline"))
            await one("case → back to the caseload", "escape", None, shows(CaseloadScreen, "#cases"))

            def tallied(table: str):  # type: ignore[no-untyped-def]
                return lambda: isinstance(app.screen, DashboardScreen) and app.screen.query_one(table).row_count > 0

            await one("caseload → dashboard with the team's load", "d", "d", tallied("#team"))
            await app.workers.wait_for_complete()
            await one("dashboard → back to the caseload (1)", "escape", None, shows(CaseloadScreen, "#cases"))
            await one("caseload → dashboard with missing data (all 2,000 cases read)", "d", "d", tallied("#missing"))
            # its figures, not the "Computing…" line drawn first (the analyses run in a worker)
            await one("dashboard → outcomes with its figures", "o", "o", shows(OutcomesScreen, "#report .figures"))
            await one("outcomes → back to the dashboard", "escape", None, shows(DashboardScreen, "#missing"))
            await app.workers.wait_for_complete()
            await one("dashboard → back to the caseload", "escape", None, shows(CaseloadScreen, "#cases"))
            app.screen.query_one("#cases").move_cursor(row=1)  # the next case: its assessment is new
    return results


def make_work_store(folder: Path, entries: int) -> None:
    """Twenty invented cases with their work logs, and WORK-0300 (first in the caseload) with ``entries`` of them."""
    import random

    from drive_tui.config import Settings
    from drive_tui.demo import synthetic_exchange, synthetic_work
    from drive_tui.store.store import create
    from drive_tui.store.transfer import import_exchange

    settings = Settings(home=folder, keyring=False)
    with create(settings, PASSPHRASE) as store, store.transaction() as tx:
        exchange = synthetic_exchange(store.forms, cases=20, today=TODAY, seed=5, work=True)
        busy = exchange.cases[0].model_copy(update={"reference": "WORK-0300", "allocated_on": date(2025, 11, 26)})
        log = synthetic_work(random.Random(3), allocated=busy.allocated_on, until=TODAY, children=True, entries=entries)
        exchange.cases.insert(0, busy.model_copy(update={"work_log": log, "assessments": []}))
        import_exchange(tx, exchange)


async def work_log(folder: Path, runs: int, keys: int) -> dict[str, list[float]]:
    """Key → the case screen with its timeline drawn, for a case of 300 work-log entries; keystroke → frame while
    typing a work-log note."""
    from textual import events

    from drive_tui.config import Settings
    from drive_tui.store.store import unlock
    from drive_tui.ui.app import make_app
    from drive_tui.ui.screens.case import CaseScreen
    from drive_tui.ui.screens.work_entry import WorkEntryScreen

    settings = Settings(home=folder, keyring=False)
    store = unlock(settings, PASSPHRASE)
    gc.disable()  # as ``drive-tui`` runs the app (ui.startup.run): it resumes once the caseload is shown
    app = make_app(settings, store=store, today=TODAY)
    results: dict[str, list[float]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        display = app._display
        arrived = asyncio.Event()
        frames: list[float] = []
        waiting: list = []  # type: ignore[type-arg]

        def timed_display(screen, renderable):  # type: ignore[no-untyped-def]
            display(screen, renderable)
            if renderable is not None and (not waiting or waiting[0]()):
                frames.append(time.perf_counter())
                waiting.clear()
                arrived.set()

        app._display = timed_display  # type: ignore[method-assign]
        await pilot.pause()
        await pilot.press("slash", *"WORK-0300", "tab")  # the caseload shows that case alone
        await pilot.pause()

        async def one(label: str, key: str, char: str | None, done=None) -> None:  # type: ignore[no-untyped-def]
            await pilot.pause()
            await asyncio.sleep(0.15)
            frames.clear()
            arrived.clear()
            waiting[:] = [done] if done else []
            started = time.perf_counter()
            app.post_message(events.Key(key, char))
            await arrived.wait()  # not polled: a polling loop takes the GIL from the app's worker threads
            results.setdefault(label, []).append(frames[0] - started)

        def case_drawn() -> bool:
            return isinstance(app.screen, CaseScreen) and app.screen.query_one("#timeline").row_count > 300

        for _ in range(runs):
            await one("caseload → a case of 300 work-log entries, timeline drawn", "enter", "\r", case_drawn)
            await one("case (300 entries) → back to the caseload", "escape", None)
        await one("caseload → a case of 300 work-log entries, timeline drawn", "enter", "\r", case_drawn)
        for _ in range(runs):
            await one("case → log work (the form)", "w", "w", lambda: isinstance(app.screen, WorkEntryScreen))
            await one("log work → back to the case (nothing typed)", "escape", None, case_drawn)
        await one("case → log work (the form)", "w", "w", lambda: isinstance(app.screen, WorkEntryScreen))
        app.screen.query_one("#w-note").focus()
        await pilot.pause(0.3)
        for index in range(keys):
            key = "x" if index % 8 else "space"
            await one("keystroke → frame, typing a work-log note", key, "x" if index % 8 else " ")
    return results


def start_figures(stores: dict[int, tuple[Path, str]], runs: int) -> None:
    """Start → caseload of each store against the minimal app, printed."""
    # interleaved, so a slow spell of a noisy machine falls on all three alike
    minimal: list[float] = []
    shown: dict[int, list[float]] = {cases: [] for cases in stores}
    attached: dict[int, list[float]] = {cases: [] for cases in stores}
    time_start(["--child-minimal"], 1)  # not counted: compiles what is not yet (AS_INSTALLED)
    for folder, key_hex in stores.values():
        time_start(["--child-app", str(folder), key_hex], 1, mark="ATTACHED")
    for _ in range(runs):
        minimal += time_start(["--child-minimal"], 1)["READY"]
        for cases, (folder, key_hex) in stores.items():
            times = time_start(["--child-app", str(folder), key_hex], 1, mark="ATTACHED")
            shown[cases] += times["READY"]
            attached[cases] += times["ATTACHED"]
    base = statistics.median(minimal)
    print(f"minimal Textual app, start → first frame: median {base * 1000:.0f} ms")
    for cases in stores:
        median = statistics.median(shown[cases])
        print(
            f"drive-tui, start → caseload of {cases:>5} cases: median {median * 1000:.0f} ms "
            f"({median / base:.2f}× the minimal app); store attached behind it at "
            f"{statistics.median(attached[cases]) * 1000:.0f} ms"
        )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-minimal":
        return child_minimal()
    if len(sys.argv) > 1 and sys.argv[1] == "--child-app":
        return child_app(sys.argv[2], sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--screens", type=int, default=5, help="rounds of screen transitions (2,000 cases)")
    parser.add_argument("--only-screens", action="store_true", help="time the screen transitions alone")
    parser.add_argument("--only-work-log", action="store_true", help="a case of 300 entries, typing a note")
    parser.add_argument("--only-start", action="store_true", help="time start → caseload alone")
    parser.add_argument("--only-keys", action="store_true", help="time keystroke → frame alone")
    args = parser.parse_args()
    print(f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} cpus, python {platform.python_version()}")
    if args.only_work_log:
        with tempfile.TemporaryDirectory() as tmp:
            make_work_store(Path(tmp), 300)
            for label, values in asyncio.run(work_log(Path(tmp), args.screens, args.keys)).items():
                p95 = sorted(values)[int(0.95 * (len(values) - 1))]
                print(
                    f"{label}: median {statistics.median(values) * 1000:.1f} ms, "
                    f"p95 {p95 * 1000:.1f} ms, max {max(values) * 1000:.1f} ms"
                )
        return
    with tempfile.TemporaryDirectory() as tmp:
        stores = {
            cases: (Path(tmp) / f"cases-{cases}", make_store(Path(tmp) / f"cases-{cases}", cases))
            for cases in (20, 2000)
        }
        only = args.only_start or args.only_keys
        timed = {} if only else asyncio.run(transitions(stores[2000][0], args.screens))
        for label, values in timed.items():
            print(
                f"key → new screen with its content (2,000 cases), {label}: median "
                f"{statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"
            )
        if args.only_screens:
            return
        if not args.only_keys:
            start_figures(stores, args.runs)
        if args.only_start:
            return
        results = asyncio.run(keystrokes(Path(tmp) / "cases-20", args.keys))
        for label, values in results.items():
            if values:
                print(
                    f"keystroke → frame, {label}: median {statistics.median(values) * 1000:.1f} ms, "
                    f"p95 {sorted(values)[int(0.95 * (len(values) - 1))] * 1000:.1f} ms"
                )


if __name__ == "__main__":
    main()
