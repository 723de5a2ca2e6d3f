"""Declarative conditions over answers (``show_if``, ``require_if``, ``valid_if``) and their evaluator.

A condition is data, never code: a test of one field (``equals``, ``in``, ``includes``, ``answered``,
``gt``/``gte``/``lt``/``lte``) or a combination (``all``, ``any``, ``not``). Evaluating one is a pure function
of the answers; there is no ``eval`` anywhere.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

Scalar = str | int


class _Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FieldTest(_Condition):
    """A test of one field's answer; exactly one operator is given."""

    field: str
    equals: Scalar | list[str] | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    includes: str | None = None
    answered: bool | None = None
    gt: Scalar | None = None
    gte: Scalar | None = None
    lt: Scalar | None = None
    lte: Scalar | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> FieldTest:
        given = [name for name in self.operators() if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"a field test needs exactly one operator of {', '.join(self.operator_words())}")
        return self

    @staticmethod
    def operators() -> tuple[str, ...]:
        return ("equals", "in_", "includes", "answered", "gt", "gte", "lt", "lte")

    @staticmethod
    def operator_words() -> tuple[str, ...]:
        return ("equals", "in", "includes", "answered", "gt", "gte", "lt", "lte")

    def codes_mentioned(self) -> list[Scalar]:
        """Codes this test compares a choice answer with (for checking them against the field's vocabulary)."""
        if isinstance(self.equals, list):
            return list(self.equals)
        if self.equals is not None:
            return [self.equals]
        if self.in_ is not None:
            return list(self.in_)
        if self.includes is not None:
            return [self.includes]
        return []


class AllOf(_Condition):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Condition):
    any: list[Condition] = Field(min_length=1)


class Not(_Condition):
    not_: Condition = Field(alias="not")


def _kind(value: Any) -> str | None:
    if isinstance(value, Mapping):
        for key in ("all", "any", "not"):
            if key in value:
                return key
        return "field"
    return {FieldTest: "field", AllOf: "all", AnyOf: "any", Not: "not"}.get(type(value))


Condition = Annotated[
    Union[
        Annotated[FieldTest, Tag("field")],
        Annotated[AllOf, Tag("all")],
        Annotated[AnyOf, Tag("any")],
        Annotated[Not, Tag("not")],
    ],
    Discriminator(_kind),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


def holds(condition: Condition, answers: Mapping[str, Any]) -> bool:
    """Whether ``condition`` is true of ``answers``. An unanswered field fails every test but ``answered: false``."""
    match condition:
        case AllOf(all=parts):
            return all(holds(part, answers) for part in parts)
        case AnyOf(any=parts):
            return any(holds(part, answers) for part in parts)
        case Not(not_=inner):
            return not holds(inner, answers)
        case FieldTest():
            return _test(condition, answers.get(condition.field))
    raise TypeError(f"not a condition: {type(condition).__name__}")


def _test(test: FieldTest, value: Any) -> bool:
    if test.answered is not None:
        return (value is not None and value != []) is test.answered
    if value is None:
        return False
    if test.equals is not None:
        return value == test.equals
    if test.in_ is not None:
        return value in test.in_
    if test.includes is not None:
        return isinstance(value, list) and test.includes in value
    for name, compare in (("gt", _gt), ("gte", _gte), ("lt", _lt), ("lte", _lte)):
        bound = getattr(test, name)
        if bound is not None:
            if type(value) is not type(bound) or isinstance(value, list):
                return False
            return compare(value, bound)
    return False


def _gt(a: Any, b: Any) -> bool:
    return a > b


def _gte(a: Any, b: Any) -> bool:
    return a >= b


def _lt(a: Any, b: Any) -> bool:
    return a < b


def _lte(a: Any, b: Any) -> bool:
    return a <= b


def fields_referenced(condition: Condition) -> Iterator[FieldTest]:
    """Every field test inside ``condition``."""
    match condition:
        case AllOf(all=parts) | AnyOf(any=parts):
            for part in parts:
                yield from fields_referenced(part)
        case Not(not_=inner):
            yield from fields_referenced(inner)
        case FieldTest():
            yield condition
