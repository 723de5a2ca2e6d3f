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

from drive_tui.domain.casework import Note, WorkLogEntry
from drive_tui.domain.models import AnswerValue, Assessment, AwareDatetime, BoundedInt, CaseProfile, VictimSurvivor
from drive_tui.domain.terms import DeviceState, Entity, Operation, ReviewDecision, Role
from drive_tui.domain.vocab import Timepoint

__all__ = ["DeviceState", "Entity", "Operation", "ReviewDecision", "Role"]  # the domain's words, as the wire uses them

PROTOCOL_VERSION = 2
"""2: the work log (``work_log.record``, ``PullResponse.work_log``) and the contact strategy (``case.set_strategy``,
``review.agree_strategy``, ``CaseState.contact_strategy``)."""
PROTOCOL_HEADER = "X-Drive-Protocol"
MAX_BATCH = 4000
"""Most changes one push may carry."""
MAX_BODY_BYTES = 16 * 1024 * 1024
"""Largest request body the server reads; bigger ones are refused with 413 before any work."""
MAX_PULL = 2000

Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")]
Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=1,
        max_length=120,
        pattern=r"^[^\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+$",
    ),
]
"""A person's or a device's name: one line of printable text — no control characters, and none of the marks that
reverse how text around them reads (a device named with U+202E shows its name backwards in `server devices`)."""
Comment = Annotated[str, StringConstraints(max_length=4000)]
Seq = Annotated[int, Field(ge=0, le=2**63 - 1)]
"""A place in the server's commit log: a 64-bit integer, as the database keeps it."""
FormVersion = Annotated[int, Field(ge=1, le=10_000)]
ProfilePath = Annotated[
    str, StringConstraints(min_length=1, max_length=120, pattern=r"^[a-z_]{1,40}(\.[0-9a-z_]{1,40}){0,3}$")
]
"""A case profile field by dotted path: ``status``, ``service_user.age``, ``victims.0.relationship``."""
Scalar = Annotated[str, StringConstraints(max_length=4000)] | BoundedInt | bool | None
ProfileValue = Scalar | Annotated[list[dict[Id, Scalar]], Field(max_length=100)] | dict[Id, Scalar]
"""What a profile field can hold: typed and bounded here; what it means is checked against the profile's model."""


class _Wire(BaseModel):
    """Requests are validated strictly (``strict=True``, from JSON): no bool for a number, no number for a time."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _ChangeOf(_Wire):
    """What every change carries. ``at`` is the device's clock: it orders the device's own work, never grants access."""

    change_id: Id
    at: AwareDatetime
    entity_id: Id


class CaseCreated(_Wire):
    profile: CaseProfile


class FieldEdit(_Wire):
    old: ProfileValue = None
    new: ProfileValue


class CaseEdited(_Wire):
    changes: dict[ProfilePath, FieldEdit] = Field(min_length=1, max_length=64)


class VictimAdded(_Wire):
    victim: VictimSurvivor


class AssessmentStarted(_Wire):
    case_id: Id
    timepoint: Timepoint
    form_id: Id
    form_version: FormVersion


class AnswerGiven(_Wire):
    answer_id: Id
    value: AnswerValue | None
    """None clears the answer."""


class AssessmentSubmitted(_Wire):
    assessment: Assessment


class AmendmentStarted(_Wire):
    supersedes: Id
    answers: dict[Id, AnswerValue] = Field(max_length=500)


class SignedOff(_Wire):
    assessment_id: Id
    decision: ReviewDecision
    comment: Comment = ""


class StrategySet(_Wire):
    plan: Note
    shared_with_marac: bool = False


class StrategyAgreed(_Wire):
    case_id: Id
    plan_digest: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    """The SHA-256 of the plan as the supervisor read it: a plan changed since is not agreed."""


class WorkRecorded(_Wire):
    entry: WorkLogEntry
    """The whole entry. ``recorded_by`` is the device's claim: the central store records its own user instead."""


class ConflictResolved(_Wire):
    case_id: Id | None = None
    value: ProfileValue | HeldWork
    """The field's chosen value; for work held after a case moved, the held work (accept) or None (discard)."""


class CaseCreate(_ChangeOf):
    op: Literal[Operation.CASE_CREATE]
    entity: Literal[Entity.CASE]
    payload: CaseCreated


class CaseUpdate(_ChangeOf):
    op: Literal[Operation.CASE_UPDATE]
    entity: Literal[Entity.CASE]
    payload: CaseEdited


class CaseAddVictim(_ChangeOf):
    op: Literal[Operation.CASE_ADD_VICTIM]
    entity: Literal[Entity.CASE]
    payload: VictimAdded


class CaseSetStrategy(_ChangeOf):
    op: Literal[Operation.CASE_SET_STRATEGY]
    entity: Literal[Entity.CASE]
    payload: StrategySet


class ReviewAgreeStrategy(_ChangeOf):
    op: Literal[Operation.REVIEW_AGREE_STRATEGY]
    entity: Literal[Entity.REVIEW]
    payload: StrategyAgreed


class AssessmentStart(_ChangeOf):
    op: Literal[Operation.ASSESSMENT_START]
    entity: Literal[Entity.ASSESSMENT]
    payload: AssessmentStarted


class AssessmentAnswer(_ChangeOf):
    op: Literal[Operation.ASSESSMENT_ANSWER]
    entity: Literal[Entity.ASSESSMENT]
    payload: AnswerGiven


class AssessmentSubmit(_ChangeOf):
    op: Literal[Operation.ASSESSMENT_SUBMIT]
    entity: Literal[Entity.ASSESSMENT]
    payload: AssessmentSubmitted


class AssessmentImport(_ChangeOf):
    op: Literal[Operation.ASSESSMENT_IMPORT]
    entity: Literal[Entity.ASSESSMENT]
    payload: AssessmentSubmitted


class AssessmentAmend(_ChangeOf):
    op: Literal[Operation.ASSESSMENT_AMEND]
    entity: Literal[Entity.ASSESSMENT]
    payload: AmendmentStarted


class ReviewSignOff(_ChangeOf):
    op: Literal[Operation.REVIEW_SIGN_OFF]
    entity: Literal[Entity.REVIEW]
    payload: SignedOff


class ConflictResolve(_ChangeOf):
    op: Literal[Operation.CONFLICT_RESOLVE]
    entity: Literal[Entity.CONFLICT]
    payload: ConflictResolved


class WorkLogRecord(_ChangeOf):
    op: Literal[Operation.WORK_LOG_RECORD]
    entity: Literal[Entity.WORK_LOG]
    payload: WorkRecorded


Change = Annotated[
    CaseCreate
    | CaseUpdate
    | CaseAddVictim
    | CaseSetStrategy
    | ReviewAgreeStrategy
    | AssessmentStart
    | AssessmentAnswer
    | AssessmentSubmit
    | AssessmentImport
    | AssessmentAmend
    | ReviewSignOff
    | ConflictResolve
    | WorkLogRecord,
    Field(discriminator="op"),
]
"""One change made on a device, typed by its operation: nothing untyped reaches the central store's rules."""


class HeldWork(_Wire):
    """A change made on a case after it moved to another case manager, kept for them to accept or discard."""

    change: Change
    author: Name
    device_id: Id


class PushRequest(_Wire):
    changes: list[Change] = Field(min_length=1, max_length=MAX_BATCH)


class ChangeEnvelope(_Wire):
    """A change whose payload did not parse: what the server needs to answer for it and keep it (quarantined)."""

    change_id: Id
    at: AwareDatetime
    entity: Entity
    entity_id: Id
    op: Operation
    payload: dict[str, Any]


class EnvelopeRequest(_Wire):
    changes: list[ChangeEnvelope] = Field(min_length=1, max_length=MAX_BATCH)


def encode_push(changes: Iterable[tuple[str, str, str, str, str, str]]) -> bytes:
    """The JSON of a ``PushRequest`` from (change_id, at, entity, entity_id, op, payload) where ``at`` is ISO 8601
    and ``payload`` is already JSON text, as a device's outbox holds it. A device pushing thousands of changes would
    otherwise decode every payload only to encode it again. The server parses it as a ``PushRequest`` like any other.
    """
    dumps = json.dumps
    return (
        '{"changes":['
        + ",".join(
            f'{{"change_id":{dumps(change_id)},"at":{dumps(at)},"entity":{dumps(entity)},"entity_id":{dumps(entity_id)},'
            f'"op":{dumps(op)},"payload":{payload}}}'
            for change_id, at, entity, entity_id, op, payload in changes
        )
        + "]}"
    ).encode()


class ChangeOutcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    """Already applied by an earlier push: nothing done again."""
    CONFLICT = "conflict"
    """Applied, but one or more fields differed from another device's edit: kept as an open conflict."""
    REJECTED = "rejected"
    """Not applied (e.g. it fails validation). The change is kept centrally, quarantined for an administrator."""
    HELD = "held"
    """Kept, not applied: work on a case that had moved to another case manager before this device heard of it is
    held as an open conflict, for the new case manager or the site's supervisor to accept or discard."""


class ChangeResult(_Wire):
    change_id: str
    outcome: ChangeOutcome
    reason: str | None = None


class PushResponse(_Wire):
    results: list[ChangeResult]
    accepted_changes: int
    """How many changes from this device the server holds in all: the device compares it with its own count."""


class Cursor(_Wire):
    seq: Seq
    stamp: Annotated[str, StringConstraints(max_length=64, pattern=r"^[0-9a-f]*$")] = ""


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
    contact_strategy: dict[str, Any] | None = None
    """A ``ContactStrategy``'s JSON, or None before one is drafted."""


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


class WorkLogState(_Wire):
    """A work-log entry as the central store holds it: ``entry`` is a ``WorkLogEntry``'s JSON."""

    id: str
    case_id: str
    entry: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class PullResponse(_Wire):
    cases: list[CaseState]
    assessments: list[AssessmentState]
    reviews: list[ReviewState]
    conflicts: list[ConflictState]
    work_log: list[WorkLogState] = []
    removed_cases: list[str]
    """Cases this user may no longer see (reassigned away, or removed under the retention policy): the device removes
    them once nothing is pending."""
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
    code: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=6, max_length=64, pattern=r"^[0-9A-Za-z -]+$")
    ]
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
    TOO_MANY_ATTEMPTS = "too_many_attempts"


class ErrorBody(_Wire):
    """The JSON body of every refusal. ``wipe`` tells a device to destroy its local store."""

    code: ErrorCode
    message: str
    wipe: bool = False


# Held work is a change, and resolving a conflict may carry held work: the two refer to each other.
for _model in (ConflictResolved, ConflictResolve, HeldWork, PushRequest):
    _model.model_rebuild()
