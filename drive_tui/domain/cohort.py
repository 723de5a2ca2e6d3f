"""A case as the analyses see it: its profile and its current submitted assessment at each timepoint."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drive_tui.domain.models import Assessment, Case
from drive_tui.domain.vocab import Timepoint


@dataclass(frozen=True, slots=True)
class CohortCase:
    """A case with its current (not superseded) submitted assessment at each timepoint."""

    case: Case
    assessments: Mapping[Timepoint, Assessment]

    def answer(self, timepoint: Timepoint, field: str) -> Any:
        assessment = self.assessments.get(timepoint)
        return assessment.answers.get(field) if assessment is not None else None

    @property
    def paired(self) -> bool:
        return Timepoint.INTAKE in self.assessments and Timepoint.CLOSURE in self.assessments

    def in_timepoint_order(self) -> list[Assessment]:
        return [self.assessments[t] for t in sorted(self.assessments, key=lambda t: t.order)]

    def any_answer(self, field: str, value: str) -> bool:
        return any(a.answers.get(field) == value for a in self.assessments.values())
