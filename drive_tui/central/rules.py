"""The central store's rules, applied to one pushed batch in memory.

The server believes the device's token and nothing else it says. Every change arrives typed by its operation
(``central.intake``); here every id it names is resolved against the records the batch loaded and authorised:
- a case manager writes only the cases assigned to them, creates cases only at their own sites and never moves a
  case between sites; a supervisor only signs off or returns their sites' assessments (and may settle work held
  for a case of their site); an administrator's device writes nothing;
- an id a change names — the case behind an assessment, the assessment an amendment supersedes, the draft a submit
  completes, a conflict — must be a record this user may write, consistent with the others (an amendment belongs
  to the case of what it amends); a record elsewhere and no record at all are refused alike;
- who wrote it and when it arrived are the server's facts; the device's clock orders its own work, nothing more;
- work on a case that moved to another case manager is applied if this device had not yet been told of the move
  (its last pull predates it), else held as an open conflict for the new case manager or a supervisor to settle;
- a submitted assessment never changes; an amendment supersedes it and both are kept; a case profile merges
  field by field, a field changed to two values becoming an open conflict.
A change that breaks an access rule refuses the whole batch (403, nothing stored: a device of this release never
makes one). A change that cannot be applied — invalid, a clash with what the central store holds, a record gone —
is *rejected*: kept with its payload for an administrator, the device told why, and the rest of the batch and every
later batch flow. Nothing a device sends can make the database raise.

Pure: ``push`` loads what a batch touches into a ``Work`` and writes back what it marks new or changed; the one
lookup a batch cannot foresee (a case renamed to a reference nobody named) is a function handed in.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_json

from drive_tui.central.intake import CHANGE, Unparsed, place
from drive_tui.central.people import Device
from drive_tui.domain.casework import ContactStrategy, StrategyRefused, latest_today, misdated
from drive_tui.domain.models import Assessment, CaseProfile
from drive_tui.domain.terms import Entity, ReviewDecision, Role
from drive_tui.domain.vocab import AgencyAction, AssessmentStatus
from drive_tui.forms.answers import AnswerError, check_one, validate_answers
from drive_tui.forms.catalogue import FormCatalogue
from drive_tui.forms.spec import FormSpec
from drive_tui.sync.protocol import (
    AssessmentAmend,
    AssessmentAnswer,
    AssessmentImport,
    AssessmentStart,
    AssessmentSubmit,
    CaseAddVictim,
    CaseCreate,
    CaseSetStrategy,
    CaseUpdate,
    Change,
    ChangeOutcome,
    ConflictResolve,
    HeldWork,
    ReviewAgreeStrategy,
    ReviewSignOff,
    WorkLogRecord,
)

Incoming = Change | Unparsed
_PROFILE_KEYS = ("reference", "site", "allocated_on", "case_manager", "service_user", "victims", "status", "closed_on")
DRAFT, SUBMITTED, AMENDED = (
    AssessmentStatus.DRAFT.value,
    AssessmentStatus.SUBMITTED.value,
    AssessmentStatus.AMENDED.value,
)
KINDS = ("cases", "assessments", "conflicts", "work_log")
"""The tables whose rows the rules create or change (reviews are only ever added)."""
HELD_PREFIX = "held."
NOT_YOURS = "names a record this device may not write"
"""One refusal for a record of someone else's and for no record at all: a refusal reveals nothing."""
MAX_UTC_OFFSET = timedelta(hours=14)
"""The widest UTC offset any place on Earth uses. Checked here, once per time, rather than by a validator in the
type: a Python validator on every time of a push of 14,000 changes cost a tenth of the push."""
_NO_OFFSET = timedelta(0)
_WIDE_OFFSET = "a time's UTC offset is at most 14 hours"


PURGED = "the case was removed from the central store under the retention policy"


class Forbidden(Exception):
    """A change this device's user may not make: the whole batch is refused."""


class Rejected(Exception):
    """A change that cannot be applied; kept, with this reason, for an administrator."""


class Held(Exception):
    """Work on a case that moved away after this device was told: kept as an open conflict, not applied."""


@dataclass
class Work:
    """What one batch touches, loaded once, changed in memory, written once."""

    device: Device
    forms: FormCatalogue
    now: datetime
    cases: dict[str, dict[str, Any]]
    assessments: dict[str, dict[str, Any]]
    conflicts: dict[str, dict[str, Any]]
    moved_away: dict[str, tuple[int, datetime]]
    """Case id → sequence number and time of its latest move away from this user (the server's record)."""
    created_here: set[str]
    """Cases this device itself created (the server's record of its changes)."""
    pulled_here: set[str]
    """Of the cases moved away from this user, those this device was sent (the server's access log of its pulls)."""
    references: dict[tuple[str, str], str]
    """(site, reference) → case id, for every reference the batch may claim: references are unique per site."""
    slots: dict[tuple[str, str, str], str]
    """(case id, timepoint, status) → the assessment there, for drafts and submitted ones: one of each per slot."""
    looked_up: set[str]
    """The references whose holders ``references`` holds, at every site."""
    refused: set[str]
    """Records this device sent that the central store did not accept: later changes to them are rejected too."""
    held: dict[str, str]
    """Record → its case, for records this device made on a case after it moved away: later changes to them are
    held too."""
    work_log: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The work-log entries the batch names (its own and those they answer), as the central store holds them."""
    purged: dict[str, set[str]] = field(default_factory=dict)
    """Case id → every case manager it had, for cases the batch names that were removed under the retention policy
    (``central.retention``). Said only to them: to anyone else it is a case not theirs."""
    purged_records: dict[str, str] = field(default_factory=dict)
    """Record id (an assessment, an entry…) → its purged case, for records the batch names."""
    new: dict[str, set[str]] = field(default_factory=lambda: {kind: set() for kind in KINDS})
    dirty: dict[str, set[str]] = field(default_factory=lambda: {kind: set() for kind in KINDS})
    reviews: list[dict[str, Any]] = field(default_factory=list)
    find_reference: Callable[[str], Iterable[tuple[str, str]]] | None = None
    """(site, case id) of every case using a reference: for a rename the batch's first read could not foresee."""
    writer: str = ""
    """Whose authority the work being applied needs: this device's user, or the case manager accepting held work."""
    author: str = ""
    author_device: str = ""
    """Who and which device the work being applied is recorded as coming from (held work: the device that made it)."""

    def __post_init__(self) -> None:
        self.writer = self.author = self.device.user.username
        self.author_device = self.device.id

    @property
    def user(self) -> str:
        return self.device.user.username

    @property
    def role(self) -> Role:
        return self.device.user.role if self.writer == self.user else Role.CASE_MANAGER

    # -- access ---------------------------------------------------------------------------------------------

    def _writable_case(self, case_id: str) -> dict[str, Any]:
        """The case, if this device's user may write it now."""
        case = self.cases.get(case_id)
        if case is None:
            if self.writer in self.purged.get(case_id, ()):
                raise Rejected(PURGED)
            if case_id in self.refused:
                raise Rejected("its case was not accepted by the central store")
            raise Forbidden(NOT_YOURS)
        if self.role is not Role.CASE_MANAGER:
            raise Forbidden("only the case manager of a case can change it")
        if case["case_manager"] != self.writer:
            self._before_the_move(case_id)
        return case

    def _before_the_move(self, case_id: str) -> None:
        """Work on a case moved away from this user: returns if this device held the case and had not yet been
        told of the move (the work is applied); Held if it had been told; Forbidden if it never held the case
        (enrolled after the move, or never pulled and did not create it). Only the server's records decide."""
        moved = self.moved_away.get(case_id)
        if moved is None or self.writer != self.user:
            raise Forbidden(NOT_YOURS)
        seq, at = moved
        held_it = self.device.enrolled_at < at and (case_id in self.pulled_here or case_id in self.created_here)
        if not held_it:
            raise Forbidden(NOT_YOURS)
        if self.device.pulled_seq >= seq:
            raise Held()

    def _known_assessment(self, assessment_id: str) -> dict[str, Any]:
        row = self.assessments.get(assessment_id)
        if row is None and assessment_id in self.held and self.writer == self.user:
            raise Held()
        if row is None:
            if self.writer in self.purged.get(self.purged_records.get(assessment_id, ""), ()):
                raise Rejected(PURGED)
            if assessment_id in self.refused:
                raise Rejected("the assessment it refers to was not accepted by the central store")
            raise Forbidden(NOT_YOURS)
        return row

    def _own_assessment(self, assessment_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """An assessment and its case, if this user may write that case."""
        row = self._known_assessment(assessment_id)
        return row, self._writable_case(row["case_id"])

    def _form(self, form_id: str, version: int) -> FormSpec:
        try:
            return self.forms.get(form_id, version)
        except KeyError:
            raise Rejected(f"form {place(form_id)} v{version} is not known to the central store: update it") from None

    def _fresh_id(self, entity_id: str, case_id: str) -> dict[str, Any] | None:
        """The assessment already stored under a new record's id: None, or one of the same case (a re-send)."""
        existing = self.assessments.get(entity_id)
        if existing is not None and existing["case_id"] != case_id:
            raise Forbidden(NOT_YOURS)
        return existing

    # -- changes --------------------------------------------------------------------------------------------

    def apply(self, change: Change) -> ChangeOutcome:
        if self.role is Role.ADMINISTRATOR:
            raise Forbidden("an administrator's device holds no case data")
        if self.role is Role.SUPERVISOR and not isinstance(change, SUPERVISORS_CHANGES):
            raise Forbidden("a supervisor's device may only sign off or return assessments and agree strategies")
        if abs(change.at.utcoffset() or _NO_OFFSET) > MAX_UTC_OFFSET:
            raise Rejected(_WIDE_OFFSET)
        try:
            return _HANDLERS[type(change)](self, change)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError, ValidationError) as exc:
            raise Rejected(_reason(exc)) from None  # a change that does not fit is kept for an administrator

    def _case_create(self, change: CaseCreate) -> ChangeOutcome:
        if self.role is not Role.CASE_MANAGER:
            raise Forbidden("only a case manager creates cases")
        existing = self.cases.get(change.entity_id)
        if existing is not None:
            if existing["case_manager"] != self.writer:
                raise Forbidden(NOT_YOURS)
            return ChangeOutcome.DUPLICATE
        if change.entity_id in self.purged:  # never brought back
            if self.writer in self.purged[change.entity_id]:
                raise Rejected(PURGED)
            raise Forbidden(NOT_YOURS)
        profile = change.payload.profile.model_copy(update={"case_manager": self.writer})
        if profile.site not in self.device.user.sites:
            raise Rejected("cases are created only at your own sites: ask an administrator to add the site")
        self._dated_by_today(profile)
        self._claim_reference(change.entity_id, profile.site, profile.reference)
        data = profile.model_dump(mode="json")
        self.cases[change.entity_id] = {
            "id": change.entity_id,
            **data,
            "allocated_on": profile.allocated_on,
            "closed_on": profile.closed_on,
            "created_at": change.at,
            "updated_at": change.at,
        }
        self.new["cases"].add(change.entity_id)
        return ChangeOutcome.APPLIED

    def _claim_reference(self, case_id: str, site: str, reference: str) -> None:
        if reference not in self.looked_up and self.find_reference is not None:  # not foreseen when the batch was read
            for holder_site, holder in self.find_reference(reference):
                self.references.setdefault((holder_site, reference), holder)
            self.looked_up.add(reference)
        holder = self.references.get((site, reference))
        if holder is not None and holder != case_id:
            raise Rejected("this reference is already used by another case at the site: give the case another one")
        self.references[(site, reference)] = case_id

    def _case_update(self, change: CaseUpdate) -> ChangeOutcome:
        case = self._writable_case(change.entity_id)
        merged = _profile(case)
        outcome = ChangeOutcome.DUPLICATE
        for path, values in change.payload.changes.items():
            top = path.split(".")[0]
            if top == "case_manager":
                raise Rejected("cases are assigned centrally: case_manager cannot be changed from a device")
            if top == "site" and values.new != case["site"]:
                raise Rejected("cases move between sites centrally: ask an administrator")
            current = _get_path(merged, path)
            if current == values.new:
                continue
            if current == values.old:
                _set_path(merged, path, values.new)
                outcome = ChangeOutcome.APPLIED if outcome is ChangeOutcome.DUPLICATE else outcome
            else:
                self._valid_in_place(merged, path, values.new)  # a conflict offers only a value the case could hold
                self._open_conflict(case["id"], path, current, values.new, change)
                outcome = ChangeOutcome.CONFLICT
        self._store_profile(case, merged, change.at)
        return outcome

    def _valid_in_place(self, profile: dict[str, Any], path: str, value: Any) -> None:
        """Raise (so the change is rejected) unless ``value`` at ``path`` leaves a valid profile."""
        trial = copy.deepcopy(profile)
        _set_path(trial, path, value)
        self._dated_by_today(CaseProfile.model_validate_json(to_json(trial), strict=True))

    def _case_add_victim(self, change: CaseAddVictim) -> ChangeOutcome:
        case = self._writable_case(change.entity_id)
        merged = _profile(case)
        merged["victims"].append(change.payload.victim.model_dump(mode="json"))
        self._store_profile(case, merged, change.at)
        return ChangeOutcome.APPLIED

    def _case_set_strategy(self, change: CaseSetStrategy) -> ChangeOutcome:
        """The case manager saves the plan (a changed plan is a draft again) or marks an agreed one shared."""
        case = self._writable_case(change.entity_id)
        current = _strategy(case)
        try:
            revised = current.revised(change.payload.plan, shared_with_marac=change.payload.shared_with_marac)
        except StrategyRefused as exc:
            raise Rejected(str(exc)) from None
        return self._store_strategy(case, current, revised, change.at)

    def _review_agree_strategy(self, change: ReviewAgreeStrategy) -> ChangeOutcome:
        """The service manager agrees the plan as they read it (its digest), on the server's day, as themselves."""
        if self.role is not Role.SUPERVISOR:
            raise Forbidden("only a supervisor agrees a contact strategy")
        case = self.cases.get(change.payload.case_id)
        if case is None or case["site"] not in self.device.user.sites:
            raise Forbidden(NOT_YOURS)
        current = _strategy(case)
        if case.get("contact_strategy") is None:
            raise Rejected("this case has no contact strategy to agree")
        try:
            agreed = current.agreed_as(self.user, self.now.date(), change.payload.plan_digest)
        except StrategyRefused as exc:
            raise Rejected(str(exc)) from None
        return self._store_strategy(case, current, agreed, change.at)

    def _store_strategy(
        self, case: dict[str, Any], current: ContactStrategy, new: ContactStrategy, at: datetime
    ) -> ChangeOutcome:
        if case.get("contact_strategy") is not None and new == current:
            return ChangeOutcome.DUPLICATE
        case.update(contact_strategy=new.model_dump(mode="json"), updated_at=max(at, case["updated_at"]))
        self._mark("cases", case["id"])
        return ChangeOutcome.APPLIED

    def _dated_by_today(self, profile: CaseProfile) -> None:
        """A case is not allocated, or closed, after today (anywhere on Earth): a date the server's clock refutes."""
        today = latest_today(self.now)
        if profile.allocated_on > today:
            raise Rejected("the case is allocated after today")
        if profile.closed_on is not None and profile.closed_on > today:
            raise Rejected("the case is closed after today")

    def _store_profile(self, case: dict[str, Any], merged: dict[str, Any], at: datetime) -> None:
        profile = CaseProfile.model_validate_json(to_json(merged), strict=True)  # as strictly as the wire: "50" ≠ 50
        self._dated_by_today(profile)
        if profile.reference != case["reference"]:
            self._claim_reference(case["id"], profile.site, profile.reference)
        data = profile.model_dump(mode="json")
        case.update(
            data, allocated_on=profile.allocated_on, closed_on=profile.closed_on, updated_at=max(at, case["updated_at"])
        )
        self._mark("cases", case["id"])

    def _open_conflict(self, case_id: str, path: str, current: Any, incoming: Any, change: Change) -> None:
        conflict_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.device.id}/{change.change_id}/{path}"))
        self.conflicts[conflict_id] = {
            "id": conflict_id,
            "case_id": case_id,
            "field": path,
            "central_value": current,
            "incoming_value": incoming,
            "incoming_author": self.author,
            "incoming_change_id": change.change_id,
            "opened_at": self.now,
            "resolved_at": None,
            "resolved_by": None,
            "resolution": None,
        }
        self.new["conflicts"].add(conflict_id)
        self._mark("cases", case_id)

    def hold(self, change: Change) -> None:
        """Keep work on a case that moved away as an open conflict: accepting it applies the change as it came."""
        case_id = self._case_of(change)
        self.held[change.entity_id] = case_id
        incoming = HeldWork(change=change, author=self.user, device_id=self.device.id).model_dump(mode="json")
        self._open_conflict(case_id, HELD_PREFIX + change.op, None, incoming, change)

    def _case_of(self, change: Change) -> str:
        """The case a held change is about (it was resolved once already, so each lookup succeeds)."""
        if change.entity_id in self.held:
            return self.held[change.entity_id]
        if change.entity == Entity.CASE:
            return change.entity_id
        if isinstance(change, AssessmentAmend):
            return self.assessments[change.payload.supersedes]["case_id"]
        if isinstance(change, AssessmentStart):
            return change.payload.case_id
        if isinstance(change, AssessmentSubmit | AssessmentImport):
            return change.payload.assessment.case_id
        if isinstance(change, WorkLogRecord):
            return change.payload.entry.case_id
        if isinstance(change, ConflictResolve):
            return self.conflicts[change.entity_id]["case_id"]
        return self.assessments[change.entity_id]["case_id"]

    def _conflict_resolve(self, change: ConflictResolve) -> ChangeOutcome:
        conflict = self.conflicts.get(change.entity_id)
        if conflict is None:
            raise Forbidden(NOT_YOURS)
        if change.payload.case_id is not None and change.payload.case_id != conflict["case_id"]:
            raise Forbidden(NOT_YOURS)
        held = conflict["field"].startswith(HELD_PREFIX)
        value = change.payload.value
        if self.role is Role.SUPERVISOR:
            case = self.cases.get(conflict["case_id"])
            if not held or case is None or case["site"] not in self.device.user.sites:
                raise Forbidden("a supervisor settles only work held for a case of their sites")
        else:
            case = self._writable_case(conflict["case_id"])
            if held and case["case_manager"] != self.user:  # held work is settled by whoever has the case now
                raise Forbidden(NOT_YOURS)
        if conflict["resolved_at"] is not None:
            return ChangeOutcome.DUPLICATE
        if held:
            if not isinstance(value, HeldWork | None):
                raise Rejected("held work is accepted or discarded as it is")
            if value is not None:
                self._accept(conflict)
        elif isinstance(value, HeldWork):
            raise Rejected("only held work is accepted as a change")
        else:
            merged = _profile(case)
            _set_path(merged, conflict["field"], value)
            self._store_profile(case, merged, change.at)
        resolution = conflict["incoming_value"] if isinstance(value, HeldWork) else value  # what was held, as held
        conflict.update(resolved_at=self.now, resolved_by=self.user, resolution=resolution)
        self._mark("conflicts", conflict["id"])
        return ChangeOutcome.APPLIED

    def _accept(self, conflict: dict[str, Any]) -> None:
        """Apply held work as it came, recorded as written by the case manager whose device made it."""
        incoming = conflict["incoming_value"]
        held = CHANGE.validate_json(to_json(incoming["change"]), strict=True)
        # Accepted by the case's case manager (or a supervisor): applied with the case manager's authority, recorded
        # as the work of whoever made it.
        self.writer = self.cases[conflict["case_id"]]["case_manager"]
        self.author, self.author_device = incoming["author"], incoming["device_id"]
        try:
            _HANDLERS[type(held)](self, held)
        except (Held, Forbidden):
            raise Rejected("the held work no longer applies") from None
        finally:
            self.writer = self.author = self.user
            self.author_device = self.device.id

    def _assessment_start(self, change: AssessmentStart) -> ChangeOutcome:
        payload = change.payload
        case = self._writable_case(payload.case_id)
        if self._fresh_id(change.entity_id, case["id"]) is not None:
            return ChangeOutcome.DUPLICATE
        form = self._form(payload.form_id, payload.form_version)
        if payload.timepoint not in form.timepoints:
            raise Rejected(f"form {form.id} is not used at this timepoint")
        self._add_draft(
            change,
            case_id=case["id"],
            timepoint=payload.timepoint.value,
            form_id=payload.form_id,
            form_version=payload.form_version,
            answers={},
            supersedes=None,
        )
        return ChangeOutcome.APPLIED

    def _assessment_amend(self, change: AssessmentAmend) -> ChangeOutcome:
        original, case = self._own_assessment(change.payload.supersedes)
        if self._fresh_id(change.entity_id, case["id"]) is not None:
            return ChangeOutcome.DUPLICATE
        if original["status"] == DRAFT:
            raise Rejected("only a submitted assessment can be amended")
        form = self._form(original["form_id"], original["form_version"])
        answers = {answer_id: check_one(form, answer_id, value) for answer_id, value in change.payload.answers.items()}
        self._add_draft(
            change,
            case_id=case["id"],
            timepoint=original["timepoint"],
            form_id=original["form_id"],
            form_version=original["form_version"],
            supersedes=original["id"],
            answers={k: v for k, v in answers.items() if v is not None},
            completed_on=original["completed_on"],
        )
        return ChangeOutcome.APPLIED

    def _add_draft(self, change: Change, **values: Any) -> None:
        slot = (values["case_id"], values["timepoint"], DRAFT)
        if self.slots.get(slot, change.entity_id) != change.entity_id:
            raise Rejected("this assessment already has an open draft centrally (from another device): finish that one")
        self.slots[slot] = change.entity_id
        self.assessments[change.entity_id] = {
            "id": change.entity_id,
            "status": DRAFT,
            "author": self.author,
            "device_id": self.author_device,
            "created_at": change.at,
            "updated_at": change.at,
            "submitted_at": None,
            "completed_on": None,
            "received_at": self.now,
            **values,
        }
        self.new["assessments"].add(change.entity_id)

    def _assessment_answer(self, change: AssessmentAnswer) -> ChangeOutcome:
        row, _case = self._own_assessment(change.entity_id)
        if row["status"] != DRAFT:
            return ChangeOutcome.DUPLICATE  # an answer saved before the submit that is already here
        form = self._form(row["form_id"], row["form_version"])
        answer_id, value = change.payload.answer_id, change.payload.value
        value = None if value is None else check_one(form, answer_id, value)
        answers = dict(row["answers"])
        if value is None:
            answers.pop(answer_id, None)
        else:
            answers[answer_id] = value
        row.update(answers=answers, updated_at=max(change.at, row["updated_at"]), received_at=self.now)
        self._mark("assessments", row["id"])
        return ChangeOutcome.APPLIED

    def _assessment_submit(self, change: AssessmentSubmit | AssessmentImport) -> ChangeOutcome:
        incoming: Assessment = change.payload.assessment
        if any(
            abs(time.utcoffset() or _NO_OFFSET) > MAX_UTC_OFFSET
            for time in (incoming.created_at, incoming.updated_at, incoming.submitted_at)
            if time is not None
        ):
            raise Rejected(_WIDE_OFFSET)
        case = self._writable_case(incoming.case_id)
        if incoming.id != change.entity_id or incoming.is_draft:
            raise Rejected("the submitted assessment does not match the change it came in")
        existing = self._fresh_id(incoming.id, case["id"])
        if existing is not None and existing["status"] != DRAFT:
            return ChangeOutcome.DUPLICATE
        if existing is not None and existing["timepoint"] != incoming.timepoint.value:
            raise Rejected("the submitted assessment does not match its draft")
        form = self._form(incoming.form_id, incoming.form_version)
        checked = validate_answers(form, incoming.answers, hidden="reject")
        if not checked.ok:
            raise Rejected(
                f"the answers do not satisfy form {form.id} v{form.version} "
                f"({len(checked.problems)} wrong, {len(checked.missing)} missing)"
            )
        outcome = ChangeOutcome.APPLIED
        if incoming.supersedes is not None:
            original, _ = self._own_assessment(incoming.supersedes)
            if (
                original["case_id"] != case["id"]
                or original["timepoint"] != incoming.timepoint.value
                or original["status"] == DRAFT
            ):
                raise Forbidden(NOT_YOURS)
            if original["status"] == SUBMITTED:
                self._retire(original)
        slot = (case["id"], incoming.timepoint.value, SUBMITTED)
        other = self.assessments.get(self.slots.get(slot, ""))
        if other is not None and other["status"] == SUBMITTED and other["id"] != incoming.id:
            # Two submitted assessments for one timepoint (a case worked on two devices): keep both, the later
            # current, and show it as a conflict for a person to check.
            self._retire(other)
            self._open_conflict(case["id"], f"assessment.{incoming.timepoint.value}", other["id"], incoming.id, change)
            outcome = ChangeOutcome.CONFLICT
        self.slots[slot] = incoming.id
        if existing is not None:
            self.slots.pop((case["id"], existing["timepoint"], DRAFT), None)
        record = incoming.model_dump()
        record.update(
            answers=checked.answers,
            timepoint=incoming.timepoint.value,
            status=incoming.status.value,
            author=self.author,
            device_id=self.author_device,
            received_at=self.now,
        )
        if existing is None:
            self.assessments[incoming.id] = record
            self.new["assessments"].add(incoming.id)
        else:
            existing.update(record)
            self._mark("assessments", incoming.id)
        return outcome

    _assessment_import = _assessment_submit

    def _retire(self, assessment: dict[str, Any]) -> None:
        assessment["status"] = AMENDED
        self._mark("assessments", assessment["id"])

    def _review_sign_off(self, change: ReviewSignOff) -> ChangeOutcome:
        if self.role is not Role.SUPERVISOR:
            raise Forbidden("only a supervisor signs off assessments")
        assessment = self._known_assessment(change.payload.assessment_id)
        case = self.cases[assessment["case_id"]]
        if case["site"] not in self.device.user.sites:
            raise Forbidden(NOT_YOURS)
        if assessment["status"] == DRAFT:
            raise Rejected("only a submitted assessment can be signed off")
        existing = self.reviews_known.get(change.entity_id)
        if existing is not None or any(r["id"] == change.entity_id for r in self.reviews):
            if existing is not None and existing != assessment["id"]:
                raise Forbidden(NOT_YOURS)
            return ChangeOutcome.DUPLICATE
        decision = change.payload.decision
        comment = change.payload.comment.strip()
        if decision is ReviewDecision.RETURNED and not comment:
            raise Rejected("a returned assessment needs a comment saying what to correct")
        self.reviews.append(
            {
                "id": change.entity_id,
                "assessment_id": assessment["id"],
                "case_id": case["id"],
                "reviewer": self.user,
                "decision": decision.value,
                "comment": comment,
                "at": change.at,
                "received_at": self.now,
            }
        )
        return ChangeOutcome.APPLIED

    def _work_log_record(self, change: WorkLogRecord) -> ChangeOutcome:
        """An entry recorded or corrected (whole) on a case this user may write. Who recorded it is the server's
        record of who first sent it; its date falls between the case's allocation and the server's today."""
        entry = change.payload.entry
        if entry.id != change.entity_id:
            raise Rejected("the entry does not match the change it came in")
        case = self._writable_case(entry.case_id)
        existing = self.work_log.get(entry.id)
        if existing is not None and existing["case_id"] != case["id"]:
            raise Forbidden(NOT_YOURS)
        problem = misdated(entry.date, allocated_on=_day(case["allocated_on"]), today=latest_today(self.now))
        if problem:
            raise Rejected(problem)
        if entry.answers is not None:
            asked = self.work_log.get(entry.answers)
            request = asked is not None and asked["entry"]["action"] == AgencyAction.INFO_REQUESTED
            if not request or asked["case_id"] != case["id"]:
                raise Rejected("the request it answers is not an information request of this case")
        recorded_by = existing["entry"]["recorded_by"] if existing is not None else self.author
        stored = entry.model_copy(update={"recorded_by": recorded_by}).model_dump(mode="json")
        if existing is not None and existing["entry"] == stored:
            return ChangeOutcome.DUPLICATE
        row = {
            "id": entry.id,
            "case_id": case["id"],
            "date": entry.date,
            "kind": entry.kind.value,
            "entry": stored,
            "author": self.author,
            "device_id": self.author_device,
            "created_at": existing["created_at"] if existing is not None else change.at,
            "updated_at": max(change.at, existing["updated_at"]) if existing is not None else change.at,
            "received_at": self.now,
        }
        if existing is None:
            self.work_log[entry.id] = row
            self.new["work_log"].add(entry.id)
        else:
            existing.update(row)
            self._mark("work_log", entry.id)
        return ChangeOutcome.APPLIED

    def send_back(self, change: Incoming) -> None:
        """After a rejected change, give the central version of what it touched a new sequence number, so the
        device pulls it and does not keep a version the central store refused."""
        entity, entity_id = (
            (change.envelope.entity, change.envelope.entity_id)
            if isinstance(change, Unparsed)
            else (change.entity, change.entity_id)
        )
        if isinstance(change, ReviewAgreeStrategy):  # a refused agreement: the supervisor gets the strategy back
            case = self.cases.get(change.payload.case_id)
            if case is not None and self.role is Role.SUPERVISOR and case["site"] in self.device.user.sites:
                self._mark("cases", case["id"])
            return
        conflict = self.conflicts.get(entity_id) if entity == Entity.CONFLICT else None
        if conflict is not None:  # a refused resolution: the device gets the conflict back, still open
            visible = self.cases.get(conflict["case_id"])
            if visible is not None and (
                visible["case_manager"] == self.user
                or (self.role is Role.SUPERVISOR and visible["site"] in self.device.user.sites)
            ):
                self._mark("conflicts", conflict["id"])
                self._mark("cases", visible["id"])
            return
        entry = self.work_log.get(entity_id) if entity == Entity.WORK_LOG else None
        if entity == Entity.WORK_LOG:
            case = self.cases.get(entry["case_id"]) if entry is not None else None
            if entry is None or case is None or case["case_manager"] != self.user:
                self.refused.add(entity_id)
                return
            self._mark("work_log", entity_id)  # the central version goes back to the device
            self._mark("cases", case["id"])
            return
        assessment = self.assessments.get(entity_id) if entity == Entity.ASSESSMENT else None
        case_id = assessment["case_id"] if assessment is not None else entity_id
        case = self.cases.get(case_id)
        if case is None or case["case_manager"] != self.user:
            self.refused.add(entity_id)
            return  # not this user's to see: nothing is sent back
        if assessment is not None:
            self._mark("assessments", assessment["id"])
        else:
            self.refused.add(entity_id)
        self._mark("cases", case_id)

    def _mark(self, kind: str, entity_id: str) -> None:
        if entity_id not in self.new[kind]:
            self.dirty[kind].add(entity_id)

    reviews_known: dict[str, str] = field(default_factory=dict)
    """Review id → the assessment it signs off, for the reviews the batch names that the store already holds."""


SUPERVISORS_CHANGES = (ReviewSignOff, ReviewAgreeStrategy, ConflictResolve)
"""All a supervisor's device may send: sign-offs and returns, strategies agreed, held work settled."""

_HANDLERS = {
    CaseCreate: Work._case_create,
    CaseUpdate: Work._case_update,
    CaseAddVictim: Work._case_add_victim,
    AssessmentStart: Work._assessment_start,
    AssessmentAnswer: Work._assessment_answer,
    AssessmentSubmit: Work._assessment_submit,
    AssessmentImport: Work._assessment_import,
    AssessmentAmend: Work._assessment_amend,
    ReviewSignOff: Work._review_sign_off,
    ConflictResolve: Work._conflict_resolve,
    WorkLogRecord: Work._work_log_record,
    CaseSetStrategy: Work._case_set_strategy,
    ReviewAgreeStrategy: Work._review_agree_strategy,
}


def _reason(exc: BaseException) -> str:
    """Why a change does not fit, in words that never repeat what it held."""
    if isinstance(exc, ValidationError):
        return "invalid: " + "; ".join(
            sorted(
                {f"{'.'.join(map(place, e['loc'])) or 'value'}: {e['type']}" for e in exc.errors(include_input=False)}
            )[:20]
        )
    if isinstance(exc, AnswerError):
        return f"invalid answer to {place(exc.answer_id)}"
    if isinstance(exc, KeyError):
        return f"missing or unknown {place(exc.args[0]) if exc.args else 'field'}"
    return f"invalid: {type(exc).__name__}"


def _profile(case: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy({key: case[key] for key in _PROFILE_KEYS}) | {
        "allocated_on": _iso(case["allocated_on"]),
        "closed_on": _iso(case["closed_on"]),
    }


def _strategy(case: dict[str, Any]) -> ContactStrategy:
    stored = case.get("contact_strategy")
    return ContactStrategy() if stored is None else ContactStrategy.model_validate(stored)


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _iso(value: date | str | None) -> str | None:
    return value.isoformat() if isinstance(value, date) else value


def _get_path(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node: Any = _get_path(data, ".".join(parts[:-1])) if len(parts) > 1 else data
    if isinstance(node, list):
        node[int(parts[-1])] = value
    else:
        if parts[-1] not in node:
            raise KeyError(path)
        node[parts[-1]] = value
