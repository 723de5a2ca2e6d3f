"""Pydantic models of a form file: a form has sections, a section has fields. All frozen.

Field kinds follow DESIGN.md. Choice fields name a vocabulary of ``drive_tui.domain.vocab`` so that forms,
the store and reports speak one set of codes; the labels shown come from the vocabulary too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from drive_tui.domain.vocab import VOCABULARIES, Coded, Severity, Timepoint, YesNoNotKnown
from drive_tui.forms.conditions import Condition

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class FieldKind(StrEnum):
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO_NOT_KNOWN = "yes_no_not_known"
    SEVERITY = "severity"
    SEVERITY_GRID = "severity_grid"
    INTEGER = "integer"
    DATE = "date"
    TEXT = "text"


CODED_KINDS = frozenset({FieldKind.CHOICE, FieldKind.MULTI_CHOICE, FieldKind.YES_NO_NOT_KNOWN, FieldKind.SEVERITY})


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Constraint(_Spec):
    """A rule an answer must satisfy (``valid_if``), with the message shown when it does not."""

    check: Condition
    message: Text


class GridRow(_Spec):
    """One row of a severity grid; its id is an answer id of its own (e.g. ``dva_physical``)."""

    id: Identifier
    label: Text
    help: str = ""


class FieldSpec(_Spec):
    id: Identifier
    kind: FieldKind
    label: Text
    help: str = ""
    required: bool = False
    sensitive: bool = False
    """Reveals something of a victim/survivor or the risk picture: never rendered in visit mode."""
    vocabulary: Identifier | None = None
    rows: list[GridRow] = Field(default_factory=list)
    min: int | date | None = None
    max: int | date | None = None
    max_length: int = Field(default=4000, ge=1, le=20000)
    show_if: Condition | None = None
    require_if: Condition | None = None
    valid_if: list[Constraint] = Field(default_factory=list)

    @cached_property
    def answer_ids(self) -> list[str]:
        """The answer ids this field fills: its own id, or one per row of a grid."""
        return [row.id for row in self.rows] if self.kind is FieldKind.SEVERITY_GRID else [self.id]

    @cached_property
    def vocab(self) -> type[Coded] | None:
        """The vocabulary whose codes this field accepts (None for integer, date, text)."""
        if self.kind is FieldKind.YES_NO_NOT_KNOWN:
            return YesNoNotKnown
        if self.kind in (FieldKind.SEVERITY, FieldKind.SEVERITY_GRID):
            return Severity
        if self.vocabulary is not None:
            return VOCABULARIES.get(self.vocabulary)
        return None


class Section(_Spec):
    id: Identifier
    title: Text
    help: str = ""
    fields: list[FieldSpec] = Field(min_length=1)


class FormSpec(_Spec):
    """A versioned assessment form. A change to a form that has been used needs a new ``version``."""

    id: Identifier
    version: int = Field(ge=1)
    title: Text
    timepoints: list[Timepoint] = Field(min_length=1)
    sections: list[Section] = Field(min_length=1)

    def fields(self) -> Iterator[FieldSpec]:
        for section in self.sections:
            yield from section.fields

    @cached_property
    def by_answer_id(self) -> dict[str, FieldSpec]:
        """Each answer id → the field that owns it (a grid owns several)."""
        return {answer_id: spec for spec in self.fields() for answer_id in spec.answer_ids}

    def field(self, answer_id: str) -> FieldSpec:
        try:
            return self.by_answer_id[answer_id]
        except KeyError:
            raise KeyError(f"form {self.id} v{self.version} has no field {answer_id!r}") from None

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON of this spec: two forms with one id and version must match."""
        canonical = json.dumps(self.model_dump(mode="json", by_alias=True), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, exclude_defaults=True)
