"""The evaluators' HTML report opened in a real headless Chromium (Debian's ``chromium``; ``.ci/run`` installs it):
nothing is fetched or fails, every chart is drawn, and a screenshot of the whole page is kept as an artefact
(``test-artifacts/``, or ``DRIVE_TEST_ARTIFACTS``) for a person to look at."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from drive_tui.analysis.casework import Period, casework_figures
from drive_tui.analysis.evaluation import evaluation
from drive_tui.analysis.outcomes import outcomes
from drive_tui.analysis.report_html import report_html
from drive_tui.config import Settings
from drive_tui.demo import synthetic_exchange
from drive_tui.store.cohort import cohort
from drive_tui.store.store import create
from drive_tui.store.transfer import import_exchange
from drive_tui.store.work_log import case_work
from tests.support.data import PASSPHRASE

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(os.environ.get("DRIVE_TEST_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))

pytestmark = [
    pytest.mark.chromium,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"),
]


def test_the_report_renders_in_chromium_with_every_chart_and_no_request(tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    today = date(2026, 11, 1)
    with create(Settings(home=tmp_path / "store", keyring=False, user="cm1"), PASSPHRASE) as store:
        with store.transaction() as tx:
            import_exchange(tx, synthetic_exchange(store.forms, cases=60, today=today, seed=11, work=True))
        with store.transaction() as tx:
            cases, work = cohort(tx, closed_only=True), case_work(tx)
    report = evaluation(
        outcomes(cases),
        casework_figures(work, today=today, period=Period(None, None), stalled_after=10),
        generated_on=today,
        cut_off=today,
        filters={"site": None},
    )
    page_file = tmp_path / "report.html"
    page_file.write_text(report_html(report), encoding="utf-8")
    charts = [table for table in report.tables() if table.chart is not None]

    requests: list[str] = []
    failures: list[str] = []
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.on("requestfailed", lambda request: failures.append(request.url))
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(page_file.as_uri(), wait_until="load")
            assert page.title() == "Drive: evaluation figures"
            drawn = page.eval_on_selector_all(
                "figure.chart svg",
                """svgs => svgs.map(svg => {
                    const box = svg.getBoundingClientRect();
                    const bars = [...svg.querySelectorAll('g[id*="patch_"] path')]
                        .filter(bar => bar.getBoundingClientRect().height > 0).length;
                    return {width: box.width, height: box.height, bars};
                })""",
            )
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "evaluation-report.png"), full_page=True)
        finally:
            browser.close()

    assert requests == [page_file.as_uri()]  # the page itself, and nothing else
    assert failures == [] and errors == []
    assert len(drawn) == len(charts) >= 8
    for chart in drawn:
        assert chart["width"] > 200 and chart["height"] > 100 and chart["bars"] > 1  # axes and bars, not a blank
    assert (ARTIFACTS / "evaluation-report.png").stat().st_size > 50_000
