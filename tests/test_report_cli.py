"""`drive-tui report outcomes`: the real command over a real encrypted store of invented cases."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest

from drive_tui.analysis.outcomes import outcomes
from drive_tui.config import Settings
from drive_tui.demo import synthetic_exchange
from drive_tui.store.cohort import cohort
from drive_tui.store.store import create, unlock
from drive_tui.store.transfer import import_exchange

from .conftest import PASSPHRASE
from .test_cli import run


@pytest.fixture
def cohort_home(tmp_path: Path) -> Path:
    home = tmp_path / "cohort"
    with create(Settings(home=home, keyring=False, user="cm1"), PASSPHRASE) as store, store.transaction() as tx:
        import_exchange(tx, synthetic_exchange(store.forms, cases=120, today=date(2026, 11, 1), seed=3))
    return home


def test_json_alone_goes_to_standard_output_and_matches_the_store(cohort_home: Path) -> None:
    result = run(cohort_home, "report", "outcomes", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)  # nothing but the document: it can be piped
    with unlock(Settings(home=cohort_home, keyring=False), PASSPHRASE) as store, \
            store.transaction() as tx:
        expected = outcomes(cohort(tx, closed_only=True))
    assert document["cases"] == expected["cases"] > 0
    assert document["dva_use"] == expected["dva_use"]
    assert document["severity_transitions"]["physical"]["table"] == expected["severity_transitions"]["physical"]["table"]
    assert set(document["by_contact"]) == {"contacted", "not_contacted"}
    assert set(document["complex_needs"]["count_distribution"]) == {"0", "1", "2", "3", "4"}


def test_filters_table_and_csv(cohort_home: Path, tmp_path: Path) -> None:
    everything = json.loads(run(cohort_home, "report", "outcomes", "--format", "json").stdout)
    essex = json.loads(run(cohort_home, "report", "outcomes", "--format", "json", "--site", "Essex").stdout)
    assert 0 < essex["cases"] < everything["cases"] and essex["filter"]["site"] == "Essex"
    none = json.loads(run(cohort_home, "report", "outcomes", "--format", "json", "--closed-to", "2000-01-01").stdout)
    assert none["cases"] == 0 and none["dva_use"]["physical"]["mcnemar_exact_p"] == 1.0

    table = run(cohort_home, "report", "outcomes")
    assert table.returncode == 0 and "Exact McNemar p" in table.stdout and "Physical" in table.stdout

    out = tmp_path / "outcomes.csv"
    written = run(cohort_home, "report", "outcomes", "--format", "csv", "--out", str(out))
    assert written.returncode == 0 and out.stat().st_mode & 0o777 == 0o600
    rows = dict(csv.reader(io.StringIO(out.read_text())))
    assert rows["cases"] == str(everything["cases"])
    assert rows["dva_use.physical.mcnemar_exact_p"] == str(everything["dva_use"]["physical"]["mcnemar_exact_p"])


def test_bad_options_say_so(cohort_home: Path) -> None:
    bad_date = run(cohort_home, "report", "outcomes", "--closed-from", "26/11/2026")
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr
    backwards = run(cohort_home, "report", "outcomes", "--closed-from", "2026-02-01", "--closed-to", "2026-01-01")
    assert backwards.returncode == 2 and "after" in backwards.stderr
    assert run(cohort_home, "report", "outcomes", "--format", "sav").returncode == 2
