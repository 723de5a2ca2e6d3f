"""`drive-tui report outcomes`: the real command over a real encrypted store of invented cases."""

from __future__ import annotations

import csv
import io
import json
import math
from datetime import date
from pathlib import Path

import pytest

from drive_tui.analysis.outcomes import outcomes
from drive_tui.config import Settings
from drive_tui.demo import synthetic_exchange
from drive_tui.store.cohort import cohort
from drive_tui.store.store import create, unlock
from drive_tui.store.transfer import import_exchange
from tests.support.cli import run
from tests.support.data import PASSPHRASE


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
    with unlock(Settings(home=cohort_home, keyring=False), PASSPHRASE) as store, store.transaction() as tx:
        expected = outcomes(cohort(tx, closed_only=True))
    assert document["cases"] == expected["cases"] > 0
    assert document["dva_use"] == expected["dva_use"]
    assert (
        document["severity_transitions"]["physical"]["table"] == expected["severity_transitions"]["physical"]["table"]
    )
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


def test_a_site_is_matched_whatever_its_case_and_a_filter_that_can_match_nothing_is_refused(cohort_home: Path) -> None:
    """ "essex" is Essex (the app's filter ignores case too); "Narnia" is no site — refused, naming the sites there
    are, not answered "no closed cases"; and work from a day after today is refused, not counted as none done."""
    essex = json.loads(run(cohort_home, "report", "outcomes", "--format", "json", "--site", "essex").stdout)
    assert essex["cases"] > 0 and essex["filter"]["site"] == "Essex"
    for command in ("outcomes", "casework"):
        unknown = run(cohort_home, "report", command, "--site", "Narnia")
        assert unknown.returncode == 2 and "Narnia" in unknown.stderr and "Essex" in unknown.stderr
        assert unknown.stdout == ""
    future = run(cohort_home, "report", "casework", "--from", "2099-01-01")
    assert future.returncode == 2 and "after today" in future.stderr and future.stdout == ""


def test_exports_long_wide_codebook_and_spss_with_labels(cohort_home: Path, tmp_path: Path) -> None:
    import pyreadstat

    out = tmp_path / "cohort.sav"
    result = run(cohort_home, "export", "--format", "sav", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "NOT encrypted" in result.stderr
    wide, codebook = tmp_path / "cohort.wide.sav", tmp_path / "cohort.codebook.csv"
    for path in (out, wide, codebook):
        assert path.stat().st_mode & 0o777 == 0o600
    long_frame, long_meta = pyreadstat.read_sav(str(out))
    wide_frame, wide_meta = pyreadstat.read_sav(str(wide))
    assert len(wide_frame) == 120 and len(long_frame) > 120  # one row per case; one per assessment
    assert wide_meta.column_names_to_labels["intake_dva_physical"] == "Intake: Severity of abusive behaviour: Physical"
    assert wide_meta.variable_value_labels["closure_risk_change"][1.0] == "Reduced greatly"
    assert long_meta.variable_value_labels["support_areas_housing"] == {0.0: "No", 1.0: "Yes"}
    assert wide_meta.original_variable_types["allocated_on"].startswith("DATE")
    # the codes are read back as they were: the first case's intake physical severity
    (tmp_path / "csv").mkdir()
    assert run(cohort_home, "export", "--format", "csv", "--out", str(tmp_path / "csv" / "cohort.csv")).returncode == 0
    wide_rows = list(csv.DictReader((tmp_path / "csv" / "cohort.wide.csv").open()))
    levels = ["none", "standard", "moderate", "high", "not_known"]
    for i, row in enumerate(wide_rows):
        assert wide_frame["reference"][i] == row["reference"]
        code, number = row["intake_dva_physical"], wide_frame["intake_dva_physical"][i]
        assert (number == levels.index(code) + 1) if code else math.isnan(number)


def test_pseudonymised_export_is_stable_and_drops_free_text(cohort_home: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for path in (first, second):
        assert run(cohort_home, "export", "--format", "csv", "--pseudonymise", "--out", str(path)).returncode == 0
    plain = tmp_path / "plain.csv"
    run(cohort_home, "export", "--format", "csv", "--out", str(plain))
    rows_a = list(csv.DictReader((tmp_path / "a.wide.csv").open()))
    rows_b = list(csv.DictReader((tmp_path / "b.wide.csv").open()))
    plain_rows = list(csv.DictReader((tmp_path / "plain.wide.csv").open()))
    assert [r["reference"] for r in rows_a] == [r["reference"] for r in rows_b]  # stable across exports
    assert all(r["reference"].startswith("P") and not r["reference"].startswith("DEMO") for r in rows_a)
    assert {r["reference"] for r in rows_a}.isdisjoint({r["reference"] for r in plain_rows})
    assert all(r["case_manager"].startswith("CM") for r in rows_a)
    assert all(r["su_ethnicity_recorded"] == "" for r in rows_a)  # free text, were there any, never leaves
    assert [r["su_ethnicity"] for r in rows_a] == [r["su_ethnicity"] for r in plain_rows]  # the code does
    assert any(r["su_ethnicity"] for r in rows_a)
    assert all(r["closure_notes"] == "" for r in rows_a)
    assert [r["intake_dva_physical"] for r in rows_a] == [r["intake_dva_physical"] for r in plain_rows]


def test_the_cohort_holds_each_cases_current_assessments_exactly(cohort_home: Path) -> None:
    from drive_tui.store.assessments import current_assessments
    from drive_tui.store.cases import list_cases

    with unlock(Settings(home=cohort_home, keyring=False), PASSPHRASE) as store, store.transaction() as tx:
        everything = {item.case.id: item for item in cohort(tx)}
        closed = cohort(tx, closed_only=True)
        for case in list_cases(tx):
            assert everything[case.id].case == case
            assert dict(everything[case.id].assessments) == current_assessments(tx, case.id)
    assert closed and all(item.case.status.value == "closed" for item in closed)
    assert len(closed) < len(everything)


def test_with_no_closed_case_the_table_says_there_is_nothing_to_analyse(tmp_path: Path) -> None:
    home = tmp_path / "empty"
    create(Settings(home=home, keyring=False, user="cm1"), PASSPHRASE).close()
    result = run(home, "report", "outcomes")
    assert result.returncode == 0, result.stderr
    assert "No closed cases match" in result.stdout
    assert "McNemar" not in result.stdout and "1.0000" not in result.stdout


def test_a_pseudonymised_export_keeps_a_victim_survivors_codes_and_drops_their_free_text(
    cohort_home: Path, tmp_path: Path
) -> None:
    from drive_tui.store.cases import add_victim, list_cases

    with unlock(Settings(home=cohort_home, keyring=False), PASSPHRASE) as store, store.transaction() as tx:
        case = list_cases(tx)[0]
        add_victim(
            tx,
            case.id,
            {"relationship": "partner", "gender": "woman", "ethnicity": "SENTINEL-E", "idva_service": "SENTINEL-S"},
        )
    pseudonymised, plain = tmp_path / "p.json", tmp_path / "plain.json"
    assert run(cohort_home, "export", "--format", "json", "--pseudonymise", "--out", str(pseudonymised)).returncode == 0
    assert run(cohort_home, "export", "--format", "json", "--out", str(plain)).returncode == 0
    assert "SENTINEL-S" in plain.read_text() and "SENTINEL-E" in plain.read_text()
    text = pseudonymised.read_text()
    assert "SENTINEL" not in text and '"relationship": "partner"' in text.replace('":"', '": "')


CASEWORK = {
    "DRV-0001": [  # allocated 2016-05-03 at Essex, closed 2017-03-01
        {"id": "req-1", "date": "2016-05-04", "kind": "indirect", "agency": "police", "action": "info_requested"},
        {"date": "2016-05-05", "kind": "contact_attempt", "attempt_method": "telephone",
         "attempt_outcome": "no_answer"},
        {"id": "ans-1", "date": "2016-05-09", "kind": "indirect", "agency": "police", "action": "info_received",
         "answers": "req-1"},
        {"date": "2016-05-10", "kind": "contact_attempt", "attempt_method": "via_prison", "attempt_outcome": "reached"},
        {"date": "2016-05-11", "kind": "indirect", "agency": "marac", "action": "marac_referral"},
    ],
    "DRV-0002": [  # allocated 2016-06-01 at Essex, open
        {"date": "2016-06-02", "kind": "indirect", "agency": "probation", "action": "info_requested"},
        {"date": "2016-06-03", "kind": "indirect", "agency": "childrens_social_care",
         "action": "child_safeguarding_referral"},
        {"date": "2016-06-04", "kind": "contact_attempt", "attempt_method": "letter_email",
         "attempt_outcome": "declined"},
    ],
}  # fmt: skip


def test_report_casework_counts_a_hand_worked_work_log(tmp_path: Path) -> None:
    """Two cases, eight entries, worked by hand: 3 attempts and 5 indirect entries; one disruption (a Marac
    referral) and one child safeguarding referral, one case each; DRV-0001 reached on its second attempt (one
    attempt before first contact), DRV-0002 never reached after one; the police request answered in 5 days, the
    probation request open for years — stalled."""
    from tests.support.data import clean, sample

    home = tmp_path / "casework"
    create(Settings(home=home, keyring=False, user="cm1"), PASSPHRASE).close()
    data = clean(sample()) | {"format": "drive-tui/2"}
    for case in data["cases"]:
        case["work_log"] = CASEWORK[case["reference"]]
    source = tmp_path / "casework.json"
    source.write_text(json.dumps(data))
    imported = run(home, "import", str(source))
    assert "3 assessment(s) and 8 work-log entries" in imported.stdout, imported.stderr
    document = json.loads(run(home, "report", "casework", "--format", "json").stdout)
    assert document["cases"] == 2
    assert document["entries"] == {"contact_attempt": 3, "direct_session": 0, "indirect": 5}
    agencies = {agency: n for agency, n in document["indirect_by_agency"].items() if n}
    assert agencies == {"police": 2, "marac": 1, "probation": 1, "childrens_social_care": 1}
    assert document["disruption"] == {"entries": 1, "cases": 1, "by_site": {"Essex": 1}}
    assert document["child_safeguarding"] == {"entries": 1, "cases": 1}
    assert document["contact_attempts"] == {
        "contacted": {"cases": 1, "attempts": 2, "median_attempts": 2.0},
        "never_contacted": {"cases": 1, "attempts": 1, "median_attempts": 1.0},
    }
    assert document["attempts_before_first_contact_median"] == 1.0
    requests = document["info_requests"]
    assert (requests["open"], requests["answered"], requests["stalled"], requests["median_days_to_answer"]) == (
        1, 1, 1, 5.0,
    )  # fmt: skip
    may = json.loads(run(home, "report", "casework", "--format", "json", "--to", "2016-05-31").stdout)
    assert may["cases"] == 1 and may["entries"]["indirect"] == 3 and may["info_requests"]["stalled"] == 0

    table = run(home, "report", "casework")
    assert table.returncode == 0 and "Casework over 2 case(s)" in table.stdout and "Marac" in table.stdout
    out = tmp_path / "casework.csv"
    assert run(home, "report", "casework", "--format", "csv", "--out", str(out)).returncode == 0
    assert dict(csv.reader(io.StringIO(out.read_text())))["info_requests.stalled"] == "1"
    assert out.stat().st_mode & 0o777 == 0o600
    for bad in (["--from", "2016-13-01"], ["--from", "2016-06-01", "--to", "2016-05-01"], ["--format", "xml"]):
        refused = run(home, "report", "casework", *bad)
        assert refused.returncode == 2 and refused.stderr.strip(), bad
