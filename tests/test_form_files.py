"""Broken form files: every problem names the file, the line and the field, and ``forms check`` exits 1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from drive_tui.forms.catalogue import builtin_forms_dir
from drive_tui.forms.loader import FormFileError, load_form_file, load_forms_dir

GOOD = """\
id: sample
version: 1
title: Sample
timepoints: [intake]
sections:
  - id: contact
    title: Contact
    fields:
      - id: contact_made
        kind: choice
        vocabulary: yes_no
        label: Contact made
      - id: no_contact_reason
        kind: choice
        vocabulary: no_contact_reason
        label: Reason
        show_if: {field: contact_made, equals: no}
"""


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "form.yaml"
    path.write_text(text)
    with pytest.raises(FormFileError) as caught:
        load_form_file(path)
    return [str(p) for p in caught.value.problems]


def test_unquoted_no_stays_the_code_no(tmp_path: Path) -> None:
    path = tmp_path / "form.yaml"
    path.write_text(GOOD)
    form = load_form_file(path)
    condition = form.field("no_contact_reason").show_if
    assert condition is not None and condition.equals == "no"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        (
            "vocabulary: no_contact_reason",
            "vocabulary: reasons",
            15,
            "no_contact_reason",
            "unknown vocabulary 'reasons'",
        ),
        (
            "kind: choice\n        vocabulary: yes_no",
            "kind: chioce\n        vocabulary: yes_no",
            10,
            "contact_made",
            "kind",
        ),
        ("equals: no}", "equals: nope}", 17, "no_contact_reason", "unknown code(s) ['nope']"),
        ("field: contact_made, equals", "field: contact_mad, equals", 17, "no_contact_reason", "not an earlier field"),
        ("id: no_contact_reason", "id: contact_made", 13, "contact_made", "used twice"),
        (
            "        label: Reason\n",
            "        label: Reason\n        colour: red\n",
            17,
            "no_contact_reason",
            "Extra inputs",
        ),
        ("version: 1", "version: one", 2, None, "version"),
    ],
)
def test_problems_name_file_line_and_field(
    tmp_path: Path, old: str, new: str, line: int, field: str | None, message: str
) -> None:
    found = problems_of(tmp_path, GOOD.replace(old, new, 1))
    expected_prefix = f"{tmp_path / 'form.yaml'}:{line}: " + (f"field {field}: " if field else "")
    assert any(p.startswith(expected_prefix) and message in p for p in found), found


def test_a_condition_on_a_later_field_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace(
        "        label: Contact made\n",
        "        label: Contact made\n        show_if: {field: no_contact_reason, answered: true}\n",
    )
    assert any("not an earlier field" in p for p in problems_of(tmp_path, text))


def test_bad_yaml_names_its_line(tmp_path: Path) -> None:
    found = problems_of(tmp_path, GOOD.replace("title: Contact", "title: [Contact"))
    assert any(f"form.yaml:{n}:" in found[0] for n in (8, 9)), found
    assert "not valid YAML" in found[0]


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    found = problems_of(tmp_path, GOOD.replace("    title: Contact\n", "    title: Contact\n    title: Again\n"))
    assert any("duplicate key 'title'" in p and ":8:" in p for p in found)


def test_not_a_mapping(tmp_path: Path) -> None:
    assert "must be a mapping" in problems_of(tmp_path, "- just\n- a list\n")[0]


def test_two_forms_for_one_timepoint_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD)
    (tmp_path / "b.yaml").write_text(GOOD.replace("id: sample", "id: other"))
    _, problems = load_forms_dir(tmp_path)
    assert any("covered by both" in str(p) for p in problems)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drive_tui", *args], capture_output=True, text=True, timeout=60)


def test_forms_check_passes_on_the_builtin_forms() -> None:
    result = run_cli("forms", "check")
    assert result.returncode == 0, result.stderr
    assert "ok  intake v1" in result.stdout and "ok  review v1" in result.stdout and "ok  closure v1" in result.stdout


def test_forms_check_fails_with_file_line_and_field(tmp_path: Path) -> None:
    for path in builtin_forms_dir().glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text())
    review = tmp_path / "review.yaml"
    review.write_text(review.read_text().replace("vocabulary: engagement", "vocabulary: engagment"))
    result = run_cli("forms", "check", str(tmp_path))
    assert result.returncode == 1
    assert f"{review}:" in result.stderr and "field engagement: unknown vocabulary 'engagment'" in result.stderr
    assert "ok  intake v1" in result.stdout


def test_forms_schema_is_json_schema_that_names_the_field_kinds() -> None:
    result = run_cli("forms", "schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "drive-tui form file"
    assert "severity_grid" in json.dumps(schema) and "show_if" in json.dumps(schema)
