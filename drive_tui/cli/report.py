"""``drive-tui report``: the evaluation's outcome analyses over closed cases, as a table, JSON or CSV."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from drive_tui.cli.support import console, fail, open_store, run, settings

app = typer.Typer(help="Outcome and casework figures for supervisors and evaluators.", no_args_is_help=True)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} takes YYYY-MM-DD", 2)


@app.command("outcomes")
def report_outcomes(
    site: Annotated[str | None, typer.Option(help="Only cases at this site.")] = None,
    closed_from: Annotated[str | None, typer.Option(help="Only cases closed on or after YYYY-MM-DD.")] = None,
    closed_to: Annotated[str | None, typer.Option(help="Only cases closed on or before YYYY-MM-DD.")] = None,
    format: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of standard output.")] = None,
) -> None:
    """Intake vs closure over closed cases: profile, needs, DVA use (exact McNemar), severity, risk, contact."""
    if format not in ("table", "json", "csv"):
        fail(f"unknown format {format!r}: use table, json or csv", 2)
    start, end = _date(closed_from, "--closed-from"), _date(closed_to, "--closed-to")
    if start and end and start > end:
        fail("--closed-from is after --closed-to", 2)
    store = open_store(settings())

    def action() -> None:
        from drive_tui.analysis.exports import figures_csv
        from drive_tui.analysis.outcomes import outcomes
        from drive_tui.paths import write_private
        from drive_tui.store.cohort import cohort

        with store, store.transaction() as tx:
            cases = cohort(tx, closed_only=True, site=site, closed_from=start, closed_to=end)
        document = outcomes(cases)
        document["filter"] = {"site": site, "closed_from": closed_from, "closed_to": closed_to}
        if format == "json":
            text = json.dumps(document, indent=2) + "\n"
        elif format == "csv":
            text = figures_csv(document)
        else:
            if out is not None:
                fail("--out is for json and csv; the table is for reading", 2)
            from drive_tui.analysis.report_tables import outcome_tables

            terminal = console()
            for renderable in outcome_tables(document):
                terminal.print(renderable)
            return
        if out is None:
            sys.stdout.write(text)
        else:
            write_private(out, text)
            typer.echo(f"Wrote the analyses of {document['cases']} closed case(s) to {out}", err=True)

    run(action)


@app.command("casework")
def report_casework(
    site: Annotated[str | None, typer.Option(help="Only cases at this site.")] = None,
    period_from: Annotated[str | None, typer.Option("--from", help="Count from YYYY-MM-DD.")] = None,
    period_to: Annotated[str | None, typer.Option("--to", help="Count up to YYYY-MM-DD.")] = None,
    format: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of standard output.")] = None,
) -> None:
    """The work log counted as the evaluation coded case notes: direct and indirect work, by agency and action,
    disruption, child safeguarding, contact attempts and information requests, over the cases open in the period
    and the work dated within it."""
    if format not in ("table", "json", "csv"):
        fail(f"unknown format {format!r}: use table, json or csv", 2)
    if format == "table" and out is not None:
        fail("--out is for json and csv; the table is for reading", 2)
    start, end = _date(period_from, "--from"), _date(period_to, "--to")
    if start and end and start > end:
        fail("--from is after --to", 2)
    config = settings()
    store = open_store(config)

    def action() -> None:
        from drive_tui.analysis.casework import Period, casework_figures
        from drive_tui.analysis.exports import figures_csv
        from drive_tui.paths import write_private
        from drive_tui.store.work_log import case_work

        with store, store.transaction() as tx:
            cases, today = case_work(tx, site=site), tx.today
        document = casework_figures(
            cases, today=today, period=Period(start, end), stalled_after=config.stalled_after_days
        )
        document["filter"] = {"site": site, "from": period_from, "to": period_to}
        if format == "table":
            from drive_tui.analysis.report_tables import casework_tables

            terminal = console()
            for renderable in casework_tables(document):
                terminal.print(renderable)
            return
        text = json.dumps(document, indent=2) + "\n" if format == "json" else figures_csv(document)
        if out is None:
            sys.stdout.write(text)
        else:
            write_private(out, text)
            typer.echo(f"Wrote the casework figures of {document['cases']} case(s) to {out}", err=True)

    run(action)
