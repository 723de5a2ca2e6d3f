"""Validating answers against a form: one answer at a time (draft saves) and a whole assessment (submit).

Visibility is decided in form order: a field's ``show_if`` may only refer to fields before it (``forms check``
enforces this), and answers of hidden fields do not count when later conditions are evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from drive_tui.domain.models import AnswerValue
from drive_tui.forms.conditions import holds
from drive_tui.forms.spec import CODED_KINDS, FieldKind, FieldSpec, FormSpec


class AnswerError(ValueError):
    """An answer that does not fit its field. The message names the field and, for a code, the code; never free text."""

    def __init__(self, answer_id: str, message: str) -> None:
        super().__init__(f"{answer_id}: {message}")
        self.answer_id = answer_id
        self.reason = message


@dataclass(frozen=True, slots=True)
class Problem:
    answer_id: str
    message: str

    def __str__(self) -> str:
        return f"{self.answer_id}: {self.message}"


@dataclass(frozen=True)
class Checked:
    """The outcome of validating a whole set of answers."""

    answers: dict[str, AnswerValue]
    """The answers as they would be stored: normalised, hidden ones dropped."""
    problems: list[Problem] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """Required answer ids (visible ones) with no answer."""
    dropped: list[str] = field(default_factory=list)
    """Answer ids that were given for fields hidden by their conditions."""

    @property
    def ok(self) -> bool:
        return not self.problems and not self.missing


def normalise_answer(spec: FieldSpec, answer_id: str, value: Any) -> AnswerValue | None:
    """The stored form of one answer, or None when it means *no answer* (empty text or list).

    Raises AnswerError when the value does not fit the field: an unknown code, a wrong type, out of bounds.
    """
    kind = spec.kind
    if value is None:
        return None
    if kind in CODED_KINDS or kind is FieldKind.SEVERITY_GRID:
        vocab = spec.vocab
        assert vocab is not None, f"field {spec.id} has no vocabulary"
        codes = vocab.codes()
        if kind is FieldKind.MULTI_CHOICE:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise AnswerError(answer_id, "expected a list of codes")
            unknown = [v for v in value if v not in codes]
            if unknown:
                raise AnswerError(answer_id, f"unknown code(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(codes)}")
            if len(set(value)) != len(value):
                raise AnswerError(answer_id, "a code is given more than once")
            return [code for code in codes if code in value] or None
        if not isinstance(value, str):
            raise AnswerError(answer_id, "expected a code")
        if value not in codes:
            raise AnswerError(answer_id, f"unknown code {value!r}; allowed: {', '.join(codes)}")
        return value
    if kind is FieldKind.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise AnswerError(answer_id, "expected a whole number")
        _check_bounds(spec, answer_id, value)
        return value
    if kind is FieldKind.DATE:
        if isinstance(value, date):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = date.fromisoformat(value)
            except ValueError:
                raise AnswerError(answer_id, "expected a date as YYYY-MM-DD") from None
            if len(value) != 10:
                raise AnswerError(answer_id, "expected a date as YYYY-MM-DD")
        else:
            raise AnswerError(answer_id, "expected a date as YYYY-MM-DD")
        _check_bounds(spec, answer_id, parsed)
        return parsed.isoformat()
    if kind is FieldKind.TEXT:
        if not isinstance(value, str):
            raise AnswerError(answer_id, "expected text")
        text = value.strip()
        if len(text) > spec.max_length:
            raise AnswerError(answer_id, f"longer than {spec.max_length} characters")
        return text or None
    raise AnswerError(answer_id, f"unsupported field kind {kind}")


def _check_bounds(spec: FieldSpec, answer_id: str, value: int | date) -> None:
    if spec.min is not None and type(spec.min) is type(value) and value < spec.min:  # type: ignore[operator]
        raise AnswerError(answer_id, f"must be at least {spec.min}")
    if spec.max is not None and type(spec.max) is type(value) and value > spec.max:  # type: ignore[operator]
        raise AnswerError(answer_id, f"must be at most {spec.max}")


def check_one(form: FormSpec, answer_id: str, value: Any) -> AnswerValue | None:
    """Validate a single answer for a draft save (shape and codes only; required-ness waits for submit)."""
    try:
        spec = form.field(answer_id)
    except KeyError as exc:
        raise AnswerError(answer_id, f"not a field of form {form.id} v{form.version}") from exc
    return normalise_answer(spec, answer_id, value)


def visible_answer_ids(form: FormSpec, answers: Mapping[str, Any]) -> list[str]:
    """Answer ids shown for these answers, in form order."""
    return [answer_id for spec in _visible_fields(form, answers) for answer_id in spec.answer_ids]


def _visible_fields(form: FormSpec, answers: Mapping[str, Any]) -> list[FieldSpec]:
    effective: dict[str, Any] = {}
    visible: list[FieldSpec] = []
    for spec in form.fields():
        if spec.show_if is None or holds(spec.show_if, effective):
            visible.append(spec)
            for answer_id in spec.answer_ids:
                if answer_id in answers:
                    effective[answer_id] = answers[answer_id]
    return visible


def is_required(spec: FieldSpec, answers: Mapping[str, Any]) -> bool:
    return spec.required or (spec.require_if is not None and holds(spec.require_if, answers))


def validate_answers(
    form: FormSpec, answers: Mapping[str, Any], *, hidden: Literal["reject", "drop"] = "drop"
) -> Checked:
    """Validate a complete set of answers as for submission.

    ``hidden="drop"`` removes answers to fields hidden by their conditions and lists them in ``dropped``
    (a draft may hold them after the case manager changed an earlier answer); ``hidden="reject"`` reports
    each as a problem (imports, where a hidden answer means the file is wrong).
    """
    problems: list[Problem] = []
    normalised: dict[str, AnswerValue] = {}
    for answer_id, value in answers.items():
        try:
            result = check_one(form, answer_id, value)
        except AnswerError as exc:
            problems.append(Problem(answer_id, exc.reason))
            continue
        if result is not None:
            normalised[answer_id] = result

    visible = _visible_fields(form, normalised)
    shown = {answer_id for spec in visible for answer_id in spec.answer_ids}
    dropped = [answer_id for answer_id in normalised if answer_id not in shown]
    if hidden == "reject":
        problems.extend(Problem(a, "answered, but the field is hidden by its condition") for a in dropped)
    kept = {answer_id: value for answer_id, value in normalised.items() if answer_id in shown}

    missing: list[str] = []
    wrong = {problem.answer_id for problem in problems}
    for spec in visible:
        if is_required(spec, kept):
            missing.extend(a for a in spec.answer_ids if a not in kept and a not in wrong)
        for constraint in spec.valid_if:
            if any(a in kept for a in spec.answer_ids) and not holds(constraint.check, kept):
                problems.append(Problem(spec.id, constraint.message))
    return Checked(answers=kept, problems=problems, missing=missing, dropped=dropped if hidden == "drop" else [])


def progress(form: FormSpec, answers: Mapping[str, Any]) -> tuple[int, int]:
    """(required answers given, required answers in all) for the fields now visible."""
    visible = _visible_fields(form, answers)
    required = [a for spec in visible if is_required(spec, answers) for a in spec.answer_ids]
    return sum(1 for a in required if answers.get(a) not in (None, [], "")), len(required)
