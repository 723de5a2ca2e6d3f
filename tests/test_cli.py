"""The real command line, run as a user would: init, unlock errors, doctor, cases, import, export, passphrase."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drive_tui.config import Settings
from drive_tui.store.engine import SCHEMA_HEAD
from drive_tui.store.store import create
from tests.support.cli import run
from tests.support.data import PASSPHRASE, clean, sample

SENTINEL = "QUOKKA-SENTINEL-5521"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A store as `drive-tui init --user cm1` makes it, made in this process: its key file then carries the tests'
    cheaper scrypt cost (``tests/conftest.py``), which every command run on it reads back."""
    home = tmp_path / "cli-home"
    create(Settings(home=home, keyring=False, user="cm1"), PASSPHRASE).close()
    return home


def test_init_creates_a_store_and_says_to_keep_the_key_file_and_the_passphrase(tmp_path: Path) -> None:
    home = tmp_path / "new-home"
    result = run(home, "init", "--user", "cm1")
    assert result.returncode == 0, result.stderr
    assert "Created an encrypted store" in result.stdout
    assert "Back up the key file" in result.stdout and "store.key" in result.stdout  # both are needed to open it
    listed = run(home, "cases")
    assert listed.returncode == 0, listed.stderr


def test_an_export_of_cases_with_nothing_submitted_says_so(home: Path, tmp_path: Path) -> None:
    created = run(
        home,
        "import",
        str(write_sample(tmp_path, {**clean(sample()), "cases": [{**clean(sample())["cases"][0], "assessments": []}]})),
    )
    assert created.returncode == 0, created.stderr
    result = run(home, "export", "--format", "csv", "--out", str(tmp_path / "out.csv"))
    assert result.returncode == 0, result.stderr
    assert "Exported 1 case(s) with 0 submitted assessment(s)" in result.stdout
    assert "header row only" in result.stderr


def write_sample(tmp_path: Path, data: dict | None = None) -> Path:
    data = data or clean(sample())
    data["cases"][0]["service_user"]["ethnicity"] = SENTINEL
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data))
    return path


def test_init_refuses_a_weak_passphrase_and_an_existing_store(tmp_path: Path, home: Path) -> None:
    weak = run(tmp_path / "other", "init", passphrase="short")
    assert weak.returncode == 1 and "too short" in weak.stderr
    assert not (tmp_path / "other" / "store.db").exists()
    again = run(home, "init")
    assert again.returncode == 1 and "already exists" in again.stderr


def test_init_without_a_terminal_or_passphrase_says_how(tmp_path: Path) -> None:
    result = run(tmp_path / "h", "init", passphrase=None)
    assert result.returncode == 2 and "DRIVE_TUI_NEW_PASSPHRASE" in result.stderr


def test_a_wrong_passphrase_is_one_clear_line_and_exit_2(home: Path) -> None:
    before = {p.name: p.read_bytes() for p in home.iterdir()}
    result = run(home, "cases", passphrase="definitely not it")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "drive-tui: error: wrong passphrase: the store was not opened and nothing was changed"
    ]
    assert {p.name: p.read_bytes() for p in home.iterdir()} == before


def test_a_missing_key_file_is_one_clear_line_and_exit_2(home: Path) -> None:
    (home / "store.key").unlink()
    result = run(home, "doctor")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"drive-tui: error: no key file at {home / 'store.key'}: restore it from your backup; "
        "the store cannot be opened without it"
    ]


def test_no_store_yet(tmp_path: Path) -> None:
    result = run(tmp_path / "nowhere", "cases")
    assert result.returncode == 2 and "drive-tui init" in result.stderr


def test_import_then_doctor_reports_health_without_case_data(tmp_path: Path, home: Path) -> None:
    imported = run(home, "import", str(write_sample(tmp_path)))
    assert imported.returncode == 0, imported.stderr
    assert "Imported 2 new case(s), 3 assessment(s) and 0 work-log entries" in imported.stdout  # a drive-tui/1 file
    doctor = run(home, "doctor")
    assert doctor.returncode == 0, doctor.stderr
    for expected in (
        "sqlcipher:   4.",
        f"schema:      {SCHEMA_HEAD} (current)",
        "integrity:   ok",
        "cipher:      ok",
        "audit chain: ok (",
        "result:      ok",
        "keychain:    none",
    ):
        assert expected in doctor.stdout
    assert SENTINEL not in doctor.stdout + doctor.stderr
    assert "DRV-0001" not in doctor.stdout


def test_import_twice_adds_nothing_and_a_bad_file_writes_nothing(tmp_path: Path, home: Path) -> None:
    path = write_sample(tmp_path)
    assert run(home, "import", str(path)).returncode == 0
    second = run(home, "import", str(path))
    assert (
        "Imported 0 new case(s), 0 assessment(s) and 0 work-log entries; 2 case(s), 3 assessment(s) and 0 work-log "
        "entries were already present" in second.stdout
    )
    bad = clean(sample())
    bad["cases"][0]["reference"] = "DRV-0009"
    bad["cases"][1]["assessments"][0]["answers"]["need_housing"] = "sometimes"
    bad_path = tmp_path / "bad.json"
    bad_path.write_text(json.dumps(bad))
    result = run(home, "import", str(bad_path))
    assert result.returncode == 1
    assert "1 problem(s); nothing was imported" in result.stderr
    assert "cases[1].assessments[0].answers.need_housing: unknown code 'sometimes'" in result.stderr
    listing = run(home, "cases")
    assert "DRV-0009" not in listing.stdout and "DRV-0001" in listing.stdout
    not_json = tmp_path / "x.json"
    not_json.write_text("hello")
    assert run(home, "import", str(not_json)).returncode == 1


def test_export_json_round_trips_and_warns(tmp_path: Path, home: Path) -> None:
    source = write_sample(tmp_path)
    run(home, "import", str(source))
    out = tmp_path / "out.json"
    result = run(home, "export", "--format", "json", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "NOT encrypted" in result.stderr
    assert out.stat().st_mode & 0o077 == 0
    exported = json.loads(out.read_text())
    assert exported["format"] == "drive-tui/2" and len(exported["cases"]) == 2
    refused = run(home, "export", "--out", str(out))
    assert refused.returncode == 1 and "--force" in refused.stderr
    second_home = tmp_path / "second"
    assert run(second_home, "init").returncode == 0
    assert run(second_home, "import", str(out)).returncode == 0
    out2 = tmp_path / "out2.json"
    assert run(second_home, "export", "--out", str(out2)).returncode == 0
    assert out2.read_text() == out.read_text()


def test_export_csv_with_codebook(tmp_path: Path, home: Path) -> None:
    run(home, "import", str(write_sample(tmp_path)))
    out = tmp_path / "table.csv"
    result = run(home, "export", "--format", "csv", "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open()))
    assert [(r["reference"], r["timepoint"]) for r in rows] == [
        ("DRV-0001", "intake"),
        ("DRV-0001", "closure"),
        ("DRV-0002", "intake"),
    ]
    assert rows[0]["contact_types"] == "face_to_face" and rows[2]["contact_types"] == ""
    assert rows[1]["onward_referral"] == "dvpp"
    # the sample file's ethnicity is free text from before it was coded, matching no category: kept as typed
    assert rows[0]["su_ethnicity"] == "as_recorded" and rows[0]["su_ethnicity_recorded"] == SENTINEL
    codebook = list(csv.DictReader((tmp_path / "table.codebook.csv").open()))
    assert {"column": "dva_physical", "code": "high"}.items() <= next(
        r for r in codebook if r["column"] == "dva_physical" and r["code"] == "high"
    ).items()
    assert {row["column"] for row in codebook} >= set(rows[0])


def test_export_refuses_an_unknown_format(tmp_path: Path, home: Path) -> None:
    result = run(home, "export", "--format", "xlsx", "--out", str(tmp_path / "x"))
    assert result.returncode == 2 and "unknown format" in result.stderr


def test_passphrase_change(home: Path) -> None:
    result = run(home, "passphrase", DRIVE_TUI_NEW_PASSPHRASE="an entirely new phrase")
    assert result.returncode == 0, result.stderr
    assert run(home, "cases").returncode == 2
    assert run(home, "cases", passphrase="an entirely new phrase").returncode == 0
    weak = run(home, "passphrase", passphrase="an entirely new phrase", DRIVE_TUI_NEW_PASSPHRASE="weak")
    assert weak.returncode == 1 and "too short" in weak.stderr


def test_cases_lists_the_caseload_without_sensitive_columns(tmp_path: Path, home: Path) -> None:
    run(home, "import", str(write_sample(tmp_path)))
    result = run(home, "cases")
    assert result.returncode == 0, result.stderr
    assert "DRV-0002" in result.stdout and "Overdue" in result.stdout
    assert "high" not in result.stdout.lower().replace("highlight", "")  # no risk levels


def test_demo_creates_an_invented_caseload(tmp_path: Path) -> None:
    result = run(tmp_path / "unused", "demo", "--cases", "12", "--keep", str(tmp_path / "demo"), passphrase=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Inventing 12 cases…")  # said first: 2,000 take ~20 s
    assert "DEMO-0012" in result.stdout and "invented data" in result.stdout
    assert (tmp_path / "demo" / "store.db").exists()


def test_bad_settings_are_reported(tmp_path: Path) -> None:
    result = run(tmp_path, "cases", DRIVE_TUI_GRACE_DAYS="forever")
    assert result.returncode == 2 and "DRIVE_TUI_GRACE_DAYS" in result.stderr


def test_a_throw_away_demo_store_is_deleted_afterwards(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DRIVE_TUI_")}
    environment["TMPDIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "drive_tui", "demo", "--cases", "3"],
        capture_output=True,
        text=True,
        env=environment,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "DEMO-0003" in result.stdout and "deleted when you quit" in result.stdout
    assert list(tmp_path.iterdir()) == []
