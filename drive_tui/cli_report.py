"""``drive-tui report``: the evaluation's outcome analyses over closed cases, as a table, JSON or CSV."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from drive_tui.cli import _console, _fail, _open, _run, _settings, _write_private, app

report_app = typer.Typer(help="Outcome analyses for supervisors and evaluators.", no_args_is_help=True)
app.add_typer(report_app, name="report")

def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} takes YYYY-MM-DD", 2)


@report_app.command("outcomes")
def report_outcomes(
    site: Annotated[str | None, typer.Option(help="Only cases at this site.")] = None,
    closed_from: Annotated[str | None, typer.Option(help="Only cases closed on or after YYYY-MM-DD.")] = None,
    closed_to: Annotated[str | None, typer.Option(help="Only cases closed on or before YYYY-MM-DD.")] = None,
    format: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of standard output.")] = None,
) -> None:
    """Intake vs closure over closed cases: profile, needs, DVA use (exact McNemar), severity, risk, contact."""
    if format not in ("table", "json", "csv"):
        _fail(f"unknown format {format!r}: use table, json or csv", 2)
    start, end = _date(closed_from, "--closed-from"), _date(closed_to, "--closed-to")
    if start and end and start > end:
        _fail("--closed-from is after --closed-to", 2)
    settings = _settings()
    store = _open(settings)

    def action() -> None:
        from drive_tui.analysis.outcomes import outcomes
        from drive_tui.store.cohort import cohort

        with store, store.transaction() as tx:
            cases = cohort(tx, closed_only=True, site=site, closed_from=start, closed_to=end)
        document = outcomes(cases)
        document["filter"] = {"site": site, "closed_from": closed_from, "closed_to": closed_to}
        if format == "json":
            text = json.dumps(document, indent=2) + "\n"
        elif format == "csv":
            text = _csv(document)
        else:
            if out is not None:
                _fail("--out is for json and csv; the table is for reading", 2)
            from drive_tui.analysis.report_tables import outcome_tables

            console = _console()
            for renderable in outcome_tables(document):
                console.print(renderable)
            return
        if out is None:
            sys.stdout.write(text)
        else:
            _write_private(out, text)
            typer.echo(f"Wrote the analyses of {document['cases']} closed case(s) to {out}", err=True)

    _run(action)


def _leaves(value: Any, path: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [leaf for key, inner in value.items() for leaf in _leaves(inner, (*path, str(key)))]
    if isinstance(value, list) and value and isinstance(value[0], list):  # a transition table: row by row
        return [leaf for i, row in enumerate(value) for leaf in _leaves(row, (*path, str(i)))]
    if isinstance(value, list):
        return [(".".join((*path, str(i))), item) for i, item in enumerate(value)]
    return [(".".join(path), value)]


def _csv(document: dict[str, Any]) -> str:
    """Long format: one row per figure, named by its path in the JSON document."""
    from drive_tui.cli import _csv_text

    return _csv_text([["measure", "value"], *([path, "" if v is None else str(v)] for path, v in _leaves(document))])
