"""The evaluators' report (``analysis.evaluation``) for a terminal: each table as a Rich table and each figure as
a bar chart of text — for the app's outcomes screen. Every bar carries its figure as text, and each series its own
glyph, so nothing is told by colour alone (a monochrome terminal, ``NO_COLOR``, a colour-blind reader)."""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.rule import Rule
from rich.table import Table as RichTable
from rich.text import Text

from drive_tui.analysis.evaluation import Chart, Evaluation, Table, cell_text, chart_value, is_figure

GLYPHS = ("█", "▓", "▒", "░")
STYLES = ("cyan", "yellow", "green", "magenta")


class BarChart:
    """Horizontal bars, one per category and series, scaled to the width the chart is given."""

    def __init__(self, chart: Chart) -> None:
        self.chart = chart

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        chart = self.chart
        several = len(chart.series) > 1
        names = [name for name, _ in chart.series] if several else []
        label_width = min(24, max((len(c) for c in chart.categories), default=8))
        if several:
            label_width = min(24, max([label_width, *(len(n) + 2 for n in names)]))
        values = [chart_value(v, chart.measure) for _, series in chart.series for v in series]
        top = 100.0 if chart.measure == "percent" else max((v for v in values if v is not None), default=0.0)
        room = max(8, options.max_width - label_width - 16)
        if several:
            key = Text("  ".join(f"{GLYPHS[i % 4]} {name}" for i, name in enumerate(names)), style="dim")
            yield key
        for index, category in enumerate(chart.categories):
            if several:
                yield Text(_fitted(category, label_width), style="bold")
            for number, (name, series) in enumerate(chart.series):
                cell = series[index]
                value = chart_value(cell, chart.measure)
                label = f"  {name}" if several else category
                line = Text(f"{_fitted(label, label_width):<{label_width}} ")
                length = 0 if value is None or not top else round(room * value / top)
                line.append(GLYPHS[number % 4] * length, style=STYLES[number % 4])
                line.append(" " + cell_text(cell))
                yield line
        yield Text(chart.axis, style="dim")


def _fitted(label: str, width: int) -> str:
    """``label`` in ``width`` columns, an ellipsis where it is cut (the table under the chart has it whole)."""
    return label if len(label) <= width else label[: width - 1] + "…"


def evaluation_renderables(report: Evaluation) -> Iterator[RenderableType]:
    """The whole report, part by part: for each table its chart (if it has one), then the table."""
    yield Text.assemble(
        ("Evaluation figures", "bold"),
        f" over {report.closed_cases} closed case(s) and the casework of {report.casework_cases}; data up to "
        f"{report.cut_off.isoformat() if report.cut_off else 'no closed case'}. The same as "
        "`drive-tui report evaluation` (HTML with charts, or xlsx).",
    )
    if not report.parts:
        yield Text(
            "No closed cases yet, so there is nothing to compare: a case counts once its closure assessment is "
            "submitted."
        )
    for part in report.parts:
        yield Rule(part.title, align="left")
        for table in part.tables:
            if table.chart is not None:
                yield Text(table.title, style="bold")
                yield BarChart(table.chart)
            yield rich_table(table)


def rich_table(table: Table) -> RichTable:
    out = RichTable(title=f"{table.title} — {table.source}", caption=table.note, title_justify="left")
    numeric = [
        bool(table.rows) and all(is_figure(row[i]) or row[i] == "" for row in table.rows)
        for i in range(len(table.columns))
    ]
    first = max((len(str(row[0])) for row in table.rows), default=0)
    for index, column in enumerate(table.columns):
        # the first column's labels ("Harassment/stalking") kept whole where short; the figures' headers wrap
        out.add_column(Text(column), justify="right" if numeric[index] else "left", no_wrap=index == 0 and first <= 24)
    for row in table.rows:  # Text, not str: a site's name is shown as written, never read as Rich markup
        out.add_row(*(Text(cell if isinstance(cell, str) else cell_text(cell)) for cell in row))
    return out
