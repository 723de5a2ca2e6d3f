"""`drive-tui report evaluation`: the evaluation's tables laid out from the analyses, small cells suppressed for
sharing, and the real command writing one self-contained HTML page or a workbook from a real encrypted store."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from drive_tui.analysis.casework import Period, casework_figures
from drive_tui.analysis.evaluation import (
    Count,
    Evaluation,
    Suppressed,
    cell_text,
    chart_value,
    evaluation,
    suppress_small,
)
from drive_tui.analysis.outcomes import outcomes
from drive_tui.analysis.report_html import report_html
from drive_tui.config import Settings
from drive_tui.demo import synthetic_exchange
from drive_tui.domain.vocab import Timepoint
from drive_tui.store.cohort import cohort
from drive_tui.store.store import create, unlock
from drive_tui.store.transfer import import_exchange
from drive_tui.store.work_log import case_work
from tests.support.cli import run
from tests.support.data import PASSPHRASE
from tests.test_outcomes import su_case

TODAY = date(2026, 11, 1)


def _report(cases: list, casework: dict | None = None) -> Evaluation:  # type: ignore[type-arg]
    return evaluation(
        outcomes(cases),
        casework or casework_figures([], today=TODAY, period=Period(None, None), stalled_after=10),
        generated_on=TODAY,
        cut_off=TODAY,
        filters={"site": None},
    )


def _table(report: Evaluation, key: str):  # type: ignore[no-untyped-def]
    return next(table for table in report.tables() if table.key == key)


def test_each_percentage_is_of_its_own_base() -> None:
    """Five closed cases. Housing at intake: yes, yes, no, not known, unanswered — known 3, so 2 of 3 = 66.7%
    (not 2 of 5). Risk change at closure: reduced greatly ×2, no change, don't know ×2 — known 3: 66.7% and
    33.3%; don't know has no percentage and the base row says 3."""
    answers = [("yes", "reduced_greatly"), ("yes", "reduced_greatly"), ("no", "no_change"), ("not_known", "dont_know")]
    cases = [
        su_case({Timepoint.INTAKE: {"need_housing": need}, Timepoint.CLOSURE: {"risk_change": change}})
        for need, change in answers
    ]
    cases.append(su_case({Timepoint.INTAKE: {}, Timepoint.CLOSURE: {"risk_change": "dont_know"}}))
    report = _report(cases)
    needs = _table(report, "complex_needs")
    housing = next(row for row in needs.rows if row[0] == "Housing")
    assert housing[1:] == (Count(2, 3), 3, 2) and cell_text(housing[1]) == "2 (66.7%)"
    risk = {row[0]: row[1] for row in _table(report, "risk_change").rows}
    assert risk["Reduced greatly"] == Count(2, 3) and risk["No change"] == Count(1, 3)
    assert risk["Don't know"] == 2 and risk["Known (the % base)"] == 3
    assert chart_value(risk["Reduced greatly"], "percent") == 66.7
    assert report.closed_cases == 5 and [part.title for part in report.parts][0] == "Who was worked with"


def test_a_p_value_too_small_to_print_reads_as_a_bound_never_as_zero() -> None:
    """Sixty SUs whose physical abuse stopped, none started: McNemar's exact p is ~10⁻¹⁸, kept to six places as 0.0.
    The table says "<0.0001" (a figure, drawn right-aligned), not "0" — an impossible p."""
    cases = [
        su_case({Timepoint.INTAKE: {"dva_physical": "high"}, Timepoint.CLOSURE: {"dva_physical": "none"}})
        for _ in range(60)
    ]
    use = _table(_report(cases), "dva_use")
    physical = next(row for row in use.rows if row[0] == "Physical")
    assert physical[-1] == "<0.0001" and cell_text(physical[-1]) == "<0.0001"
    assert '<td class="n">&lt;0.0001</td>' in report_html(_report(cases))


def test_small_cells_are_suppressed_for_sharing_and_nothing_else() -> None:
    """Counts 1–4 become "<5" with their percentage; 0, 5 and more, and bare totals stay; a suppressed bar is not
    drawn."""
    answers = ["yes"] * 5 + ["no"] * 3  # housing: 5 of 8 known yes (62.5%), 3 no
    cases = [su_case({Timepoint.INTAKE: {"need_housing": need}, Timepoint.CLOSURE: {}}) for need in answers]
    plain = _report(cases)
    shared = suppress_small(plain, 5)
    housing = next(row for row in _table(shared, "complex_needs").rows if row[0] == "Housing")
    assert housing[1] == Count(5, 8) and housing[2] == 8  # 5 is not small; the base is not a cell to hide
    offences = {row[0]: row[1] for row in _table(shared, "previous_offences").rows}
    assert offences["Not known"] == Count(8, 8) and offences["Both"] == Count(0, 8)  # zero stays zero
    men = next(row for row in _table(plain, "su_profile").rows if row[1] == "Unanswered")
    assert men[2] == Count(8, 8)
    three = suppress_small(plain, 9)  # 8 SUs: now everything of 8 is under the threshold
    cell = next(row for row in _table(three, "previous_offences").rows if row[0] == "Not known")[1]
    assert cell == Suppressed(9) and cell_text(cell) == "<9" and chart_value(cell, "percent") is None
    chart = _table(three, "complex_needs").chart
    assert chart is not None and chart_value(chart.series[0][1][2], "percent") is None  # housing's bar: hidden
    assert shared.suppressed_below == 5 and "shown as \u201c<5\u201d" in shared.methods[-1]
    assert plain.suppressed_below is None


def test_a_name_from_the_data_is_drawn_as_written_in_a_chart() -> None:
    """A site's name is the administrator's text: "$" is not maths to matplotlib (an unparsable "$x_$" failed the
    whole report), and "<b>" is text, not markup."""
    from drive_tui.analysis.evaluation import Chart
    from drive_tui.analysis.report_html import chart_svg

    svg = chart_svg(Chart(("a $x_$ b", "<b>&"), (("$\\frac$", (Count(1, 2), Count(2, 2))),), "percent", "%"), "k")
    assert "a $x_$ b" in svg and "&lt;b&gt;&amp;" in svg and "<b>" not in svg


def test_the_terminal_report_shows_names_as_written() -> None:
    """The app's outcomes screen: a site named "[/x]" is text, not Rich markup (which failed to render)."""
    from rich.console import Console

    from drive_tui.analysis.report_terminal import evaluation_renderables

    cases = [su_case({Timepoint.INTAKE: {}, Timepoint.CLOSURE: {}}) for _ in range(2)]
    for case in cases:
        object.__setattr__(case.case, "site", "[/x] $a")
    console = Console(width=100, record=True, color_system=None)
    for renderable in evaluation_renderables(_report(cases)):
        console.print(renderable)
    assert "[/x] $a" in console.export_text()


def test_no_closed_case_says_so_rather_than_drawing_zeros() -> None:
    page = report_html(_report([]))
    assert "nothing to report yet" in page and "<svg" not in page and "McNemar" in page  # the methods note stays


class _Text(HTMLParser):
    """The text of every table of the page, row by row: what a reader compares with the evaluation."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self._in_svg += 1
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "h3":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._in_svg -= 1
        elif tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.lines.append(" | ".join(self._row))
            self._row = None
        elif tag == "h3" and self._cell is not None:
            self.lines.append("## " + "".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._in_svg:
            self._cell.append(data)


@pytest.fixture(scope="module")
def cohort_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("evaluation") / "store"
    with create(Settings(home=home, keyring=False, user="cm1"), PASSPHRASE) as store, store.transaction() as tx:
        import_exchange(tx, synthetic_exchange(store.forms, cases=120, today=TODAY, seed=3, work=True))
    return home


def _built(home: Path) -> Evaluation:
    with unlock(Settings(home=home, keyring=False), PASSPHRASE) as store, store.transaction() as tx:
        cases, work = cohort(tx, closed_only=True), case_work(tx)
    return evaluation(
        outcomes(cases),
        casework_figures(work, today=TODAY, period=Period(None, None), stalled_after=10),
        generated_on=TODAY,
        cut_off=max(c.case.closed_on for c in cases if c.case.closed_on),
        filters={"site": None, "closed_from": None, "closed_to": None},
    )


def test_the_pages_tables_as_text(cohort_home: Path, snapshot) -> None:  # type: ignore[no-untyped-def]
    """Every table's text, as an evaluator reads it: a change to any figure or label shows here on purpose."""
    parser = _Text()
    parser.feed(report_html(_built(cohort_home)))
    assert "\n".join(parser.lines) == snapshot


def test_the_command_writes_a_private_self_contained_page_once(cohort_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = run(cohort_home, "report", "evaluation", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "not encrypted" in result.stderr and "--suppress-small" in result.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    page = out.read_text()
    report = _built(cohort_home)
    for table in report.tables():
        assert f'id="{table.key}"' in page and table.source in page
    charts = sum(1 for table in report.tables() if table.chart is not None)
    assert page.count('<figure class="chart"') == charts >= 8
    assert "default-src 'none'" in page  # the browser may fetch nothing
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#)|url\((?!#)|@import|<script""", page)  # nor is asked to
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # every chart's clip paths its own
    assert "Figure 10 (p.29)" in page and "Casework" in page  # the work log's figures, in the same report

    again = run(cohort_home, "report", "evaluation", "--out", str(out), "--site", "Essex")
    assert again.returncode == 2 and "--force" in again.stderr and out.read_text() == page  # not overwritten
    out.chmod(0o644)
    forced = run(cohort_home, "report", "evaluation", "--out", str(out), "--site", "Essex", "--force")
    assert forced.returncode == 0, forced.stderr
    assert out.stat().st_mode & 0o777 == 0o600 and "site Essex" in out.read_text()


def test_a_workbook_a_sheet_per_table_with_numbers_and_suppression(cohort_home: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "report.xlsx"
    result = run(cohort_home, "report", "evaluation", "--format", "xlsx", "--out", str(out), "--suppress-small")
    assert result.returncode == 0, result.stderr
    assert out.stat().st_mode & 0o777 == 0o600
    book = load_workbook(out)
    report = _built(cohort_home)
    assert book.sheetnames == ["About", *(table.key for table in report.tables())]
    sheet = book["previous_offences"]
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert rows[0] == ("Previous offences", f"SUs (% of all {report.closed_cases})", "%")
    for _label, n, percent in rows[1:]:
        assert (n == "<5" and percent is None) or (isinstance(n, int) and (n == 0 or n >= 5))
    about = {row[0]: row[1] for row in book["About"].iter_rows(values_only=True) if row and row[0]}
    assert about["Small cells"] == "under 5 suppressed"


def test_bad_requests_say_what_to_do_and_write_nothing(cohort_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    wrong = run(cohort_home, "report", "evaluation", "--format", "pdf", "--out", str(out))
    assert wrong.returncode == 2 and "html or xlsx" in wrong.stderr and not out.exists()
    nowhere = run(cohort_home, "report", "evaluation", "--out", str(tmp_path / "missing" / "r.html"))
    assert nowhere.returncode == 2 and "no folder" in nowhere.stderr
    backwards = run(
        cohort_home,
        "report",
        "evaluation",
        "--out",
        str(out),
        "--closed-from",
        "2026-05-01",
        "--closed-to",
        "2026-01-01",
    )
    assert backwards.returncode == 2 and not out.exists()
