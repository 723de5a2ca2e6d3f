"""The words of the work that are not answers: who someone is, what a change does, how a device stands, what a
supervisor decided. Every layer uses these enums; ``sync/protocol.py`` re-exports them for the wire.

Answer vocabularies (and ``AssessmentStatus``, ``CaseStatus``) live in ``vocab.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CASE_MANAGER = "case_manager"
    SUPERVISOR = "supervisor"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class DeviceState(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"
    """May push its pending changes one last time; then its local store is wiped."""
    LOST = "lost"
    """Refused at once; told to wipe if it ever connects."""


class Entity(StrEnum):
    """What a change is about: the device's outbox ``entity`` column and the audit trail hold these values."""

    CASE = "case"
    ASSESSMENT = "assessment"
    REVIEW = "review"
    CONFLICT = "conflict"
    WORK_LOG = "work_log"


class Operation(StrEnum):
    """What a change does: the device's outbox ``op`` column and the audit trail's ``action`` hold these values."""

    CASE_CREATE = "case.create"
    CASE_UPDATE = "case.update"
    CASE_ADD_VICTIM = "case.add_victim"
    CASE_SET_STRATEGY = "case.set_strategy"
    """The case manager saves the contact strategy's plan, or marks an agreed one shared with the Marac."""
    ASSESSMENT_START = "assessment.start"
    ASSESSMENT_ANSWER = "assessment.answer"
    ASSESSMENT_SUBMIT = "assessment.submit"
    ASSESSMENT_AMEND = "assessment.amend"
    ASSESSMENT_IMPORT = "assessment.import"
    REVIEW_SIGN_OFF = "review.sign_off"
    REVIEW_AGREE_STRATEGY = "review.agree_strategy"
    """The service manager (a supervisor) agrees a case's contact strategy, as a sign-off."""
    CONFLICT_RESOLVE = "conflict.resolve"
    WORK_LOG_RECORD = "work_log.record"
    """A work-log entry recorded, or corrected (the same id again, whole)."""

    @property
    def entity(self) -> Entity:
        return Entity(self.value.split(".")[0])


class ReviewDecision(StrEnum):
    REVIEWED = "reviewed"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return "marked reviewed" if self is ReviewDecision.REVIEWED else "returned to the case manager"


@dataclass(frozen=True, slots=True)
class Identity:
    """Who this device works as: recorded on every change it makes, and asked whenever something may or may not be
    done here. The store owns one; enrolment replaces it as a whole."""

    user: str
    device_id: str
    role: Role | None = None
    """The central store's role for this device's user; None until the device is enrolled."""
    sites: tuple[str, ...] = ()

    @property
    def enrolled(self) -> bool:
        return self.role is not None

    @property
    def read_only(self) -> bool:
        """A supervisor's device reads its team's cases and writes only sign-offs, returns and held work."""
        return self.role is Role.SUPERVISOR

    def may_write(self, entity: Entity) -> bool:
        return not self.read_only or entity in (Entity.REVIEW, Entity.CONFLICT)

    @property
    def may_create_cases(self) -> bool:
        return not self.read_only

    @property
    def may_reassign(self) -> bool:
        """Once enrolled, cases are assigned centrally: the central store refuses a device's reassignment."""
        return not self.enrolled

    @property
    def may_sign_off(self) -> bool:
        return self.role is Role.SUPERVISOR
