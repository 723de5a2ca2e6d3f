"""The condition evaluator: each operator, combinations, unanswered fields, and refusing malformed conditions."""

import pytest
from pydantic import TypeAdapter, ValidationError

from drive_tui.forms.conditions import Condition, holds

parse = TypeAdapter(Condition).validate_python


@pytest.mark.parametrize(
    ("condition", "answers", "expected"),
    [
        ({"field": "contact_made", "equals": "no"}, {"contact_made": "no"}, True),
        ({"field": "contact_made", "equals": "no"}, {"contact_made": "yes"}, False),
        ({"field": "contact_made", "equals": "no"}, {}, False),
        ({"field": "risk", "in": ["high", "medium"]}, {"risk": "medium"}, True),
        ({"field": "risk", "in": ["high", "medium"]}, {"risk": "standard"}, False),
        ({"field": "types", "includes": "telephone"}, {"types": ["face_to_face", "telephone"]}, True),
        ({"field": "types", "includes": "telephone"}, {"types": ["face_to_face"]}, False),
        ({"field": "types", "includes": "telephone"}, {"types": "telephone"}, False),
        ({"field": "types", "equals": ["none"]}, {"types": ["none"]}, True),
        ({"field": "types", "equals": ["none"]}, {"types": ["none", "dvpp"]}, False),
        ({"field": "notes", "answered": True}, {"notes": "x"}, True),
        ({"field": "notes", "answered": True}, {}, False),
        ({"field": "notes", "answered": False}, {}, True),
        ({"field": "types", "answered": False}, {"types": []}, True),
        ({"field": "age", "gte": 18}, {"age": 18}, True),
        ({"field": "age", "gt": 18}, {"age": 18}, False),
        ({"field": "age", "lt": 18}, {"age": 17}, True),
        ({"field": "age", "lte": 18}, {"age": 19}, False),
        ({"field": "age", "gte": 18}, {}, False),
        ({"field": "age", "gte": 18}, {"age": "eighteen"}, False),
        ({"field": "seen_on", "gte": "2026-01-01"}, {"seen_on": "2026-03-01"}, True),
        ({"all": [{"field": "a", "equals": "x"}, {"field": "b", "equals": "y"}]}, {"a": "x", "b": "y"}, True),
        ({"all": [{"field": "a", "equals": "x"}, {"field": "b", "equals": "y"}]}, {"a": "x", "b": "z"}, False),
        ({"any": [{"field": "a", "equals": "x"}, {"field": "b", "equals": "y"}]}, {"a": "q", "b": "y"}, True),
        ({"any": [{"field": "a", "equals": "x"}, {"field": "b", "equals": "y"}]}, {}, False),
        ({"not": {"field": "a", "equals": "x"}}, {"a": "x"}, False),
        ({"not": {"field": "a", "equals": "x"}}, {}, True),
    ],
)
def test_condition(condition: dict, answers: dict, expected: bool) -> None:
    assert holds(parse(condition), answers) is expected


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "a"},
        {"field": "a", "equals": "x", "in": ["y"]},
        {"field": "a", "matches": "x.*"},
        {"all": []},
        {"not": {"field": "a"}},
        {"field": "a", "equals": {"__import__": "os"}},
    ],
)
def test_malformed_conditions_are_refused(condition: dict) -> None:
    with pytest.raises(ValidationError):
        parse(condition)
