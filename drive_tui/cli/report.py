"""``drive-tui report``: the evaluation's outcome analyses over closed cases, as a table, JSON or CSV; the casework
figures; and the evaluators' whole report as one HTML page with charts, or a workbook."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from drive_tui.cli.support import console, fail, iso_date, open_store, run, settings

if TYPE_CHECKING:
    from drive_tui.analysis.evaluation import Evaluation
    from drive_tui.store.store import Store

app = typer.Typer(help="Outcome and casework figures for supervisors and evaluators.", no_args_is_help=True)


def _date(value: str | None, option: str) -> date | None:
    return None if value is None else iso_date(value, option)


def _filters(store: Store, site: str | None, start: date | None, option: str) -> str | None:
    """The site as the store spells it, matched without regard to case; refused, naming the sites there are, when no
    case is at it. A start after today is refused too: a filter that can match nothing reads as "no cases", or as
    every open case never contacted."""
    from drive_tui.store.caseload import caseload

    with store.transaction() as tx:
        today = tx.today
        known = sorted({row.case.site for row in caseload(tx)}) if site is not None else []
    if start is not None and start > today:
        fail(f"{option} is after today ({today.isoformat()})", 2)
    if site is None:
        return None
    matching = [name for name in known if name.casefold() == site.strip().casefold()]
    if not matching:
        fail(f"no case is at a site called {site!r}; the sites with cases are: {', '.join(known) or 'none yet'}", 2)
    return matching[0]


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
        from drive_tui.store.cohort import cohort, collector_paused

        with store, collector_paused():  # millions of objects, no garbage: as ``read_evaluation``
            at = _filters(store, site, start, "--closed-from")
            with store.transaction() as tx:
                cases = cohort(tx, closed_only=True, site=at, closed_from=start, closed_to=end)
            document = outcomes(cases)
        document["filter"] = {"site": at, "closed_from": closed_from, "closed_to": closed_to}
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

        with store:
            at = _filters(store, site, start, "--from")
            with store.transaction() as tx:
                cases, today = case_work(tx, site=at), tx.today
        document = casework_figures(
            cases, today=today, period=Period(start, end), stalled_after=config.stalled_after_days
        )
        document["filter"] = {"site": at, "from": period_from, "to": period_to}
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


@app.command("evaluation")
def report_evaluation(
    out: Annotated[Path, typer.Option(help="The file to write (report.html or report.xlsx).")],
    format: Annotated[str, typer.Option("--format", help="html or xlsx.")] = "html",
    site: Annotated[str | None, typer.Option(help="Only cases at this site.")] = None,
    closed_from: Annotated[
        str | None, typer.Option(help="Only cases closed on or after YYYY-MM-DD (and casework from then).")
    ] = None,
    closed_to: Annotated[
        str | None, typer.Option(help="Only cases closed on or before YYYY-MM-DD (and casework up to then).")
    ] = None,
    suppress_small: Annotated[
        bool, typer.Option("--suppress-small", help="Hide small counts, for sharing outside the service.")
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
) -> None:
    """Every table and figure of the evaluation computed from case data, by its methods, as one self-contained
    HTML page with charts (or an Excel workbook, a sheet per table). Aggregates only, but not encrypted."""
    if format not in ("html", "xlsx"):
        fail(f"unknown format {format!r}: use html or xlsx", 2)
    start, end = _date(closed_from, "--closed-from"), _date(closed_to, "--closed-to")
    if start and end and start > end:
        fail("--closed-from is after --closed-to", 2)
    if out.exists() and not force:
        fail(f"{out} exists: choose another name, or --force to replace it", 2)
    if not out.parent.is_dir():
        fail(f"no folder {out.parent} to write {out.name} in", 2)
    config = settings()
    store = open_store(config)

    def action() -> None:
        from drive_tui.analysis.evaluation import suppress_small as suppressed
        from drive_tui.paths import write_private

        with store:
            at = _filters(store, site, start, "--closed-from")
            report = read_evaluation(
                store,
                site=at,
                start=start,
                end=end,
                stalled_after=config.stalled_after_days,
                filters={"site": at, "closed_from": closed_from, "closed_to": closed_to},
            )
        if suppress_small:
            report = suppressed(report, config.small_cells_below)
        if format == "html":
            from drive_tui.analysis.report_html import report_html

            data: str | bytes = report_html(report)
        else:
            from drive_tui.analysis.report_xlsx import report_xlsx

            data = report_xlsx(report)
        try:
            write_private(out, data, overwrite=force)
        except FileExistsError:
            fail(f"{out} exists: choose another name, or --force to replace it", 2)
        typer.echo(
            f"Wrote the evaluation figures over {report.closed_cases} closed case(s) to {out}. It holds aggregates "
            "only, but it is not encrypted: keep it where the service keeps its reports"
            + ("." if suppress_small else ", and use --suppress-small before sharing it outside the service."),
            err=True,
        )

    run(action)


def read_evaluation(
    store: Store,
    *,
    site: str | None = None,
    start: date | None = None,
    end: date | None = None,
    stalled_after: int,
    filters: dict[str, str | None],
) -> Evaluation:
    """Everything ``report evaluation`` reads and computes before it draws (``bench/report_bench.py`` times it).
    Cycle collection is paused meanwhile: a report of 5,000 cases makes millions of objects and no garbage, and
    Python's passes over them cost a third of its time; the process ends soon after."""
    from drive_tui.analysis.casework import Period, casework_figures
    from drive_tui.analysis.evaluation import evaluation
    from drive_tui.analysis.outcomes import outcomes
    from drive_tui.store.cohort import cohort, collector_paused
    from drive_tui.store.work_log import case_work

    with collector_paused():
        with store.transaction() as tx:
            cases = cohort(tx, closed_only=True, site=site, closed_from=start, closed_to=end)
            work, today = case_work(tx, site=site), tx.today
        return evaluation(
            outcomes(cases),
            casework_figures(work, today=today, period=Period(start, end), stalled_after=stalled_after),
            generated_on=today,
            cut_off=max((c.case.closed_on for c in cases if c.case.closed_on is not None), default=None),
            filters=filters,
        )
