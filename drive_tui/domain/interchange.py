"""The interchange format for import and export: cases with their submitted assessments and, since
``drive-tui/2``, their work logs. ``drive-tui/1`` files (no work log) are still read."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from drive_tui.domain.casework import ContactStrategy, RecordId, WorkLogEntry
from drive_tui.domain.models import CaseProfile, ShortText
from drive_tui.domain.vocab import CaseStatus, Timepoint

FORMAT = "drive-tui/2"
READABLE = ("drive-tui/1", FORMAT)
"""The formats ``import`` reads; ``export`` writes the newest."""


class ExchangedAssessment(BaseModel):
    """A submitted assessment as exchanged: its timepoint, the date it was completed, its answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timepoint: Timepoint
    completed_on: date
    answers: dict[str, Any]


class ExchangedWork(WorkLogEntry):
    """A work-log entry as exchanged: the case it belongs to is the one it is listed under, and who recorded it is
    whoever imports it. ``id`` is optional (an entry without one is matched by its content on a second import);
    an ``info_received`` entry's ``answers`` names the ``id`` of the request in the same case's log."""

    id: RecordId | None = None  # type: ignore[assignment]
    case_id: RecordId | None = None  # type: ignore[assignment]
    recorded_by: ShortText | None = None  # type: ignore[assignment]

    def content(self) -> dict[str, Any]:
        """What the entry says, without who, where or under which id: how an entry without an id is recognised."""
        return self.model_dump(mode="json", exclude={"id", "case_id", "recorded_by"})


class ExchangedCase(CaseProfile):
    """A case profile with its submitted assessments (at most one per timepoint: the current one) and its work log."""

    assessments: list[ExchangedAssessment] = Field(default_factory=list)
    work_log: list[ExchangedWork] = Field(default_factory=list)
    contact_strategy: ContactStrategy | None = None
    """Exported as it stands; imported as a draft of its plan (an agreement is the service manager's, made on a
    supervisor's device, and the central store would not take it from a case manager's)."""

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
        ids = [entry.id for entry in self.work_log if entry.id is not None]
        if len(ids) != len(set(ids)):
            raise ValueError("two work-log entries share an id")
        for entry in self.work_log:
            if entry.date < self.allocated_on:
                raise ValueError(f"work-log entry of {entry.date.isoformat()} dated before the case was allocated")
            if entry.answers is not None and entry.answers not in ids:
                raise ValueError("a work-log entry answers a request that is not in this case's work log")
        return self

    def profile(self) -> CaseProfile:
        return CaseProfile.model_validate(self.model_dump(exclude={"assessments", "work_log", "contact_strategy"}))


class ExchangeFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["drive-tui/1", "drive-tui/2"]
    cases: list[ExchangedCase]

    @model_validator(mode="after")
    def _no_work_log_in_version_1(self) -> ExchangeFile:
        if self.format == "drive-tui/1" and any(case.work_log for case in self.cases):
            raise ValueError("a drive-tui/1 file has no work log: call the file drive-tui/2")
        return self


def exchange_json(exchange: ExchangeFile) -> str:
    """The file's text. An entry's coded fields left empty are not written (an exchanged entry says what it is),
    but ``vs_sole_source`` always is: a reader must never have to assume it; nor must it guess at a case's contact
    strategy, written in full or as null."""
    data = exchange.model_dump(mode="json", exclude_none=True)
    for case, exchanged in zip(data["cases"], exchange.cases, strict=True):
        strategy = exchanged.contact_strategy  # always written, null when there is none; agreed_by/on too
        case["contact_strategy"] = None if strategy is None else strategy.model_dump(mode="json")
        case["work_log"] = [
            {key: value for key, value in entry.items() if value not in ((), [], "") or key == "vs_sole_source"}
            for entry in case.get("work_log", [])
        ]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
