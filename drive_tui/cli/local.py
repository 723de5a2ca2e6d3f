"""Commands on this laptop's store: ``init``, ``passphrase``, ``doctor``, ``cases``, ``import``, ``export``,
``demo``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from drive_tui.cli.support import console, fail, keychain, new_passphrase, open_store, run, run_app, settings

app = typer.Typer()


@app.command()
def init(
    user: Annotated[str | None, typer.Option(help="Your user name, recorded as author of what you enter.")] = None,
) -> None:
    """Create a new encrypted store, asking for its passphrase twice."""
    from drive_tui.store.store import create

    current = settings()
    if user:
        current = current.with_changes(user=user)
    if current.database_path.exists() or current.key_file_path.exists():
        fail(f"a store already exists in {current.home}; nothing was changed", 1)
    passphrase = current.passphrase.get_secret_value() if current.passphrase else new_passphrase(current)

    def action() -> None:
        with create(current, passphrase, keychain=keychain(current)) as store:
            typer.echo(f"Created an encrypted store in {store.home}")
            typer.echo(
                f"Back up the key file ({current.key_file_path}) with the store, and keep the passphrase safe: "
                "without both (or this device's keychain) nobody can open the store — you included."
            )

    run(action)


@app.command()
def passphrase() -> None:
    """Change the passphrase. The data is not re-encrypted; only the key file is rewritten."""
    from drive_tui.cli.support import ask_passphrase
    from drive_tui.store.store import change_passphrase

    current = settings()

    def action() -> None:
        old = ask_passphrase(current, "Current passphrase")()
        change_passphrase(current, old, new_passphrase(current))
        typer.echo("Passphrase changed.")

    run(action)


@app.command()
def doctor() -> None:
    """Check the store: path, keychain, SQLCipher and schema versions, integrity, audit chain. No case data."""
    from drive_tui.store.doctor import diagnose

    current = settings()
    typer.echo(f"store:       {current.database_path}")
    typer.echo(f"key file:    {current.key_file_path}")
    typer.echo(f"keychain:    {keychain(current).describe()}")
    store = open_store(current)
    with store:
        report = diagnose(store)
    for label, value in report.lines():
        typer.echo(f"{label + ':':<12} {value}")
    if not report.ok:
        raise typer.Exit(1)


@app.command()
def cases(
    include_closed: Annotated[bool, typer.Option("--closed/--open-only", help="List closed cases too.")] = True,
) -> None:
    """List the caseload with each case's next assessment and what is overdue (no sensitive data)."""
    store = open_store(settings())

    def action() -> None:
        from rich.table import Table

        from drive_tui.domain.vocab import CaseStatus
        from drive_tui.store.caseload import CASELOAD_GUIDE, caseload

        with store, store.transaction() as tx:
            rows = caseload(tx, include_closed=include_closed)
        open_count = sum(row.case.status is CaseStatus.OPEN for row in rows)
        table = Table(title=f"Caseload ({open_count} open; guide {CASELOAD_GUIDE})")
        for column in ("Reference", "Site", "Status", "Next", "Due", "Overdue"):
            table.add_column(column)
        for row in rows:
            next_slot = row.schedule.next
            overdue = ", ".join(slot.timepoint.label for slot in row.schedule.overdue)
            table.add_row(
                row.case.reference,
                row.case.site,
                row.case.status.label,
                next_slot.timepoint.label if next_slot else "—",
                next_slot.due_on.isoformat() if next_slot else "—",
                overdue or "—",
            )
        console().print(table)

    run(action)


@app.command("import")
def import_command(file: Annotated[Path, typer.Argument(help="A drive-tui/2 (or /1) JSON file.")]) -> None:
    """Import cases, submitted assessments and work logs, all or nothing. Importing a file twice adds nothing."""
    from drive_tui.store.transfer import import_exchange, read_exchange_file

    current = settings()

    def action() -> None:
        with open_store(current) as store:
            exchange = read_exchange_file(file, store.forms)
            with store.transaction() as tx:
                report = import_exchange(tx, exchange)
        typer.echo(
            f"Imported {report.cases_created} new case(s), {report.assessments_added} assessment(s) and "
            f"{report.work_added} work-log entr{'y' if report.work_added == 1 else 'ies'}; "
            f"{report.cases_already_present} case(s), {report.assessments_already_present} assessment(s) and "
            f"{report.work_already_present} work-log entr{'y' if report.work_already_present == 1 else 'ies'} "
            "were already present."
        )
        if report.strategies_drafted:
            typer.echo(
                f"{report.strategies_drafted} contact strateg{'y' if report.strategies_drafted == 1 else 'ies'} "
                "imported as drafts: the service manager agrees each on their device."
            )

    run(action)


@app.command()
def export(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="File to write; csv and sav also write NAME.wide.* and NAME.codebook.csv beside it."
        ),
    ],
    format: Annotated[str, typer.Option("--format", help="json (drive-tui/1), csv or sav (SPSS).")] = "json",
    pseudonymise: Annotated[
        bool,
        typer.Option(
            "--pseudonymise", help="Replace references and case managers with stable pseudonyms; drop free text."
        ),
    ] = False,
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
) -> None:
    """Export every case with its current submitted assessments: one row per assessment (long), one row per case
    with intake and closure side by side (wide), and a codebook. The output is NOT encrypted."""
    from drive_tui.analysis.exports import ExportFormat, export_paths, write_export

    if format not in {f.value for f in ExportFormat}:
        fail(f"unknown format {format!r}: use json, csv or sav", 2)
    chosen = ExportFormat(format)
    existing = [str(path) for path in export_paths(out, chosen) if path.exists()]
    if existing and not force:
        fail(f"{', '.join(existing)} already exists; use --force to overwrite", 1)
    current = settings()

    def action() -> None:
        from drive_tui.analysis.tabular import pseudonymise as pseudonymised
        from drive_tui.store.transfer import export_exchange, pseudonym_key

        with open_store(current) as store, store.transaction() as tx:
            exchange = export_exchange(tx)
            if pseudonymise:
                exchange = pseudonymised(exchange, pseudonym_key(tx))
            forms = store.forms
        typer.echo(
            "warning: the export is NOT encrypted and holds sensitive case data. Keep it on an encrypted disk, "
            "share it only as your data-sharing agreement allows, and delete it when done.",
            err=True,
        )
        written = write_export(exchange, forms, chosen, out)
        submitted = sum(len(case.assessments) for case in exchange.cases)
        typer.echo(
            f"Exported {len(exchange.cases)} case(s) with {submitted} submitted assessment(s)"
            f"{' (pseudonymised)' if pseudonymise else ''} to {', '.join(map(str, written))}"
        )
        if not submitted and chosen is not ExportFormat.JSON:
            typer.echo("The long table holds its header row only: no assessment has been submitted yet.", err=True)

    run(action)


@app.command()
def demo(
    cases_count: Annotated[int, typer.Option("--cases", min=1, max=5000, help="How many invented cases.")] = 20,
    keep: Annotated[Path | None, typer.Option(help="Create the demo store here instead of a temporary folder.")] = None,
) -> None:
    """Create a throw-away encrypted store filled with an invented caseload, and open it in the app."""
    import tempfile
    from datetime import date

    from drive_tui.demo import DEMO_PASSPHRASE, synthetic_exchange
    from drive_tui.store.store import create, unlock
    from drive_tui.store.transfer import import_exchange

    home = keep or Path(tempfile.mkdtemp(prefix="drive-tui-demo-"))
    demo_settings = settings().with_changes(home=home, keyring=False, user="demo")

    def action() -> None:
        typer.echo(f"Inventing {cases_count} cases…" + (" (a few seconds a hundred)" if cases_count > 200 else ""))
        with create(demo_settings, DEMO_PASSPHRASE) as store, store.transaction() as tx:
            import_exchange(tx, synthetic_exchange(store.forms, cases=cases_count, today=date.today(), work=True))
        where = f"in {home}" if keep else "in a temporary folder, deleted when you quit"
        typer.echo(f"Demo store (invented data) {where}; its passphrase is: {DEMO_PASSPHRASE}")

    run(action)
    os.environ.update({"DRIVE_TUI_HOME": str(home), "DRIVE_TUI_PASSPHRASE": DEMO_PASSPHRASE, "DRIVE_TUI_KEYRING": "0"})
    try:
        if sys.stdout.isatty() and sys.stdin.isatty():
            opened = settings()
            run_app(opened, unlock(opened, DEMO_PASSPHRASE))
        else:
            cases()
    finally:
        if keep is None:  # a throw-away store goes when the demo ends
            import shutil

            shutil.rmtree(home, ignore_errors=True)
