"""A case's assessment history side by side: for each field, its value at each timepoint, with changes marked
(severity and risk up ▲ / down ▼), amendments shown with what they superseded, and who entered each and when.

Pure: it takes the assessments (amended ones included) and a way to find the form each was made with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from drive_tui.domain.models import Assessment
from drive_tui.domain.vocab import AssessmentStatus, Timepoint
from drive_tui.forms.spec import FieldKind, FieldSpec, FormSpec

ORDERED = {
    "severity": ("none", "standard", "moderate", "high"),
    "risk_to_victim": ("standard", "medium", "high"),
    "risk_to_children": ("standard", "medium", "high"),
}
"""Scales on which a later answer is higher or lower than an earlier one ('not known' is on none of them)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One timepoint: its current submitted assessment and the ones it superseded (newest first)."""

    timepoint: Timepoint
    current: Assessment
    superseded: tuple[Assessment, ...]

    @property
    def completed_on(self) -> date | None:
        return self.current.completed_on


@dataclass(frozen=True, slots=True)
class Cell:
    value: Any
    text: str
    change: str | None = None
    """'up' or 'down' against the previous timepoint's answer on an ordered scale; 'changed' otherwise; None
    when the same or nothing to compare."""
    was: str | None = None
    """The superseded assessment's answer, when an amendment changed it."""


@dataclass(frozen=True, slots=True)
class Row:
    answer_id: str
    label: str
    sensitive: bool
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class History:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]

    def series(self, answer_id: str) -> list[Any]:
        """The codes of one answer across the timepoints (None where unanswered)."""
        for row in self.rows:
            if row.answer_id == answer_id:
                return [cell.value for cell in row.cells]
        return [None] * len(self.columns)


def _columns(assessments: Sequence[Assessment]) -> list[Column]:
    columns = []
    for timepoint in sorted({a.timepoint for a in assessments}, key=lambda t: t.order):
        here = [a for a in assessments if a.timepoint is timepoint and a.status is not AssessmentStatus.DRAFT]
        current = [a for a in here if a.status is AssessmentStatus.SUBMITTED]
        if not current:
            continue
        older = sorted(
            (a for a in here if a.status is AssessmentStatus.AMENDED), key=lambda a: a.created_at, reverse=True
        )
        columns.append(Column(timepoint=timepoint, current=current[0], superseded=tuple(older)))
    return columns


def _scale(spec: FieldSpec, answer_id: str) -> tuple[str, ...] | None:
    if spec.kind in (FieldKind.SEVERITY, FieldKind.SEVERITY_GRID):
        return ORDERED["severity"]
    return ORDERED.get(answer_id)


def _label(spec: FieldSpec, value: Any) -> str:
    if value is None or value == []:
        return "—"
    vocab = spec.vocab
    if vocab is None:
        return str(value)
    labels = {member.value: member.label for member in vocab}
    return ", ".join(labels.get(v, v) for v in value) if isinstance(value, list) else labels.get(value, str(value))


def _change(scale: tuple[str, ...] | None, before: Any, after: Any) -> str | None:
    if before is None or after is None or before == after:
        return None
    if scale is not None and before in scale and after in scale:
        return "up" if scale.index(after) > scale.index(before) else "down"
    return "changed"


def build_history(assessments: Sequence[Assessment], form_for: Callable[[str, int], FormSpec]) -> History:
    """The history of one case from all its assessments (drafts are left out: they are not yet a record)."""
    columns = _columns(assessments)
    fields: dict[str, tuple[FieldSpec, str]] = {}  # answer id → (field, label), in the order forms first show them
    for column in columns:
        form = form_for(column.current.form_id, column.current.form_version)
        for spec in form.fields():
            if spec.kind is FieldKind.SEVERITY_GRID:
                for grid_row in spec.rows:
                    fields.setdefault(grid_row.id, (spec, grid_row.label))
            else:
                fields.setdefault(spec.id, (spec, spec.label))
    rows = []
    for answer_id, (spec, label) in fields.items():
        scale = _scale(spec, answer_id)
        cells, before = [], None
        for column in columns:
            value = column.current.answers.get(answer_id)
            was = None
            if column.superseded:
                old = column.superseded[0].answers.get(answer_id)
                was = _label(spec, old) if old != value else None
            cells.append(Cell(value=value, text=_label(spec, value), change=_change(scale, before, value), was=was))
            before = value if value is not None else before
        if any(cell.value is not None or cell.was is not None for cell in cells):
            rows.append(Row(answer_id=answer_id, label=label, sensitive=spec.sensitive, cells=tuple(cells)))
    return History(columns=tuple(columns), rows=tuple(rows))


BLOCKS = {"none": "▁", "standard": "▃", "medium": "▅", "moderate": "▅", "high": "█", "not_applicable": "-"}


def sparkline(codes: Sequence[str | None]) -> str:
    """A small chart of a severity or risk over the timepoints: ▁ none · ▃ standard · ▅ moderate/medium · █ high;
    '-' not applicable (no children), '?' not known, '·' not asked."""
    return "".join(BLOCKS.get(code, "?") if code is not None else "·" for code in codes)
