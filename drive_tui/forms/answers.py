"""Validating answers against a form: one answer at a time (draft saves) and a whole assessment (submit).

Visibility is decided in form order: a field's ``show_if`` may only refer to fields before it (``forms check``
enforces this), and answers of hidden fields do not count when later conditions are evaluated.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from drive_tui.domain.models import AnswerValue
from drive_tui.forms.conditions import Test, fields_referenced, holds
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


Normaliser = Callable[[str, Any], "AnswerValue | None"]


def _normaliser(spec: FieldSpec) -> Normaliser:
    """The check of one field's answers, built once per field with its codes and bounds bound in. It returns the
    stored form of an answer, or None when it means *no answer* (empty text or list), and raises AnswerError when
    the value does not fit the field: an unknown code, a wrong type, out of bounds."""
    kind = spec.kind
    if kind in CODED_KINDS or kind is FieldKind.SEVERITY_GRID:
        vocab = spec.vocab
        assert vocab is not None, f"field {spec.id} has no vocabulary"
        codes = vocab.codes()
        allowed = frozenset(codes)
        listed = ", ".join(codes)
        if kind is FieldKind.MULTI_CHOICE:

            def several(answer_id: str, value: Any) -> AnswerValue | None:
                if value is None:
                    return None
                try:  # the usual case first: a list of known codes, each once
                    if type(value) is list and allowed.issuperset(value) and len(set(value)) == len(value):
                        return [code for code in codes if code in value] or None
                except TypeError:  # an unhashable item: the checks below name the problem
                    pass
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise AnswerError(answer_id, "expected a list of codes")
                unknown = [v for v in value if v not in allowed]
                if unknown:
                    raise AnswerError(answer_id, f"unknown code(s) {', '.join(map(repr, unknown))}; allowed: {listed}")
                if len(set(value)) != len(value):
                    raise AnswerError(answer_id, "a code is given more than once")
                return [code for code in codes if code in value] or None

            return several

        def one(answer_id: str, value: Any) -> AnswerValue | None:
            if value is None or (type(value) is str and value in allowed):
                return value
            if not isinstance(value, str):
                raise AnswerError(answer_id, "expected a code")
            if value not in allowed:
                raise AnswerError(answer_id, f"unknown code {value!r}; allowed: {listed}")
            return value

        return one
    if kind is FieldKind.INTEGER:

        def whole(answer_id: str, value: Any) -> AnswerValue | None:
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, int):
                raise AnswerError(answer_id, "expected a whole number")
            _check_bounds(spec, answer_id, value)
            return value

        return whole
    if kind is FieldKind.DATE:

        def day(answer_id: str, value: Any) -> AnswerValue | None:
            if value is None:
                return None
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

        return day
    if kind is FieldKind.TEXT:
        limit = spec.max_length

        def text(answer_id: str, value: Any) -> AnswerValue | None:
            if value is None:
                return None
            if not isinstance(value, str):
                raise AnswerError(answer_id, "expected text")
            stripped = value.strip()
            if len(stripped) > limit:
                raise AnswerError(answer_id, f"longer than {limit} characters")
            return stripped or None

        return text

    def unsupported(answer_id: str, value: Any) -> AnswerValue | None:
        if value is None:
            return None
        raise AnswerError(answer_id, f"unsupported field kind {kind}")

    return unsupported


def _check_bounds(spec: FieldSpec, answer_id: str, value: int | date) -> None:
    if spec.min is not None and type(spec.min) is type(value) and value < spec.min:  # type: ignore[operator]
        raise AnswerError(answer_id, f"must be at least {spec.min}")
    if spec.max is not None and type(spec.max) is type(value) and value > spec.max:  # type: ignore[operator]
        raise AnswerError(answer_id, f"must be at most {spec.max}")


@dataclass(frozen=True, slots=True)
class _Field:
    """A field with what validation asks of it on every assessment, looked up once."""

    spec: FieldSpec
    answer_ids: tuple[str, ...]
    shown: Test | None
    required: bool
    required_when: Test | None
    constraints: tuple[tuple[Test, str], ...]
    conditioning: tuple[str, ...]
    """Its answer ids that a later field's condition reads."""


class _Plan:
    """A form compiled for validation: its fields in order and each answer id's check. Built once per form."""

    def __init__(self, form: FormSpec) -> None:
        read = {test.field for spec in form.fields() if spec.show_if for test in fields_referenced(spec.show_if)}
        self.fields = tuple(
            _Field(
                spec=spec,
                answer_ids=tuple(spec.answer_ids),
                shown=spec.show_if.test if spec.show_if else None,
                required=spec.required,
                required_when=spec.require_if.test if spec.require_if else None,
                constraints=tuple((c.check.test, c.message) for c in spec.valid_if),
                conditioning=tuple(a for a in spec.answer_ids if a in read),
            )
            for spec in form.fields()
        )
        self.checks: dict[str, Normaliser] = {}
        for spec in form.fields():
            check = _normaliser(spec)
            self.checks.update(dict.fromkeys(spec.answer_ids, check))

    def visible(self, answers: Mapping[str, Any]) -> tuple[list[_Field], set[str]]:
        """The fields shown for these answers, in form order, and the answer ids of those hidden. A field's
        condition sees only the answers of fields shown before it."""
        effective: dict[str, Any] = {}
        visible: list[_Field] = []
        hidden: set[str] = set()
        for plan in self.fields:
            if plan.shown is None or plan.shown(effective):
                visible.append(plan)
                for answer_id in plan.conditioning:
                    if answer_id in answers:
                        effective[answer_id] = answers[answer_id]
            else:
                hidden.update(plan.answer_ids)
        return visible, hidden


_plans: dict[int, _Plan] = {}
"""Plans by ``id`` of their form (a form is unhashable); an entry goes when its form is collected, before the id
can be reused."""


def _plan(form: FormSpec) -> _Plan:
    plan = _plans.get(id(form))
    if plan is None:
        plan = _plans[id(form)] = _Plan(form)
        weakref.finalize(form, _plans.pop, id(form), None)
    return plan


def check_one(form: FormSpec, answer_id: str, value: Any) -> AnswerValue | None:
    """Validate a single answer for a draft save (shape and codes only; required-ness waits for submit)."""
    check = _plan(form).checks.get(answer_id)
    if check is None:
        raise AnswerError(answer_id, f"not a field of form {form.id} v{form.version}")
    return check(answer_id, value)


def visible_answer_ids(form: FormSpec, answers: Mapping[str, Any]) -> list[str]:
    """Answer ids shown for these answers, in form order."""
    return [answer_id for plan in _plan(form).visible(answers)[0] for answer_id in plan.answer_ids]


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
    plan = _plan(form)
    checks = plan.checks
    problems: list[Problem] = []
    normalised: dict[str, AnswerValue] = {}
    for answer_id, value in answers.items():
        check = checks.get(answer_id)
        try:
            if check is None:
                raise AnswerError(answer_id, f"not a field of form {form.id} v{form.version}")
            result = check(answer_id, value)
        except AnswerError as exc:
            problems.append(Problem(answer_id, exc.reason))
            continue
        if result is not None:
            normalised[answer_id] = result

    visible, hidden_ids = plan.visible(normalised)
    dropped = [answer_id for answer_id in normalised if answer_id in hidden_ids] if hidden_ids else []
    if hidden == "reject":
        problems.extend(Problem(a, "answered, but the field is hidden by its condition") for a in dropped)
    kept = (
        {answer_id: value for answer_id, value in normalised.items() if answer_id not in hidden_ids}
        if dropped
        else normalised
    )

    missing: list[str] = []
    wrong = {problem.answer_id for problem in problems}
    for field_plan in visible:
        if field_plan.required or (field_plan.required_when is not None and field_plan.required_when(kept)):
            for answer_id in field_plan.answer_ids:
                if answer_id not in kept and answer_id not in wrong:
                    missing.append(answer_id)
        if field_plan.constraints and any(a in kept for a in field_plan.answer_ids):
            problems.extend(
                Problem(field_plan.spec.id, message) for test, message in field_plan.constraints if not test(kept)
            )
    return Checked(answers=kept, problems=problems, missing=missing, dropped=dropped if hidden == "drop" else [])


def progress(form: FormSpec, answers: Mapping[str, Any]) -> tuple[int, int]:
    """(required answers given, required answers in all) for the fields now visible."""
    visible, _ = _plan(form).visible(answers)
    required = [
        a
        for field_plan in visible
        if field_plan.required or (field_plan.required_when is not None and field_plan.required_when(answers))
        for a in field_plan.answer_ids
    ]
    return sum(1 for a in required if answers.get(a) not in (None, [], "")), len(required)
