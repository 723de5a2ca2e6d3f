"""Casework: a case's work log — contact attempts, direct sessions, indirect and multi-agency work — its
information requests, and its contact strategy (DOMAIN.md "Casework"; the evaluation pp.27-35 and p.51).

"Indirect work accounted for the overwhelming majority of activity on Drive cases" (p.28), and the evaluators had
to code free-text notes by hand to count it (p.16). Here each entry is typed: its kind decides which coded fields
it has, so it can be counted, and where its information came from is recorded with it — with the flag that an
item came from the victim/survivor alone and must never reach the Service User.

Pure: the models and the rules between their fields. The store keeps them; ``analysis.casework`` counts them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import ConfigDict, StringConstraints, model_validator

from drive_tui.domain.models import CaseProfile, RecordedDate, ShortText, _Model
from drive_tui.domain.vocab import (
    Agency,
    AgencyAction,
    AttemptMethod,
    AttemptOutcome,
    ContactSetting,
    ContactType,
    Source,
    StrategyState,
    SupportArea,
    WorkKind,
)
from drive_tui.domain.working_days import STALLED_AFTER_WORKING_DAYS, working_days_between

NOTE_LENGTH = 4000
"""A work-log note or a contact strategy is a short text, not a report: longer is refused, not cut."""
Note = Annotated[str, StringConstraints(max_length=NOTE_LENGTH, pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*$")]
"""Free text (sensitive: never drawn in visit mode): lines and tabs, no other control characters."""

RecordId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_-]+$")]
"""A record's id, as the sync protocol bounds every id (a UUID made on the device)."""


_DIRECT_FIELDS = ("contact_types", "contact_setting", "support_areas", "behaviour_change_work")
_ATTEMPT_FIELDS = ("attempt_method", "attempt_outcome")
_INDIRECT_FIELDS = ("agency", "action", "answers")


_FOREIGN_FIELDS: dict[WorkKind, tuple[str, ...]] = {
    kind: tuple(name for name in (*_ATTEMPT_FIELDS, *_DIRECT_FIELDS, *_INDIRECT_FIELDS) if name not in own)
    for kind, own in (
        (WorkKind.CONTACT_ATTEMPT, _ATTEMPT_FIELDS),
        (WorkKind.DIRECT_SESSION, _DIRECT_FIELDS),
        (WorkKind.INDIRECT, _INDIRECT_FIELDS),
    )
}
"""Per kind of work, the fields of the other kinds, which an entry of it leaves empty (checked for every entry
read: tens of thousands in a report)."""


class WorkLogEntry(_Model):
    """One dated piece of work on a case, recorded by ``recorded_by``; which fields it has follows from ``kind``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: RecordId
    case_id: RecordId
    date: RecordedDate
    recorded_by: ShortText
    kind: WorkKind
    attempt_method: AttemptMethod | None = None
    attempt_outcome: AttemptOutcome | None = None
    contact_types: tuple[ContactType, ...] = ()
    contact_setting: ContactSetting | None = None
    support_areas: tuple[SupportArea, ...] = ()
    behaviour_change_work: bool | None = None
    agency: Agency | None = None
    action: AgencyAction | None = None
    answers: RecordId | None = None
    """For ``info_received``: the id of the ``info_requested`` entry it answers."""
    source: Source | None = None
    vs_sole_source: bool = False
    """The information came from the victim/survivor alone: never disclosed to the Service User — not drawn in
    visit mode, left out of anything that could reach them, and kept flagged in exports."""
    note: Note = ""

    @model_validator(mode="after")
    def _fields_of_its_kind(self) -> WorkLogEntry:
        foreign = [name for name in _FOREIGN_FIELDS[self.kind] if getattr(self, name) not in (None, ())]
        if foreign:
            raise ValueError(f"a {self.kind.label.lower()} has no {', '.join(foreign)}")
        if self.kind is WorkKind.CONTACT_ATTEMPT and (self.attempt_method is None or self.attempt_outcome is None):
            raise ValueError("a contact attempt needs its method and its outcome")
        if self.kind is WorkKind.DIRECT_SESSION and (not self.contact_types or self.contact_setting is None):
            raise ValueError("a direct session needs its type of contact and its setting")
        if self.kind is WorkKind.INDIRECT:
            if self.agency is None or self.action is None:
                raise ValueError("indirect work needs the agency and what was done")
            if self.answers is not None and self.action is not AgencyAction.INFO_RECEIVED:
                raise ValueError("only information received answers a request")
        return self

    @property
    def visit_safe(self) -> bool:
        """May be drawn while the Service User may see the screen: their own contact with Drive (attempts and
        sessions), never multi-agency work (the risk picture) nor anything from the victim/survivor alone."""
        return self.kind is not WorkKind.INDIRECT and not self.vs_sole_source

    @property
    def is_contact(self) -> bool:
        """The Service User was reached: a direct session, or an attempt that reached them."""
        return self.kind is WorkKind.DIRECT_SESSION or self.attempt_outcome is AttemptOutcome.REACHED


class ContactStrategy(_Model):
    """How the Service User will be approached (sensitive), agreed by the Drive service manager before first
    contact (p.30) and shared with the Marac."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    state: StrategyState = StrategyState.DRAFTED
    plan: Note = ""
    agreed_by: ShortText | None = None
    agreed_on: RecordedDate | None = None

    @model_validator(mode="after")
    def _agreement_recorded(self) -> ContactStrategy:
        agreed = self.state is not StrategyState.DRAFTED
        if agreed and (self.agreed_by is None or self.agreed_on is None):
            raise ValueError("an agreed strategy says who agreed it and when")
        if not agreed and (self.agreed_by is not None or self.agreed_on is not None):
            raise ValueError("a drafted strategy is not agreed yet")
        return self

    @property
    def agreed(self) -> bool:
        return self.state is not StrategyState.DRAFTED

    @property
    def digest(self) -> str:
        """What an agreement names: the plan agreed, so that a plan changed meanwhile is never agreed unseen."""
        return plan_digest(self.plan)

    def revised(self, plan: str, *, shared_with_marac: bool) -> ContactStrategy:
        """The strategy after its case manager saves ``plan``: a changed plan is a draft again, to be agreed again;
        an agreed one may be marked shared with the Marac. StrategyRefused if it may not."""
        if shared_with_marac and not self.agreed:
            raise StrategyRefused("the strategy is shared with the Marac once the service manager has agreed it")
        if plan != self.plan:
            if shared_with_marac:
                raise StrategyRefused("a changed plan is agreed again before it is shared with the Marac")
            return ContactStrategy(plan=plan)
        if shared_with_marac:
            return self.model_copy(update={"state": StrategyState.SHARED_WITH_MARAC})
        return self

    def agreed_as(self, by: str, on: dt.date, digest: str) -> ContactStrategy:
        """The strategy agreed by ``by`` (a supervisor) on ``on``, if ``digest`` names its plan as it is now."""
        if digest != self.digest:
            raise StrategyRefused("the plan has changed since it was read: read it again before agreeing it")
        if self.agreed:
            return self
        return ContactStrategy.model_validate(
            {"state": StrategyState.AGREED, "plan": self.plan, "agreed_by": by, "agreed_on": on}
        )


class StrategyRefused(ValueError):
    """A change to a contact strategy its rules do not allow."""


def plan_digest(plan: str) -> str:
    return hashlib.sha256(plan.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class CaseWork:
    """A case and its work log."""

    case: CaseProfile
    entries: Sequence[WorkLogEntry]


@dataclass(frozen=True, slots=True)
class InfoRequest:
    """An ``info_requested`` entry and the ``info_received`` entry that answered it, if any."""

    request: WorkLogEntry
    answer: WorkLogEntry | None

    @property
    def open(self) -> bool:
        return self.answer is None

    @property
    def days_to_answer(self) -> int | None:
        return None if self.answer is None else (self.answer.date - self.request.date).days

    def working_days_open(self, today: dt.date) -> int:
        return working_days_between(self.request.date, today)

    def stalled(self, today: dt.date, *, after: int = STALLED_AFTER_WORKING_DAYS) -> bool:
        """Open for more than ``after`` working days: the evaluation's "alternative and escalation routes"."""
        return self.open and self.working_days_open(today) > after


def info_requests(entries: Iterable[WorkLogEntry]) -> list[InfoRequest]:
    """Every information request of ``entries`` (oldest first) with the answer that closes it: an
    ``info_received`` entry from the same agency naming the request in ``answers``, on or after its date (the
    earliest, if several)."""
    entries = sorted(entries, key=lambda e: (e.date, e.id))
    answers: dict[str, WorkLogEntry] = {}
    by_id = {entry.id: entry for entry in entries}
    for entry in entries:
        asked = by_id.get(entry.answers) if entry.answers else None
        if (
            entry.action is AgencyAction.INFO_RECEIVED
            and asked is not None
            and asked.action is AgencyAction.INFO_REQUESTED
            and asked.agency is entry.agency
            and entry.date >= asked.date
            and asked.id not in answers
        ):
            answers[asked.id] = entry
    return [InfoRequest(e, answers.get(e.id)) for e in entries if e.action is AgencyAction.INFO_REQUESTED]


LATEST_UTC_OFFSET = dt.timedelta(hours=14)
"""The widest offset from UTC any place keeps: a day's work is never "after today" while it is that day anywhere."""


def latest_today(now: dt.datetime) -> dt.date:
    """The latest date it is anywhere on Earth at ``now``: a laptop an hour ahead of UTC (British Summer Time just
    after midnight) logs today's work on a date UTC has not reached."""
    return (now.astimezone(dt.UTC) + LATEST_UTC_OFFSET).date()


def misdated(day: dt.date, *, allocated_on: dt.date, today: dt.date) -> str | None:
    """Why work cannot be dated ``day`` on a case allocated on ``allocated_on``, or None: work is logged as it is
    done, from the case's allocation to today."""
    if day > today:
        return "the work is dated after today"
    if day < allocated_on:
        return "the work is dated before the case was allocated"
    return None


def first_contact(entries: Iterable[WorkLogEntry]) -> dt.date | None:
    """The day the Service User was first reached, by the work log."""
    return min((entry.date for entry in entries if entry.is_contact), default=None)
