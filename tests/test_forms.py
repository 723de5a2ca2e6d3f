"""The built-in forms and the form engine: visibility, requirement, constraints, codes, bounds, hidden answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from drive_tui.domain.vocab import Timepoint
from drive_tui.forms.answers import AnswerError, check_one, progress, validate_answers, visible_answer_ids
from drive_tui.forms.catalogue import load_catalogue
from drive_tui.forms.loader import load_form_file
from drive_tui.forms.spec import FormSpec
from tests.support.data import CLOSURE_COMPLETE, INTAKE_COMPLETE

CATALOGUE = load_catalogue()
INTAKE = CATALOGUE.for_timepoint(Timepoint.INTAKE)
REVIEW = CATALOGUE.for_timepoint(Timepoint.MONTH_6)
CLOSURE = CATALOGUE.for_timepoint(Timepoint.CLOSURE)

DOMAIN_FIELD_IDS = {
    "contact_made",
    "contact_types",
    "contact_setting",
    "engagement",
    "no_contact_reason",
    "need_substance_misuse",
    "need_alcohol_misuse",
    "need_housing",
    "need_mental_health",
    "dva_physical",
    "dva_sexual",
    "dva_harassment_stalking",
    "dva_jealousy_coercion",
    "risk_to_victim",
    "risk_to_children",
    "risk_change",
    "behaviour_change_work",
    "support_areas",
    "closure_reason",
    "onward_referral",
    "notes",
    "idva_risk_change",
    "vs_safer",
}


def test_every_timepoint_has_one_form() -> None:
    assert {t: CATALOGUE.for_timepoint(t).id for t in Timepoint} == {
        Timepoint.INTAKE: "intake",
        Timepoint.MONTH_3: "review",
        Timepoint.MONTH_6: "review",
        Timepoint.MONTH_9: "review",
        Timepoint.CLOSURE: "closure",
    }


def test_forms_cover_every_canonical_field_id() -> None:
    used = {answer_id for form in CATALOGUE for answer_id in form.by_answer_id}
    assert used == DOMAIN_FIELD_IDS
    assert set(CLOSURE.by_answer_id) >= {"risk_change", "closure_reason", "onward_referral", "no_contact_reason"}
    assert "no_contact_reason" in REVIEW.by_answer_id


def test_closure_v2_asks_the_idvas_view_and_v1_stays_for_what_was_recorded_with_it() -> None:
    """The evaluation's exit questions (p.26), with "Not asked" and "Client not contactable"; sensitive, and not
    required (only some victim/survivors engaged with an Idva). A closure submitted with v1 still validates."""
    assert CLOSURE.version == 2 and CATALOGUE.get("closure", 1).version == 1
    for answer_id in ("idva_risk_change", "vs_safer"):
        spec = CLOSURE.by_answer_id[answer_id]
        assert spec.sensitive and not spec.required
        assert {"not_asked", "not_contactable"} <= set(spec.vocab.codes())  # type: ignore[union-attr]
    first = CATALOGUE.get("closure", 1)
    assert set(CLOSURE.by_answer_id) - set(first.by_answer_id) == {"idva_risk_change", "vs_safer"}
    assert validate_answers(first, CLOSURE_COMPLETE, hidden="reject").ok
    with_view = CLOSURE_COMPLETE | {"idva_risk_change": "not_contactable", "vs_safer": "much_safer"}
    assert validate_answers(CLOSURE, with_view, hidden="reject").ok


@pytest.mark.parametrize("form_id", ["intake", "review", "closure"])
def test_notes_help_says_how_to_treat_what_the_victim_survivor_alone_disclosed(form_id: str) -> None:
    """The evaluation relies on such information for disruption (p.51): the help says to flag it, never forbids it.
    The first versions, which did, stay for what was recorded with them."""
    newest, first = CATALOGUE.latest(form_id), CATALOGUE.get(form_id, 1)
    assert newest.version == 2
    assert "came from the victim/survivor alone, say so" in newest.by_answer_id["notes"].help
    assert "Never record" in first.by_answer_id["notes"].help
    assert [spec.id for spec in first.fields()] == [spec.id for spec in newest.fields()][: len(list(first.fields()))]


def test_victim_and_risk_fields_are_sensitive() -> None:
    for form in CATALOGUE:
        for answer_id, spec in form.by_answer_id.items():
            if answer_id.startswith(("risk_", "dva_")) or answer_id == "notes":
                assert spec.sensitive, f"{form.id}.{answer_id} must be sensitive"
            if answer_id.startswith("need_") or answer_id.startswith("contact_"):
                assert not spec.sensitive


def test_every_field_has_a_label_and_help() -> None:
    for form in CATALOGUE:
        for spec in form.fields():
            assert spec.label and spec.help, f"{form.id}.{spec.id}"


@pytest.mark.parametrize("form", [REVIEW, CLOSURE], ids=["review", "closure"])
def test_contact_reason_only_when_no_contact(form: FormSpec) -> None:
    no = visible_answer_ids(form, {"contact_made": "no"})
    yes = visible_answer_ids(form, {"contact_made": "yes"})
    unanswered = visible_answer_ids(form, {})
    assert "no_contact_reason" in no and "no_contact_reason" not in yes and "no_contact_reason" not in unanswered
    for answer_id in ("contact_types", "contact_setting", "engagement"):
        assert answer_id in yes and answer_id not in no and answer_id not in unanswered


def test_intake_complete_answers_pass() -> None:
    checked = validate_answers(INTAKE, INTAKE_COMPLETE)
    assert checked.ok, (checked.problems, checked.missing)


def test_missing_required_answers_are_listed() -> None:
    answers = dict(INTAKE_COMPLETE)
    del answers["need_housing"], answers["dva_sexual"]
    checked = validate_answers(INTAKE, answers)
    assert checked.missing == ["need_housing", "dva_sexual"] and not checked.ok


def test_not_known_is_an_answer_and_missing_is_not() -> None:
    assert validate_answers(INTAKE, {**INTAKE_COMPLETE, "need_housing": "not_known"}).ok
    answers = {k: v for k, v in INTAKE_COMPLETE.items() if k != "need_housing"}
    assert "need_housing" in validate_answers(INTAKE, answers).missing


def test_hidden_answers_are_dropped_on_submit_or_rejected_on_import() -> None:
    answers = {**INTAKE_COMPLETE, "contact_made": "no"}
    dropped = validate_answers(INTAKE, answers, hidden="drop")
    assert dropped.ok and set(dropped.dropped) == {"contact_types", "contact_setting", "engagement"}
    assert "contact_types" not in dropped.answers
    rejected = validate_answers(INTAKE, answers, hidden="reject")
    assert {p.answer_id for p in rejected.problems} == {"contact_types", "contact_setting", "engagement"}


def test_required_contact_reason_after_no_contact() -> None:
    answers = {**INTAKE_COMPLETE, "contact_made": "no", "behaviour_change_work": "no"}
    for key in ("contact_types", "contact_setting", "engagement"):
        answers.pop(key)
    checked = validate_answers(REVIEW, answers)
    assert checked.missing == ["no_contact_reason"]
    assert validate_answers(REVIEW, {**answers, "no_contact_reason": "not_safe_to_contact"}).ok


def closure_answers(**changes: object) -> dict:
    answers = {
        **INTAKE_COMPLETE,
        "behaviour_change_work": "yes",
        "risk_change": "reduced_slightly",
        "closure_reason": "completed",
        "onward_referral": ["dvpp"],
    }
    answers.update(changes)
    return {k: v for k, v in answers.items() if v is not None}


def test_closure_notes_required_when_reason_other_or_risk_increased() -> None:
    assert validate_answers(CLOSURE, closure_answers()).ok
    assert validate_answers(CLOSURE, closure_answers(closure_reason="other")).missing == ["notes"]
    assert validate_answers(CLOSURE, closure_answers(risk_change="increased_greatly")).missing == ["notes"]
    assert validate_answers(CLOSURE, closure_answers(closure_reason="other", notes="Moved abroad")).ok


def test_onward_referral_none_cannot_be_combined() -> None:
    assert validate_answers(CLOSURE, closure_answers(onward_referral=["none"])).ok
    checked = validate_answers(CLOSURE, closure_answers(onward_referral=["none", "dvpp"]))
    assert [p.answer_id for p in checked.problems] == ["onward_referral"]
    assert "cannot be combined" in checked.problems[0].message


@pytest.mark.parametrize(
    ("answer_id", "value", "reason"),
    [
        ("contact_made", "maybe", "unknown code"),
        ("contact_made", True, "expected a code"),
        ("contact_types", "telephone", "list of codes"),
        ("contact_types", ["fax"], "unknown code"),
        ("contact_types", ["telephone", "telephone"], "more than once"),
        ("dva_physical", "extreme", "unknown code"),
        ("notes", 42, "expected text"),
        ("notes", "x" * 4001, "longer than"),
        ("favourite_colour", "blue", "not a field"),
    ],
)
def test_bad_single_answers_are_refused(answer_id: str, value: object, reason: str) -> None:
    with pytest.raises(AnswerError, match=reason):
        check_one(INTAKE, answer_id, value)


def test_multi_choice_is_kept_in_vocabulary_order_and_empty_means_unanswered() -> None:
    assert check_one(INTAKE, "contact_types", ["letter_email", "face_to_face"]) == ["face_to_face", "letter_email"]
    assert check_one(INTAKE, "contact_types", []) is None
    assert check_one(INTAKE, "notes", "   ") is None


def test_progress_counts_visible_required_answers() -> None:
    assert progress(INTAKE, {}) == (0, 11)
    assert progress(INTAKE, {"contact_made": "yes"}) == (1, 14)
    assert progress(INTAKE, INTAKE_COMPLETE) == (14, 14)


BOUNDED = """
id: bounded
version: 1
title: Bounds
timepoints: [intake]
sections:
  - id: s
    title: S
    fields:
      - {id: visits, kind: integer, label: Visits, min: 0, max: 30}
      - {id: seen_on, kind: date, label: Seen on, min: 2016-01-01, max: 2030-12-31}
      - {id: answer, kind: choice, vocabulary: yes_no, label: Answer, show_if: {field: visits, gte: 1}}
"""


def test_integer_and_date_bounds(tmp_path: Path) -> None:
    path = tmp_path / "bounded.yaml"
    path.write_text(BOUNDED)
    form = load_form_file(path)
    assert check_one(form, "visits", 30) == 30
    for bad, reason in ((31, "at most 30"), (-1, "at least 0"), (True, "whole number"), ("3", "whole number")):
        with pytest.raises(AnswerError, match=reason):
            check_one(form, "visits", bad)
    assert check_one(form, "seen_on", "2026-02-28") == "2026-02-28"
    for bad, reason in (
        ("2026-02-30", "YYYY-MM-DD"),
        ("2015-12-31", "at least"),
        ("26-1-1", "YYYY-MM-DD"),
        (20260101, "YYYY-MM-DD"),
    ):
        with pytest.raises(AnswerError, match=reason):
            check_one(form, "seen_on", bad)
    assert visible_answer_ids(form, {"visits": 0}) == ["visits", "seen_on"]
    assert "answer" in visible_answer_ids(form, {"visits": 2})
