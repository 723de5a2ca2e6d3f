"""Pydantic models of a Drive case (Service User, victim/survivors) and of an assessment."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from drive_tui.domain.ethnicity import coded
from drive_tui.domain.vocab import (
    AssessmentStatus,
    CaseStatus,
    CustodyStatus,
    Employment,
    Ethnicity,
    Gender,
    Relationship,
    Timepoint,
    YesNoNotKnown,
)

SAFE_INT = 2**53 - 1
"""The largest integer every store and every JSON reader keeps exactly: integers beyond it are refused."""
BoundedInt = Annotated[int, Field(ge=-SAFE_INT, le=SAFE_INT)]
AnswerValue = str | BoundedInt | list[str]
"""An answer as stored: a code or text (str), an integer, a date as ISO text, or several codes."""

Answers = dict[str, AnswerValue]

ShortText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=r"^[^\x00-\x1f\x7f]+$")
]
"""One line of text (a reference, a site, a name): no control characters."""
Age = Annotated[int, Field(ge=10, le=110)]


EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
"""The window every recorded time falls in: nothing in Drive happened before 2000, or will after 2100."""

AwareDatetime = Annotated[datetime, pydantic.AwareDatetime, Field(ge=EARLIEST, lt=LATEST)]
"""A timezone-aware time within the window, checked natively by pydantic-core (a push holds tens of thousands)."""
RecordedDate = Annotated[date, Field(ge=EARLIEST.date(), lt=LATEST.date())]
"""A day something happened in a case: within the same window."""


def new_id() -> str:
    """A fresh UUID made on this device, as text."""
    return str(uuid.uuid4())


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


RecordedEthnicity = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80, pattern=r"^[^\x00-\x1f\x7f]+$")
]
"""Old free text kept as it was typed: one line, no control characters (stored values predating the rule that
had one are read through ``coded_ethnicity`` as any other text)."""


class _Person(_Model):
    """A Service User or a victim/survivor: ethnicity is a code (``Ethnicity``), old free text read as one."""

    @model_validator(mode="before")
    @classmethod
    def _coded(cls, data: Any) -> Any:
        return coded(data)

    @model_validator(mode="after")
    def _recorded_only_as_recorded(self) -> Any:
        ethnicity, recorded = getattr(self, "ethnicity", None), getattr(self, "ethnicity_recorded", None)
        if recorded is not None and ethnicity is not Ethnicity.AS_RECORDED:
            raise ValueError("ethnicity_recorded is kept only with the ethnicity 'as_recorded'")
        if ethnicity is Ethnicity.AS_RECORDED and recorded is None:
            raise ValueError("the ethnicity 'as_recorded' needs the text as recorded (ethnicity_recorded)")
        return self


class ServiceUser(_Person):
    """The perpetrator on a Drive case. Every item may be unknown (None) until recorded."""

    gender: Gender | None = None
    age: Age | None = None
    ethnicity: Ethnicity | None = None
    ethnicity_recorded: RecordedEthnicity | None = None
    """The free text of an answer from before ethnicity was coded that matched no category (``as_recorded``)."""
    employment: Employment | None = None
    children_involved: YesNoNotKnown | None = None
    previous_dva_offences: YesNoNotKnown | None = None
    previous_other_offences: YesNoNotKnown | None = None
    custody_status: CustodyStatus | None = None


class VictimSurvivor(_Person):
    """A victim/survivor linked to the case. Sensitive: never shown in visit mode."""

    relationship: Relationship | None = None
    gender: Gender | None = None
    age: Age | None = None
    ethnicity: Ethnicity | None = None
    ethnicity_recorded: RecordedEthnicity | None = None
    idva_engaged: bool | None = None
    idva_service: ShortText | None = None
    """Which Idva service the victim/survivor is engaged with."""


class CaseProfile(_Model):
    """What a case manager records about a case, apart from its assessments."""

    reference: ShortText
    site: ShortText
    allocated_on: RecordedDate
    case_manager: ShortText
    service_user: ServiceUser = Field(default_factory=ServiceUser)
    victims: list[VictimSurvivor] = Field(default_factory=list)
    status: CaseStatus = CaseStatus.OPEN
    closed_on: RecordedDate | None = None

    @model_validator(mode="after")
    def _closure_consistent(self) -> CaseProfile:
        if self.status is CaseStatus.CLOSED and self.closed_on is None:
            raise ValueError("a closed case needs closed_on")
        if self.status is CaseStatus.OPEN and self.closed_on is not None:
            raise ValueError("an open case cannot have closed_on")
        if self.closed_on is not None and self.closed_on < self.allocated_on:
            raise ValueError("closed_on is before allocated_on")
        return self


class Case(CaseProfile):
    """A stored case: its profile with identity and times."""

    model_config = ConfigDict(frozen=True)

    id: str
    created_at: AwareDatetime
    updated_at: AwareDatetime


class Assessment(_Model):
    """One assessment of a case at a timepoint. Frozen: an edit returns a new object.

    ``answers`` maps canonical field ids to codes; a field that is absent is *not yet answered*,
    which is different from the answer ``not_known``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    case_id: str
    timepoint: Timepoint
    form_id: str
    form_version: int
    answers: Answers = Field(default_factory=dict)
    status: AssessmentStatus = AssessmentStatus.DRAFT
    author: str
    device_id: str
    created_at: AwareDatetime
    updated_at: AwareDatetime
    submitted_at: AwareDatetime | None = None
    completed_on: RecordedDate | None = None
    supersedes: str | None = None

    @property
    def is_draft(self) -> bool:
        return self.status is AssessmentStatus.DRAFT

    def with_answer(self, field_id: str, value: Any, *, at: datetime) -> Assessment:
        """A copy with one answer set (or cleared when ``value`` is None)."""
        if not self.is_draft:
            raise ValueError("a submitted assessment cannot change; amend it instead")
        answers = dict(self.answers)
        if value is None:
            answers.pop(field_id, None)
        else:
            answers[field_id] = value
        return self.model_copy(update={"answers": answers, "updated_at": at})
