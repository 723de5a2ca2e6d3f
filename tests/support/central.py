"""A real central service on loopback over a real database, devices enrolled with it, and what they hold."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, make_url, select, text
from sqlmodel import select as select_rows

from drive_tui.central.people import add_user, issue_code
from drive_tui.central.tables import AssessmentRow as CentralAssessment
from drive_tui.central.tables import CaseRow as CentralCase
from drive_tui.central.tables import ChangeRow
from drive_tui.central.tables import WorkLogRow as CentralWorkLog
from drive_tui.config import Settings
from drive_tui.domain.vocab import Timepoint
from drive_tui.store.assessments import save_draft_answer, start_assessment, submit_assessment
from drive_tui.store.cases import create_case as create_local_case
from drive_tui.store.journal import pending_changes
from drive_tui.store.replica import sync_state
from drive_tui.store.store import Store, create
from drive_tui.store.tables import AssessmentRow, CaseRow, OutboxRow, WorkLogRow
from drive_tui.sync.client import Client
from drive_tui.sync.engine import enrol
from drive_tui.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, Role
from tests.support.data import INTAKE_COMPLETE, PASSPHRASE, profile

POSTGRES_URL = os.environ.get("DRIVE_TEST_POSTGRES_URL")

ALSO_WITH_TWO_WORKERS = pytest.mark.parametrize(
    ("database_url", "workers"),
    [("sqlite", None), ("postgresql", None), ("postgresql", 2)],
    indirect=True,
    ids=["sqlite", "postgresql", "postgresql-2-workers"],
)
"""On each database as usual, and on PostgreSQL with two worker processes (``drive-tui server --workers 2``)."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _postgres_database(url: str) -> Iterator[str]:
    import psycopg

    base = make_url(url)
    name = f"drive_test_{uuid.uuid4().hex[:12]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Central:
    """A running central service and a handle on its database (for administration and for checking contents).

    By default the service runs as ``drive-tui server`` runs it — uvicorn over ``create_app`` on a real loopback
    socket, with its own engine — but in a thread of the test's process: starting a server process (its imports)
    took two seconds of CPU per test, a third of the suite. ``in_process=False`` (a test marked
    ``server_process``) starts the real command instead, for what only a process shows: a SIGKILL, its stderr,
    its command-line options."""

    url: str
    database_url: str
    engine: Engine
    home: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    extra_args: list[str] = field(default_factory=list)
    in_process: bool = True
    metrics_port: int | None = None
    """The command's Prometheus port (``--metrics-port``), when a test asked for one (marker ``server_metrics``)."""
    trusted_proxies: tuple[str, ...] = ()
    """Reverse proxies whose X-Forwarded-For is believed (``DRIVE_TUI_TRUSTED_PROXIES`` for the command)."""
    _server: Any = None
    _thread: threading.Thread | None = None

    def start(self) -> None:
        if self.in_process and not self.extra_args:
            self._start_thread()
            return
        env = {k: v for k, v in os.environ.items() if not k.startswith("DRIVE_TUI_")}
        env["DRIVE_TUI_HOME"] = str(self.home)
        command = [
            sys.executable,
            "-m",
            "drive_tui",
            "server",
            "--port",
            str(self.port),
            "--database-url",
            self.database_url,
            *self.extra_args,
            *([] if "--workers" in self.extra_args else ["--workers", "1"]),
            *([] if "--metrics-port" in self.extra_args else ["--metrics-port", "0"]),  # tests run side by side
        ]
        # a session of its own: a kill reaches the workers it starts (``--workers``) as well as the command
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.process.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start listening")

    def _start_thread(self) -> None:
        import uvicorn

        from drive_tui.central.api import create_app
        from drive_tui.central.db import open_central
        from drive_tui.forms.catalogue import load_catalogue

        engine = open_central(self.database_url)  # the service's own, as the command opens it
        from drive_tui.central.addresses import networks

        config = uvicorn.Config(
            create_app(engine, load_catalogue(None), trusted_proxies=networks(self.trusted_proxies)),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            server_header=False,
            proxy_headers=False,  # as the command runs it
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="central", daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the in-process server did not start")
            time.sleep(0.01)
        self._server, self._thread, self._engine = server, thread, engine

    @property
    def alive(self) -> bool:
        """The service is still running (it did not fall over)."""
        if self._thread is not None:
            return self._thread.is_alive()
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup — a crash."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._engine.dispose()
            self._server = self._thread = None
            return
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # uvicorn's supervisor stops its workers
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def user(self, username: str, role: Role = Role.CASE_MANAGER, sites: list[str] | None = None) -> str:
        """A user; a case manager works at Essex and Kent unless told otherwise."""
        add_user(self.engine, username, role, sites or (["Essex", "Kent"] if role is Role.CASE_MANAGER else None))
        return username

    def code(self, username: str) -> str:
        return issue_code(self.engine, username)

    def cases(self) -> dict[str, dict[str, Any]]:
        return _rows(self.engine, CentralCase.__table__, drop=("seq",))  # type: ignore[attr-defined]

    def assessments(self) -> dict[str, dict[str, Any]]:
        return _rows(self.engine, CentralAssessment.__table__, drop=("seq",))  # type: ignore[attr-defined]

    def work_log(self) -> dict[str, dict[str, Any]]:
        return _rows(self.engine, CentralWorkLog.__table__, drop=("seq",))  # type: ignore[attr-defined]

    def change_count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM changes")).scalar_one()

    def change_ids(self) -> list[str]:
        table = ChangeRow.__table__  # type: ignore[attr-defined]
        with self.engine.connect() as connection:
            return list(connection.execute(select(table.c.change_id)).scalars())


def _rows(engine: Engine, table: Any, drop: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    with engine.connect() as connection:
        return {
            row["id"]: {k: v for k, v in row.items() if k not in drop}
            for row in connection.execute(select(table)).mappings()
        }


def new_device(central: Central, tmp_path: Path, username: str, *, name: str | None = None) -> Store:
    """A laptop: a new encrypted store, enrolled as ``username``."""
    home = tmp_path / f"device-{name or username}-{uuid.uuid4().hex[:6]}"
    settings = Settings(home=home, keyring=False, user=username)
    store = create(settings, PASSPHRASE)
    enrol(store, central.url, central.code(username), name or f"{username}-laptop")
    return store


def http_client(central: Central, store: Store | None = None) -> httpx.Client:
    """A raw protocol client on the service, holding ``store``'s device token (none: as an unenrolled caller)."""
    headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    if store is not None:
        with store.transaction() as tx:
            headers["Authorization"] = f"Bearer {sync_state(tx).token}"
    return httpx.Client(base_url=central.url, headers=headers)


def device_settings(store: Store) -> Settings:
    return Settings(home=store.home, keyring=False)


def local_cases(store: Store) -> dict[str, dict[str, Any]]:
    with store.transaction() as tx:
        return {row.id: row.model_dump() for row in tx.session.exec(select_rows(CaseRow))}


def local_assessments(store: Store) -> dict[str, dict[str, Any]]:
    with store.transaction() as tx:
        return {row.id: row.model_dump() for row in tx.session.exec(select_rows(AssessmentRow))}


def local_work_log(store: Store) -> dict[str, dict[str, Any]]:
    with store.transaction() as tx:
        return {row.id: row.entry for row in tx.session.exec(select_rows(WorkLogRow))}


def local_change_ids(store: Store) -> list[str]:
    with store.transaction() as tx:
        return list(tx.session.exec(select_rows(OutboxRow.change_id)))


def comparable(rows: dict[str, dict[str, Any]], keys: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    return {row_id: {key: row[key] for key in keys} for row_id, row in rows.items()}


CASE_KEYS = (
    "reference",
    "site",
    "allocated_on",
    "case_manager",
    "service_user",
    "victims",
    "status",
    "closed_on",
    "contact_strategy",
)


ASSESSMENT_KEYS = (
    "case_id",
    "timepoint",
    "form_id",
    "form_version",
    "answers",
    "status",
    "submitted_at",
    "completed_on",
    "supersedes",
)


def work_on_a_case(store: Store, reference: str = "DRV-0001", site: str = "Essex") -> tuple[str, str]:
    """A case manager's offline work: a new case, an intake answered one field at a time, submitted."""
    with store.transaction() as tx:
        case = create_local_case(tx, profile(reference, site=site, case_manager=store.identity.user))
        draft = start_assessment(tx, case.id, Timepoint.INTAKE)
    for answer_id, value in INTAKE_COMPLETE.items():
        with store.transaction() as tx:
            save_draft_answer(tx, draft.id, answer_id, value)
    with store.transaction() as tx:
        submit_assessment(tx, draft.id, completed_on=date(2026, 1, 20))
    return case.id, draft.id


def assert_converged(central: Central, *stores: Store) -> None:
    """Every device holds exactly what the central store holds for it: full contents, not counts."""
    central_cases = comparable(central.cases(), CASE_KEYS)
    central_assessments = comparable(central.assessments(), ASSESSMENT_KEYS)
    central_entries = central.work_log()
    for store in stores:
        mine = comparable(local_cases(store), CASE_KEYS)
        assert mine == {case_id: central_cases[case_id] for case_id in mine}
        ours = comparable(local_assessments(store), ASSESSMENT_KEYS)
        assert ours == {a_id: central_assessments[a_id] for a_id in ours}
        entries = local_work_log(store)
        assert entries == {e_id: central_entries[e_id]["entry"] for e_id in entries}
        with store.transaction() as tx:
            assert pending_changes(tx.session) == 0


def client_over(store: Store, transport: httpx.BaseTransport) -> Client:
    with store.transaction() as tx:
        state = sync_state(tx)
    assert state.server_url and state.token
    return Client(state.server_url, token=state.token, transport=transport)


def assert_each_change_once(central: Central, *stores: Store) -> None:
    held = Counter(central.change_ids())
    assert all(count == 1 for count in held.values())  # a primary key, but say it: nothing applied twice
    for store in stores:
        assert set(local_change_ids(store)) <= set(held)  # nothing lost
