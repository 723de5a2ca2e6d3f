"""``drive-tui server``: run the central service, and administer it (users, enrolment codes, devices, cases)
directly on its database, from the server host."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from drive_tui.cli.support import fail, iso_date, settings

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy import Engine

app = typer.Typer(help="The central service: run it, and administer users, devices and cases.")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="sqlite:///FILE (default: central.db in DRIVE_TUI_HOME) or postgresql+psycopg://…"
    ),
]


def _engine(url: str | None) -> Engine:
    from drive_tui.central.db import CentralError, default_database_url, open_central

    current = settings()
    try:
        return open_central(url or current.server_database_url or default_database_url(current.home))
    except CentralError as exc:
        fail(str(exc), 2)
    except Exception as exc:  # noqa: BLE001 - a database that cannot be reached: say so, without the URL's password
        fail(f"the central database cannot be opened ({type(exc).__name__})", 2)


def _admin(action: object) -> None:
    from drive_tui.central.db import CentralError

    try:
        action()  # type: ignore[operator]
    except CentralError as exc:
        fail(str(exc), 1)


@app.callback(invoke_without_command=True)
def server(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8443,
    certfile: Annotated[Path | None, typer.Option(help="TLS certificate (PEM). Required off loopback.")] = None,
    keyfile: Annotated[Path | None, typer.Option(help="TLS private key (PEM).")] = None,
    database_url: DatabaseUrl = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes (default: the CPU count on PostgreSQL; one on the embedded SQLite store).",
        ),
    ] = None,
    metrics_port: Annotated[
        int, typer.Option(min=0, max=65535, help="Prometheus metrics port (0: none). No token: keep it private.")
    ] = 9464,
    metrics_host: Annotated[str, typer.Option(help="Address the metrics port listens on.")] = "127.0.0.1",
) -> None:
    """Run the central service (FastAPI on uvicorn)."""
    if ctx.invoked_subcommand is not None:
        return
    from drive_tui.sync.client import is_loopback

    if (certfile is None) != (keyfile is None):
        fail("give both --certfile and --keyfile, or neither", 2)
    if certfile is None and not is_loopback(host):
        fail("plain HTTP is only served on loopback: give --certfile and --keyfile to listen on " + host, 2)
    from drive_tui.central import service
    from drive_tui.central.db import default_database_url

    current = settings()
    url = database_url or current.server_database_url or default_database_url(current.home)
    embedded = url.startswith("sqlite")
    if embedded and workers is not None and workers > 1:
        fail(f"--workers {workers}: {service.ONE_WORKER_ON_SQLITE}", 2)
    count = workers or service.default_workers(url)
    if metrics_port == port:
        fail("--metrics-port must differ from --port", 2)
    with tempfile.TemporaryDirectory(prefix="drive-tui-metrics-") as counts:
        # before the service (and prometheus_client) is imported here or in any worker: every process records there
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = counts
        _serve(url, embedded, workers, count, host, port, certfile, keyfile, metrics_host, metrics_port)


def _serve(
    url: str,
    embedded: bool,
    workers: int | None,
    count: int,
    host: str,
    port: int,
    certfile: Path | None,
    keyfile: Path | None,
    metrics_host: str,
    metrics_port: int,
) -> None:
    import uvicorn

    from drive_tui.central import service

    current = settings()
    engine = _engine(url)  # opened (and migrated) once here, before any worker starts
    scheme = "https" if certfile else "http"
    plural = "s" if count > 1 else ""
    typer.echo(f"drive-tui central service on {scheme}://{host}:{port}, {count} worker{plural}", err=True)
    if embedded and workers is None:
        typer.echo(f"one worker: {service.ONE_WORKER_ON_SQLITE}", err=True)
    if metrics_port:
        from drive_tui.central.metrics import serve

        try:
            serve(metrics_port, metrics_host, engine)  # the sum of every worker's counts, and the devices seen
        except OSError as exc:
            fail(f"the metrics port {metrics_host}:{metrics_port} cannot be opened ({exc.strerror})", 2)
        typer.echo(f"metrics on http://{metrics_host}:{metrics_port}/metrics", err=True)
    served = {
        "host": host,
        "port": port,
        "ssl_certfile": str(certfile) if certfile else None,
        "ssl_keyfile": str(keyfile) if keyfile else None,
        "log_level": "warning",
        "access_log": False,
        "server_header": False,
        "proxy_headers": False,  # uvicorn would believe X-Forwarded-For from 127.0.0.1: only central.addresses reads it
    }
    if count == 1:
        api = service.build(engine, current.forms_dir, current.trusted_proxies)
        service.prepare_process()
        uvicorn.run(api, **served)
        return
    os.environ["DRIVE_TUI_SERVER_DATABASE_URL"] = url  # each worker builds the service from the environment
    uvicorn.run(WORKER, factory=True, workers=count, **served)


WORKER = "drive_tui.cli.server:worker_app"
"""What uvicorn imports in each worker process."""


def worker_app() -> FastAPI:
    """One worker's service, built from the environment alone (the command that started the workers has checked
    the settings and migrated the database)."""
    from drive_tui.central import service
    from drive_tui.central.db import default_database_url, open_central

    current = settings()
    engine = open_central(current.server_database_url or default_database_url(current.home))
    api = service.build(engine, current.forms_dir, current.trusted_proxies)
    service.prepare_process()
    return api


@app.command("backup")
def server_backup(
    file: Annotated[Path, typer.Argument(help="The copy to write (0600).")],
    database_url: DatabaseUrl = None,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    """A consistent copy of the embedded (SQLite) central store, taken while the service runs (SQLite's online
    backup: what the write-ahead log holds included). For PostgreSQL, pg_dump (README: backups and restore)."""
    import sqlite3
    from contextlib import closing

    from sqlalchemy import make_url

    from drive_tui.central.db import default_database_url
    from drive_tui.paths import create_private

    current = settings()
    url = make_url(database_url or current.server_database_url or default_database_url(current.home))
    if url.get_backend_name() != "sqlite":
        fail("this store is PostgreSQL: back it up with pg_dump --format=custom (README: backups and restore)", 2)
    source = Path(url.database or "")
    if not source.is_file():
        fail(f"no central store at {source}", 2)
    if file.exists() and not force:
        fail(f"{file} exists: choose another name, or --force to replace it", 2)
    if not file.parent.is_dir():
        fail(f"no folder {file.parent} to write {file.name} in", 2)
    create_private(file, replace=True)
    with closing(sqlite3.connect(source)) as reading, closing(sqlite3.connect(file)) as copy:
        reading.execute("PRAGMA busy_timeout = 10000")
        reading.backup(copy)
    typer.echo(f"Backed up the central store to {file} (it holds case data: keep it as the store is kept).")


@app.command("init")
def server_init(
    admin: Annotated[str, typer.Option(help="User name of the first administrator.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Create the central store (or bring it to the newest schema) and its first administrator."""
    from drive_tui.central.people import add_user, list_users
    from drive_tui.domain.terms import Role

    engine = _engine(database_url)

    def action() -> None:
        if any(user.role is Role.ADMINISTRATOR for user in list_users(engine)):
            fail("this central store already has an administrator", 1)
        add_user(engine, admin, Role.ADMINISTRATOR)
        typer.echo(f"Central store ready; administrator {admin} created.")

    _admin(action)


@app.command("add-user")
def server_add_user(
    username: str,
    role: Annotated[str, typer.Option(help="case_manager, supervisor or administrator.")],
    site: Annotated[
        list[str] | None,
        typer.Option(
            help="A site the user works at (repeat for several): a supervisor's team, where a case manager creates "
            "cases."
        ),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a user with a role."""
    from drive_tui.central.people import add_user
    from drive_tui.domain.terms import Role

    if role not in {r.value for r in Role}:
        fail(f"unknown role {role!r}: case_manager, supervisor or administrator", 2)
    engine = _engine(database_url)
    _admin(lambda: add_user(engine, username, Role(role), site or []))
    typer.echo(f"User {username} created ({role}).")
    if role == Role.CASE_MANAGER.value and not site:
        typer.echo(
            f"{username} has no site: cases can be allocated to them, but they create none until given one "
            f"(drive-tui server sites {username} --site SITE).",
            err=True,
        )


@app.command("sites")
def server_sites(
    username: str,
    site: Annotated[list[str], typer.Option(help="A site the user works at (repeat for several).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Set the sites a user works at (replacing those they had)."""
    from drive_tui.central.people import set_sites

    engine = _engine(database_url)
    done: list[list[str]] = []
    _admin(lambda: done.append(set_sites(engine, username, site).sites))
    typer.echo(f"{username} works at: {', '.join(done[0])}.")


@app.command("code")
def server_code(
    username: str,
    minutes: Annotated[int, typer.Option(min=1, max=24 * 60, help="How long the code stays valid.")] = 30,
    database_url: DatabaseUrl = None,
) -> None:
    """Issue a one-time enrolment code for a user's device."""
    from drive_tui.central.people import issue_code

    engine = _engine(database_url)
    codes: list[str] = []
    _admin(lambda: codes.append(issue_code(engine, username, minutes=minutes)))
    typer.echo(codes[0])


@app.command("devices")
def server_devices(database_url: DatabaseUrl = None) -> None:
    """List devices: user, state, enrolment and last sync."""
    from drive_tui.central.people import list_devices

    engine = _engine(database_url)
    for device in list_devices(engine):
        last = device.last_sync_at.isoformat(timespec="seconds") if device.last_sync_at else "never"
        typer.echo(
            f"{device.id}  {device.user.username:<16} {device.state.value:<8} {device.name:<20} "
            f"enrolled {device.enrolled_at.date().isoformat()}  last sync {last}"
        )


@app.command("revoke")
def server_revoke(
    device_id: str,
    lost: Annotated[
        bool, typer.Option("--lost", help="Lost or stolen: refuse it at once; it wipes if it connects.")
    ] = False,
    retire: Annotated[
        bool, typer.Option("--retire", help="Retire: it pushes its pending work once, then wipes.")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a device, as retired or as lost/stolen."""
    from drive_tui.central.people import revoke
    from drive_tui.domain.terms import DeviceState

    if lost == retire:
        fail("say --lost or --retire", 2)
    state = DeviceState.LOST if lost else DeviceState.RETIRED
    engine = _engine(database_url)
    _admin(lambda: revoke(engine, device_id, state))
    typer.echo(f"Device {device_id} is now {state.value}.")


@app.command("add-case")
def server_add_case(
    reference: str,
    site: Annotated[str, typer.Option()],
    to: Annotated[str, typer.Option(help="The case manager it is allocated to.")],
    allocated_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: today).")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Allocate a new case to a case manager; it reaches their device on its next sync."""
    from drive_tui.central.assign import create_case

    try:
        allocated = date.fromisoformat(allocated_on) if allocated_on else date.today()
    except ValueError:
        fail("--allocated-on takes YYYY-MM-DD", 2)
    engine = _engine(database_url)
    _admin(lambda: create_case(engine, reference=reference, site=site, allocated_on=allocated, case_manager=to))
    typer.echo(f"Case {reference} at {site} allocated to {to}.")


@app.command("assign")
def server_assign(
    reference: str,
    site: Annotated[str, typer.Option()],
    to: Annotated[str, typer.Option(help="The case manager who takes the case over.")],
    to_site: Annotated[
        str | None,
        typer.Option(help="Move the case to this site too (only an administrator moves a case between sites)."),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Move a case to another case manager, and if need be to another site (the old device removes it once its
    work on it is in)."""
    from drive_tui.central.assign import assign_case

    engine = _engine(database_url)
    _admin(lambda: assign_case(engine, site=site, reference=reference, to=to, to_site=to_site))
    where = f" at {to_site}" if to_site and to_site != site else ""
    typer.echo(f"Case {reference} at {site} assigned to {to}{where}.")


@app.command("retention")
def server_retention(
    closed_before: Annotated[
        str, typer.Option("--closed-before", help="Remove cases closed before this date (YYYY-MM-DD).")
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say how many records would go; change nothing.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Remove them: there is no undo.")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Remove cases closed before a date — as the service's retention policy sets, e.g. six years after closure —
    with everything recorded about them, here and, at their next sync, on every device. Keep the figures first:
    `drive-tui report evaluation --closed-to DATE` on a supervisor's device writes them to a file."""
    import getpass

    from drive_tui.central.retention import preview, purge

    cut_off = iso_date(closed_before, "--closed-before")
    if cut_off > date.today():
        fail(f"--closed-before {cut_off} is in the future: a retention date is a past one", 2)
    engine = _engine(database_url)
    if dry_run or not yes:
        removal = preview(engine, cut_off)
        typer.echo(f"Cases closed before {cut_off}: {removal.describe()} would be removed.")
        if not dry_run:
            fail("nothing removed: add --yes to remove them (there is no undo; take a backup first)", 2)
        return
    removal = purge(engine, cut_off, by=getpass.getuser())
    typer.echo(
        f"Removed {removal.describe()} (cases closed before {cut_off}). Devices holding them remove them at their "
        "next sync."
    )
