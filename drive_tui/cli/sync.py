"""Commands of a device that syncs: ``enrol``, ``sync`` (with a progress bar), ``conflicts``."""

from __future__ import annotations

import json
import platform
from typing import Annotated, Any

import typer

from drive_tui.cli.support import console, fail, keychain, open_store, run, settings

app = typer.Typer()

EXIT_CODES = {"usage": 2, "unreachable": 3, "revoked": 4, "tls": 5, "version": 6, "refused": 7, "server": 8}
"""``drive-tui sync`` exit status by failure, so scripts can tell them apart."""


@app.command()
def enrol(
    url: Annotated[str, typer.Argument(help="The central service, e.g. https://drive.example.org")],
    code: Annotated[str, typer.Argument(help="The one-time enrolment code from your administrator.")],
    name: Annotated[str, typer.Option(help="A name for this device, seen by administrators.")] = "",
    ca_file: Annotated[str | None, typer.Option(help="CA certificate(s) to verify the server with (PEM).")] = None,
) -> None:
    """Register this device with the central service, once."""
    from drive_tui.sync.client import SyncError
    from drive_tui.sync.engine import enrol as enrol_device

    store = open_store(settings())

    def action() -> None:
        with store:
            try:
                answer = enrol_device(store, url, code, name or platform.node() or "device", ca_file=ca_file)
            except SyncError as error:
                fail(str(error), EXIT_CODES[error.kind.value])
        typer.echo(f"Enrolled as {answer.user} ({answer.role.value.replace('_', ' ')}); run `drive-tui sync` now.")

    run(action)


@app.command()
def sync(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be pushed and pulled; change nothing.")
    ] = False,
) -> None:
    """Push this device's changes to the central store and pull what it has for you."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from drive_tui.sync.client import SyncError
    from drive_tui.sync.engine import Callbacks, sync_device

    current = settings()
    store = open_store(current)

    def action() -> None:
        terminal = console()
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=terminal,
            transient=True,
            disable=dry_run or not terminal.is_terminal,
        ) as progress:
            pushing = progress.add_task("pushed", total=None)
            pulling = progress.add_task("pulled", total=None)
            callbacks = Callbacks(
                push_total=lambda n: progress.update(pushing, total=n),
                pushed=lambda n: progress.advance(pushing, n),
                pulled=lambda n: progress.advance(pulling, n),
            )
            try:
                report = sync_device(store, current, keychain(current), dry_run=dry_run, callbacks=callbacks)
            except SyncError as error:
                wiped = " — this device's local store has been wiped" if error.wipe else ""
                fail(f"{error}{wiped}", EXIT_CODES[error.kind.value])
        if dry_run:
            for op, count in sorted(report.would_push.items()):
                typer.echo(f"would push  {count:>6}  {op}")
            for kind, count in sorted(report.pulled.items()):
                typer.echo(f"would pull  {count:>6}  {kind}")
        for line in report.rejected[:20]:
            typer.echo(f"refused by the server (kept there for an administrator): {line}", err=True)
        if report.wiped:
            typer.echo(
                "This device is retired: its changes are all in the central store and its local store has been wiped."
            )
            return
        store.close()
        typer.echo(report.summary(dry_run=dry_run))

    run(action)


@app.command()
def conflicts(
    resolve: Annotated[
        str | None, typer.Option(help="Resolve the conflict with this id (or its first 8 characters).")
    ] = None,
    keep: Annotated[str | None, typer.Option(help="With --resolve: 'central', 'incoming', or a JSON value.")] = None,
) -> None:
    """List open conflicts (two devices gave one case field different values, or work the previous case manager's
    laptop made after the case moved, held for you), or resolve one."""
    from drive_tui.store.reviews import describe, open_conflicts, resolve_conflict

    store = open_store(settings())

    def action() -> None:
        with store, store.transaction() as tx:
            found = open_conflicts(tx)
            if resolve is None:
                for c in found:
                    typer.echo(f"{c.id[:8]}  case {c.case_id[:8]}  {describe(c)}")
                typer.echo(f"{len(found)} open conflict(s)")
                return
            matches = [c for c in found if c.id.startswith(resolve)]
            if len(matches) != 1:
                fail(f"no single open conflict matches {resolve!r}", 1)
            conflict = matches[0]
            value: Any
            if keep == "central":
                value = conflict.central_value
            elif keep == "incoming":
                value = conflict.incoming_value
            elif keep is not None:
                try:
                    value = json.loads(keep)
                except json.JSONDecodeError:
                    fail("--keep takes 'central', 'incoming' or a JSON value", 2)
            else:
                fail("say which value to keep with --keep", 2)
            resolve_conflict(tx, conflict.id, value)
        typer.echo("Resolved; the central store gets the choice on the next sync.")

    run(action)
