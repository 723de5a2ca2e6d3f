"""``drive-tui report``: the evaluation's outcome analyses over closed cases, as a table, JSON or CSV."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from drive_tui.cli.support import console, fail, open_store, run, settings

app = typer.Typer(help="Outcome analyses for supervisors and evaluators.", no_args_is_help=True)


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
