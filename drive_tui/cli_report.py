"""``drive-tui report``: the evaluation's outcome analyses over closed cases, as a table, JSON or CSV."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from drive_tui.cli import _console, _fail, _open, _run, _settings, _write_private, app

if TYPE_CHECKING:
    from rich.console import Console

report_app = typer.Typer(help="Outcome analyses for supervisors and evaluators.", no_args_is_help=True)
app.add_typer(report_app, name="report")

DVA_LABELS = {"physical": "Physical", "sexual": "Sexual", "harassment_stalking": "Harassment/stalking",
              "jealousy_coercion": "Jealousy/coercion"}


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
            _print_tables(_console(), document)
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


def _p(value: float) -> str:
    return "<0.0001" if value < 0.0001 else f"{value:.4f}"


def _print_tables(console: Console, document: dict[str, Any]) -> None:
    from rich.table import Table

    console.print(f"[bold]Outcomes over {document['cases']} closed case(s)[/]: {document['paired']} with intake and "
                  f"closure; left out of paired analyses: {document['unpaired']['no_intake']} without intake, "
                  f"{document['unpaired']['no_closure']} without closure.")
    use = Table(title="Use of each type of abuse, intake vs exit (SUs with both known)")
    for column in ("Type", "n", "Used at intake", "Used at exit", "Used → not", "Not → used", "Exact McNemar p"):
        use.add_column(column, justify="right" if column != "Type" else "left")
    for key, label in DVA_LABELS.items():
        d = document["dva_use"][key]
        use.add_row(label, str(d["n"]), str(d["intake_used"]), str(d["exit_used"]), str(d["used_to_not"]),
                    str(d["not_to_used"]), _p(d["mcnemar_exact_p"]))
    console.print(use)
    severity = Table(title="Severity at intake → exit")
    for column in ("Type", "n", "Increased", "Decreased", "High: intake → exit", "None: intake → exit"):
        severity.add_column(column)
    for key, label in DVA_LABELS.items():
        s = document["severity_transitions"][key]
        severity.add_row(label, str(s["n"]), str(s["increased"]), str(s["decreased"]),
                         f"{s['intake_counts']['high']} → {s['exit_counts']['high']}",
                         f"{s['intake_counts']['none']} → {s['exit_counts']['none']}")
    console.print(severity)
    risk = Table(title="Case manager's judgement of risk change at closure")
    risk.add_column("Judgement")
    for group in ("all", "contacted", "not_contacted"):
        risk.add_column(group.replace("_", " ").capitalize(), justify="right")
    groups = document["risk_change"]
    from drive_tui.domain.vocab import RiskChange

    for code in RiskChange:
        cells = []
        for group in ("all", "contacted", "not_contacted"):
            share = groups[group]["percent"][code.value]
            cells.append(f"{groups[group][code.value]}" + (f" ({share}%)" if share is not None else ""))
        risk.add_row(code.label, *cells)
    console.print(risk)
    needs = document["complex_needs"]
    console.print(f"Complex needs per SU (of {needs['all_known']} with all four known): " + ", ".join(
        f"{k}: {v}" for k, v in needs["count_distribution"].items()))
    reasons = document["no_contact_reasons"]
    console.print(f"No contact: the same reason throughout for {sum(reasons['same_throughout'].values())} SU(s); "
                  f"changed for {reasons['cases_changed']}. Full figures: --format json.")
