"""The evaluators' report as one self-contained HTML page: tables as HTML, figures as inline SVG drawn by
matplotlib when the page is built. No script, no stylesheet, font or image from anywhere else: it is opened on
locked-down machines, and its Content-Security-Policy forbids the browser to fetch anything at all."""

from __future__ import annotations

import io
import re
from html import escape

from drive_tui.analysis.evaluation import Chart, Evaluation, Table, cell_text, chart_value, is_figure

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #1b1b1b; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { border-bottom: 2px solid #1d4f73; padding-bottom: .2rem; margin-top: 2.5rem; color: #1d4f73; }
h3 { margin: 1.8rem 0 .3rem; }
.source { color: #555; font-size: .9rem; margin: 0 0 .5rem; }
.facts { border-collapse: collapse; margin: .5rem 0 1rem; }
.facts th { text-align: left; padding: .15rem 1rem .15rem 0; font-weight: 600; }
table.figures { border-collapse: collapse; margin: .4rem 0; font-size: .92rem; }
table.figures th, table.figures td { border: 1px solid #c8c8c8; padding: .25rem .5rem; vertical-align: top; }
table.figures thead th { background: #eef3f7; }
table.figures td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.note { font-size: .88rem; color: #333; margin: .3rem 0 0; }
caption.note { caption-side: bottom; text-align: left; padding-top: .3rem; }
figure { margin: .8rem 0; }
figure svg { max-width: 100%; height: auto; }
.notice { background: #fff6d5; border-left: 4px solid #b58900; padding: .5rem .8rem; }
"""

POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""Nothing may be fetched: a page that tried would show as broken, never leak that it was opened."""

COLOURS = ("#1d4f73", "#e07b39", "#5b9e4d", "#8c6bb1", "#c44e52", "#7f7f7f")


def report_html(report: Evaluation) -> str:
    """The whole page. Every value from the data is escaped."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Drive: evaluation figures</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Drive: evaluation figures</h1>",
        '<p class="source">The tables and figures of the Drive Year 1 evaluation that are computed from case data, '
        "by the evaluation's own methods, over this service's records.</p>",
        _facts(report),
    ]
    if not report.parts:
        out.append("<p>No case matches the filters, so there is nothing to report yet.</p>")
    contents = [f'<li><a href="#{escape(table.key)}">{escape(table.title)}</a></li>' for table in report.tables()]
    if contents:
        out.append("<nav><h2>Contents</h2><ol>" + "".join(contents) + "</ol></nav>")
    for part in report.parts:
        out.append(f"<h2>{escape(part.title)}</h2>")
        for table in part.tables:
            out.append(_table(table))
    out.append("<h2>Methods</h2><ul>" + "".join(f"<li>{escape(line)}</li>" for line in report.methods) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _facts(report: Evaluation) -> str:
    filters = ", ".join(f"{name.replace('_', ' ')} {value}" for name, value in report.filters.items() if value)
    rows = [
        ("Produced on", report.generated_on.isoformat()),
        ("Data up to", report.cut_off.isoformat() if report.cut_off else "no closed case"),
        ("Filters", filters or "none: every case in the store"),
        ("Closed cases analysed", str(report.closed_cases)),
        ("Cases counted for casework", str(report.casework_cases)),
        (
            "Small cells",
            f"counts under {report.suppressed_below} suppressed, for sharing outside the service"
            if report.suppressed_below
            else "shown as they are (for use within the service)",
        ),
    ]
    body = "".join(f"<tr><th>{escape(name)}</th><td>{escape(value)}</td></tr>" for name, value in rows)
    notice = (
        '<p class="notice">Aggregate figures only, no case or person named. This file is not encrypted: keep it '
        "where the service keeps its reports.</p>"
    )
    return f'<table class="facts">{body}</table>{notice}'


def _table(table: Table) -> str:
    head = "".join(f'<th scope="col">{escape(column)}</th>' for column in table.columns)
    body = []
    for row in table.rows:
        cells = []
        for value in row:
            numeric = is_figure(value)
            cells.append(f'<td class="n">{escape(cell_text(value))}</td>' if numeric else f"<td>{escape(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    parts = [
        f'<section id="{escape(table.key)}">',
        f"<h3>{escape(table.title)}</h3>",
        f'<p class="source">Evaluation: {escape(table.source)}</p>',
    ]
    if table.chart is not None:
        parts.append(_figure(table.key, table.title, table.chart))
    parts.append(
        f'<table class="figures"><caption class="note">{escape(table.note)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )
    parts.append("</section>")
    return "\n".join(parts)


def _figure(key: str, title: str, chart: Chart) -> str:
    return (
        f'<figure class="chart" aria-label="{escape(title)}">{chart_svg(chart, key)}'
        f'<figcaption class="note">{escape(chart.axis)}; a missing bar: a suppressed or unknown figure.'
        "</figcaption></figure>"
    )


def chart_svg(chart: Chart, key: str) -> str:
    """Grouped bars as an SVG element, drawn by matplotlib (text kept as text, not paths: smaller, searchable).
    ``key`` prefixes the element ids matplotlib makes, so that no two charts of one page share one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # text.parse_math off: a site's name is drawn as written — "$" would otherwise start TeX-like maths, and a name
    # matplotlib could not parse as such would fail the whole report
    with matplotlib.rc_context(
        {"svg.fonttype": "none", "svg.hashsalt": "drive-tui", "font.size": 9, "text.parse_math": False}
    ):
        width = max(5.5, min(11.0, 1.0 + 0.9 * len(chart.categories) * max(1, len(chart.series)) ** 0.5))
        labels = [_wrapped(category) for category in chart.categories]
        label_lines = max((label.count("\n") + 1 for label in labels), default=1)
        height = 3.2
        # Margins set, not measured (tight_layout draws every chart twice: half the report's time): the axis title
        # on the left, the category labels below, in lines of the font's size (9 pt, 1/72 in) with some air.
        figure, axes = plt.subplots(figsize=(width, height))
        figure.subplots_adjust(
            left=0.75 / width,
            right=1 - 0.15 / width,
            top=1 - (0.4 if len(chart.series) > 1 else 0.12) / height,  # a legend goes above, never over a bar
            bottom=(0.3 + label_lines * 0.16) / height,
        )
        try:
            count = len(chart.series)
            bar = 0.8 / max(count, 1)
            for index, (name, values) in enumerate(chart.series):
                heights = [chart_value(value, chart.measure) for value in values]
                positions = [x + (index - (count - 1) / 2) * bar for x in range(len(chart.categories))]
                drawn = [(x, h) for x, h in zip(positions, heights, strict=True) if h is not None]
                axes.bar(
                    [x for x, _ in drawn],
                    [h for _, h in drawn],
                    bar,
                    label=name,
                    color=COLOURS[index % len(COLOURS)],
                )
            axes.set_xticks(range(len(chart.categories)), labels)
            axes.set_ylabel(chart.axis)
            if chart.measure == "percent":
                axes.set_ylim(0, 100)
            axes.spines[["top", "right"]].set_visible(False)
            if count > 1:
                axes.legend(frameon=False, fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.01), ncols=count)
            buffer = io.StringIO()
            figure.savefig(buffer, format="svg", metadata={"Date": None})
        finally:
            plt.close(figure)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # the XML declaration and DOCTYPE have no place inside HTML
    # matplotlib names its groups figure_1, patch_1…, the same in every chart: one page's ids must be unique (text
    # from the data is escaped by then, so these patterns are matplotlib's own markup only)
    svg = re.sub(r'\bid="', f'id="{key}-', svg)
    return re.sub(r'(url\(#|href="#)', rf"\1{key}-", svg)


def _wrapped(label: str, width: int = 14) -> str:
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)
