"""Declarative conditions over answers (``show_if``, ``require_if``, ``valid_if``) and their evaluator.

A condition is data, never code: a test of one field (``equals``, ``in``, ``includes``, ``answered``,
``gt``/``gte``/``lt``/``lte``) or a combination (``all``, ``any``, ``not``). Evaluating one is a pure function
of the answers; there is no ``eval`` anywhere. Each condition builds its evaluator once, from plain closures
(``test``): the central store checks tens of thousands of submitted assessments per sync.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

Scalar = str | int
Test = Callable[[Mapping[str, Any]], bool]


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

    @cached_property
    def test(self) -> Test:
        """Whether this test holds of some answers. An unanswered field fails every test but ``answered: false``."""
        name = self.field
        if self.answered is not None:
            answered = self.answered
            return lambda answers: ((value := answers.get(name)) is not None and value != []) is answered
        if self.equals is not None:
            equals = self.equals
            return lambda answers: (value := answers.get(name)) is not None and value == equals
        if self.in_ is not None:
            among = tuple(self.in_)
            return lambda answers: (value := answers.get(name)) is not None and value in among
        if self.includes is not None:
            code = self.includes
            return lambda answers: isinstance(value := answers.get(name), list) and code in value
        for word, compare in (("gt", operator.gt), ("gte", operator.ge), ("lt", operator.lt), ("lte", operator.le)):
            bound = getattr(self, word)
            if bound is not None:
                kind = type(bound)
                return lambda answers: type(value := answers.get(name)) is kind and compare(value, bound)
        return lambda answers: False

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

    @cached_property
    def test(self) -> Test:
        parts = tuple(part.test for part in self.all)
        return lambda answers: all(part(answers) for part in parts)


class AnyOf(_Condition):
    any: list[Condition] = Field(min_length=1)

    @cached_property
    def test(self) -> Test:
        parts = tuple(part.test for part in self.any)
        return lambda answers: any(part(answers) for part in parts)


class Not(_Condition):
    not_: Condition = Field(alias="not")

    @cached_property
    def test(self) -> Test:
        inner = self.not_.test
        return lambda answers: not inner(answers)


def _kind(value: Any) -> str | None:
    if isinstance(value, Mapping):
        for key in ("all", "any", "not"):
            if key in value:
                return key
        return "field"
    return {FieldTest: "field", AllOf: "all", AnyOf: "any", Not: "not"}.get(type(value))


Condition = Annotated[
    Annotated[FieldTest, Tag("field")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[Not, Tag("not")],
    Discriminator(_kind),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


def holds(condition: Condition, answers: Mapping[str, Any]) -> bool:
    """Whether ``condition`` is true of ``answers``. An unanswered field fails every test but ``answered: false``."""
    return condition.test(answers)


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
