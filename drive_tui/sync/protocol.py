"""The sync wire protocol: pydantic models shared by the client (``drive-tui sync``) and the central service.

JSON over HTTPS. Every request names ``PROTOCOL_VERSION`` in the ``X-Drive-Protocol`` header; a server speaking
another version refuses with 426 and both sides say so plainly.

- **push** sends outbox changes in batches. Each change carries the UUID it was given on the device, so a batch
  that is sent again (the response was lost) is harmless: the server applies each change once.
- **pull** returns the current state of everything the user may see that changed after a cursor. A cursor names a
  position in the server's commit log *and* a random stamp of that commit, so a server restored from an older
  backup cannot be mistaken for the one the device last talked to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

PROTOCOL_VERSION = 1
PROTOCOL_HEADER = "X-Drive-Protocol"
MAX_BATCH = 4000
"""Most changes one push may carry."""
MAX_BODY_BYTES = 16 * 1024 * 1024
"""Largest request body the server reads; bigger ones are refused with 413 before any work."""
MAX_PULL = 2000

Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Role(StrEnum):
    CASE_MANAGER = "case_manager"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"


class DeviceState(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"
    """May push its pending changes one last time; then its local store is wiped."""
    LOST = "lost"
    """Refused at once; told to wipe if it ever connects."""


class Operation(StrEnum):
    """What a change does. The device's outbox ``op`` column holds these values."""

    CASE_CREATE = "case.create"
    CASE_UPDATE = "case.update"
    CASE_ADD_VICTIM = "case.add_victim"
    ASSESSMENT_START = "assessment.start"
    ASSESSMENT_ANSWER = "assessment.answer"
    ASSESSMENT_SUBMIT = "assessment.submit"
    ASSESSMENT_AMEND = "assessment.amend"
    ASSESSMENT_IMPORT = "assessment.import"
    REVIEW_SIGN_OFF = "review.sign_off"
    CONFLICT_RESOLVE = "conflict.resolve"


class Change(_Wire):
    """One change made on a device, exactly as its outbox holds it."""

    change_id: Id
    at: datetime
    entity: Literal["case", "assessment", "review", "conflict"]
    entity_id: Id
    op: Operation
    payload: dict[str, Any]


class PushRequest(_Wire):
    changes: list[Change] = Field(min_length=1, max_length=MAX_BATCH)


def encode_push(changes: Iterable[tuple[str, str, str, str, str, str]]) -> bytes:
    """The JSON of a ``PushRequest`` from (change_id, at, entity, entity_id, op, payload) where ``at`` is ISO 8601
    and ``payload`` is already JSON text, as a device's outbox holds it. A device pushing thousands of changes would
    otherwise decode every payload only to encode it again. The server parses it as a ``PushRequest`` like any other.
    """
    dumps = json.dumps
    return ('{"changes":[' + ",".join(
        f'{{"change_id":{dumps(change_id)},"at":{dumps(at)},"entity":{dumps(entity)},"entity_id":{dumps(entity_id)},'
        f'"op":{dumps(op)},"payload":{payload}}}'
        for change_id, at, entity, entity_id, op, payload in changes) + "]}").encode()


class ChangeOutcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    """Already applied by an earlier push: nothing done again."""
    CONFLICT = "conflict"
    """Applied, but one or more fields differed from another device's edit: kept as an open conflict."""
    REJECTED = "rejected"
    """Not applied (e.g. it fails validation). The change is kept centrally, quarantined for an administrator."""


class ChangeResult(_Wire):
    change_id: str
    outcome: ChangeOutcome
    reason: str | None = None


class PushResponse(_Wire):
    results: list[ChangeResult]
    accepted_changes: int
    """How many changes from this device the server holds in all: the device compares it with its own count."""


class Cursor(_Wire):
    seq: int = Field(ge=0)
    stamp: str = ""


class PullRequest(_Wire):
    cursor: Cursor = Cursor(seq=0)
    limit: int = Field(default=MAX_PULL, ge=1, le=MAX_PULL)


class CaseState(_Wire):
    """A case as the central store holds it now."""

    id: str
    reference: str
    site: str
    allocated_on: date
    case_manager: str
    service_user: dict[str, Any]
    victims: list[dict[str, Any]]
    status: str
    closed_on: date | None
    created_at: datetime
    updated_at: datetime


class AssessmentState(_Wire):
    id: str
    case_id: str
    timepoint: str
    form_id: str
    form_version: int
    answers: dict[str, Any]
    status: str
    author: str
    device_id: str
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    completed_on: date | None
    supersedes: str | None


class ReviewDecision(StrEnum):
    REVIEWED = "reviewed"
    RETURNED = "returned"


class ReviewState(_Wire):
    """A supervisor's sign-off of a submitted assessment, or its return with a comment."""

    id: str
    assessment_id: str
    case_id: str
    reviewer: str
    decision: ReviewDecision
    comment: str
    at: datetime


class ConflictState(_Wire):
    """Two devices gave one case field different values. Both values are kept until a person chooses."""

    id: str
    case_id: str
    field: str
    central_value: Any
    incoming_value: Any
    incoming_author: str
    opened_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: Any = None


class PullResponse(_Wire):
    cases: list[CaseState]
    assessments: list[AssessmentState]
    reviews: list[ReviewState]
    conflicts: list[ConflictState]
    removed_cases: list[str]
    """Cases this user may no longer see (reassigned away): the device removes them once nothing is pending."""
    cursor: Cursor
    more: bool
    reset: bool = False
    """The given cursor is unknown to this server (restored from a backup): everything visible is sent again."""


class HelloResponse(_Wire):
    protocol: int
    server_id: str
    device_id: str
    device_state: DeviceState
    user: str
    role: Role
    sites: list[str]
    accepted_changes: int
    head: Cursor


class EnrolRequest(_Wire):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=64)]
    device_name: Name


class EnrolResponse(_Wire):
    server_id: str
    device_id: str
    token: str
    user: str
    role: Role
    sites: list[str]


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "unauthenticated"
    DEVICE_LOST = "device_lost"
    DEVICE_RETIRED = "device_retired"
    FORBIDDEN = "forbidden"
    PROTOCOL_MISMATCH = "protocol_mismatch"
    INVALID = "invalid"
    TOO_LARGE = "too_large"
    ENROLMENT = "enrolment"


class ErrorBody(_Wire):
    """The JSON body of every refusal. ``wipe`` tells a device to destroy its local store."""

    code: ErrorCode
    message: str
    wipe: bool = False
