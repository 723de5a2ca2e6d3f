"""The ``drive-tui/1`` interchange format for import and export: cases with their submitted assessments."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from drive_tui.domain.models import CaseProfile
from drive_tui.domain.vocab import CaseStatus, Timepoint

FORMAT = "drive-tui/1"


class ExchangedAssessment(BaseModel):
    """A submitted assessment as exchanged: its timepoint, the date it was completed, its answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timepoint: Timepoint
    completed_on: date
    answers: dict[str, Any]


class ExchangedCase(CaseProfile):
    """A case profile with its submitted assessments (at most one per timepoint: the current one)."""

    assessments: list[ExchangedAssessment] = Field(default_factory=list)

    @model_validator(mode="after")
    def _assessments_consistent(self) -> ExchangedCase:
        seen: set[Timepoint] = set()
        for assessment in self.assessments:
            if assessment.timepoint in seen:
                raise ValueError(f"two assessments at timepoint {assessment.timepoint.value}")
            seen.add(assessment.timepoint)
            if assessment.completed_on < self.allocated_on:
                raise ValueError(f"{assessment.timepoint.value} completed before the case was allocated")
        if Timepoint.CLOSURE in seen and self.status is not CaseStatus.CLOSED:
            raise ValueError("a case with a closure assessment must have status closed")
        return self

    def profile(self) -> CaseProfile:
        return CaseProfile.model_validate(self.model_dump(exclude={"assessments"}))


class ExchangeFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["drive-tui/1"]
    cases: list[ExchangedCase]


def exchange_json(exchange: ExchangeFile) -> str:
    """The drive-tui/1 file's text."""
    return exchange.model_dump_json(indent=2, exclude_none=True) + "\n"
