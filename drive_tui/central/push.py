"""Applying a pushed batch of changes to the central store: in one transaction, once per change UUID.

The batch is applied in memory and written in bulk (one query to load what it touches, one ``executemany`` per
table to write), because a per-row ORM path is an order of magnitude slower than the database can ingest.

Rules, checked here for every change, whatever the device claims:
- a case manager writes only cases assigned to them (or cases they create, or — for work done before it moved —
  a case that was reassigned away from them); a supervisor only signs off or returns their team's assessments;
- a submitted assessment never changes; an amendment supersedes it and both are kept;
- a case profile merges field by field: a field another device already changed to a different value becomes an
  open conflict holding both values; the central value stays until someone resolves it.
A change that breaks an access rule refuses the whole batch (403, nothing stored); a change that cannot be applied
(invalid, refers to something unknown) is *rejected*: recorded with its payload for an administrator, not lost.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_json
from sqlalchemy import JSON, Connection, Engine, bindparam, select, update

from drive_tui.central import db
from drive_tui.central.people import Device, touch
from drive_tui.central.tables import AssessmentRow, CaseMoveRow, CaseRow, ChangeRow, ConflictRow, DeviceRow, ReviewRow
from drive_tui.domain.models import Assessment, CaseProfile
from drive_tui.forms.answers import validate_answers
from drive_tui.forms.catalogue import FormCatalogue
from drive_tui.sync.protocol import (
    Change,
    ChangeOutcome,
    ChangeResult,
    Operation,
    PushRequest,
    PushResponse,
    ReviewDecision,
    Role,
)

_cases = CaseRow.__table__  # type: ignore[attr-defined]
_assessments = AssessmentRow.__table__  # type: ignore[attr-defined]
_reviews = ReviewRow.__table__  # type: ignore[attr-defined]
_conflicts = ConflictRow.__table__  # type: ignore[attr-defined]
_moves = CaseMoveRow.__table__  # type: ignore[attr-defined]
_changes = ChangeRow.__table__  # type: ignore[attr-defined]
_devices = DeviceRow.__table__  # type: ignore[attr-defined]

_PROFILE_KEYS = ("reference", "site", "allocated_on", "case_manager", "service_user", "victims", "status", "closed_on")


class Forbidden(Exception):
    """A change this device's user may not make: the whole batch is refused."""


class Rejected(Exception):
    """A change that cannot be applied; kept, with this reason, for an administrator."""


@dataclass
class _Work:
    """What one batch touches, loaded once, changed in memory, written once."""

    device: Device
    forms: FormCatalogue
    now: datetime
    cases: dict[str, dict[str, Any]]
    assessments: dict[str, dict[str, Any]]
    conflicts: dict[str, dict[str, Any]]
    moved_away: dict[str, datetime]
    """Case id → when it was reassigned away from this user (their earlier work on it is still accepted)."""
    references: dict[tuple[str, str], str]
    """(site, reference) → case id, for the cases the batch creates: references are unique per site."""
    current: dict[tuple[str, str], str]
    """(case id, timepoint) → the submitted assessment there, to notice two submitted for one timepoint."""
    new: dict[str, set[str]] = field(default_factory=lambda: {"cases": set(), "assessments": set(), "conflicts": set()})
    dirty: dict[str, set[str]] = field(default_factory=lambda: {"cases": set(), "assessments": set(),
                                                                 "conflicts": set()})
    reviews: list[dict[str, Any]] = field(default_factory=list)

    @property
    def user(self) -> str:
        return self.device.user.username

    # -- access ---------------------------------------------------------------------------------------------

    def _writable_case(self, case_id: str, change: Change) -> dict[str, Any]:
        case = self.cases.get(case_id)
        if case is None:
            raise Rejected("the case is not known to the central store")
        if self.device.user.role is not Role.CASE_MANAGER:
            raise Forbidden("only the case manager of a case can change it")
        if case["case_manager"] != self.user:
            moved = self.moved_away.get(case_id)
            if moved is None or change.at >= moved:
                raise Forbidden("this case is assigned to another case manager")
        return case

    # -- changes --------------------------------------------------------------------------------------------

    def apply(self, change: Change) -> ChangeOutcome:
        if self.device.user.role is Role.SUPERVISOR and change.op is not Operation.REVIEW_SIGN_OFF:
            raise Forbidden("a supervisor's device may only sign off or return assessments")
        if self.device.user.role is Role.ADMINISTRATOR:
            raise Forbidden("an administrator's device holds no case data")
        try:
            return _HANDLERS[change.op](self, change)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError, ValidationError) as exc:
            raise Rejected(_reason(exc)) from None  # a malformed payload is kept for an administrator, not a 500

    def _case_create(self, change: Change) -> ChangeOutcome:
        if self.device.user.role is not Role.CASE_MANAGER:
            raise Forbidden("only a case manager creates cases")
        if change.entity_id in self.cases:
            return ChangeOutcome.DUPLICATE
        profile = CaseProfile.model_validate({**change.payload["profile"], "case_manager": self.user})
        data = profile.model_dump(mode="json")
        if (profile.site, profile.reference) in self.references:
            raise Rejected(f"a case with reference {profile.reference} already exists at {profile.site}")
        self.references[(profile.site, profile.reference)] = change.entity_id
        self.cases[change.entity_id] = {
            "id": change.entity_id, **data, "allocated_on": profile.allocated_on, "closed_on": profile.closed_on,
            "created_at": change.at, "updated_at": change.at,
        }
        self.new["cases"].add(change.entity_id)
        return ChangeOutcome.APPLIED

    def _case_update(self, change: Change) -> ChangeOutcome:
        case = self._writable_case(change.entity_id, change)
        merged = _profile(case)
        outcome = ChangeOutcome.DUPLICATE
        for path, values in change.payload["changes"].items():
            if path.split(".")[0] == "case_manager":
                raise Rejected("cases are assigned centrally: case_manager cannot be changed from a device")
            current = _get_path(merged, path)
            if current == values["new"]:
                continue
            if current == values["old"]:
                _set_path(merged, path, values["new"])
                outcome = ChangeOutcome.APPLIED if outcome is ChangeOutcome.DUPLICATE else outcome
            else:
                self._open_conflict(case["id"], path, current, values["new"], change)
                outcome = ChangeOutcome.CONFLICT
        self._store_profile(case, merged, change.at)
        return outcome

    def _case_add_victim(self, change: Change) -> ChangeOutcome:
        case = self._writable_case(change.entity_id, change)
        merged = _profile(case)
        merged["victims"].append(change.payload["victim"])
        self._store_profile(case, merged, change.at)
        return ChangeOutcome.APPLIED

    def _store_profile(self, case: dict[str, Any], merged: dict[str, Any], at: datetime) -> None:
        profile = CaseProfile.model_validate(merged)
        data = profile.model_dump(mode="json")
        case.update(data, allocated_on=profile.allocated_on, closed_on=profile.closed_on, updated_at=max(at, case["updated_at"]))
        self._mark("cases", case["id"])

    def _open_conflict(self, case_id: str, path: str, current: Any, incoming: Any, change: Change) -> None:
        conflict_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{change.change_id}/{path}"))
        self.conflicts[conflict_id] = {
            "id": conflict_id, "case_id": case_id, "field": path, "central_value": current, "incoming_value": incoming,
            "incoming_author": self.user, "incoming_change_id": change.change_id, "opened_at": self.now,
            "resolved_at": None, "resolved_by": None, "resolution": None,
        }
        self.new["conflicts"].add(conflict_id)
        self._mark("cases", case_id)

    def _conflict_resolve(self, change: Change) -> ChangeOutcome:
        conflict = self.conflicts.get(change.entity_id)
        if conflict is None:
            raise Rejected("the conflict is not known to the central store")
        case = self._writable_case(conflict["case_id"], change)
        if conflict["resolved_at"] is not None:
            return ChangeOutcome.DUPLICATE
        merged = _profile(case)
        _set_path(merged, conflict["field"], change.payload["value"])
        self._store_profile(case, merged, change.at)
        conflict.update(resolved_at=change.at, resolved_by=self.user, resolution=change.payload["value"])
        self._mark("conflicts", conflict["id"])
        return ChangeOutcome.APPLIED

    def _assessment_case(self, change: Change) -> dict[str, Any]:
        existing = self.assessments.get(change.entity_id)
        if existing is not None:
            case_id = existing["case_id"]
        elif "assessment" in change.payload:
            case_id = change.payload["assessment"]["case_id"]
        elif "supersedes" in change.payload:
            original = self.assessments.get(change.payload["supersedes"])
            if original is None:
                raise Rejected("the assessment it amends is not known to the central store")
            case_id = original["case_id"]
        else:
            case_id = change.payload["case_id"]
        return self._writable_case(case_id, change)

    def _assessment_start(self, change: Change) -> ChangeOutcome:
        case = self._assessment_case(change)
        if change.entity_id in self.assessments:
            return ChangeOutcome.DUPLICATE
        payload = change.payload
        self.forms.get(payload["form_id"], int(payload["form_version"]))
        self._add_assessment(change, case_id=case["id"], timepoint=payload["timepoint"], form_id=payload["form_id"],
                             form_version=int(payload["form_version"]), answers={}, supersedes=None)
        return ChangeOutcome.APPLIED

    def _assessment_amend(self, change: Change) -> ChangeOutcome:
        self._assessment_case(change)
        if change.entity_id in self.assessments:
            return ChangeOutcome.DUPLICATE
        original = self.assessments[change.payload["supersedes"]]
        self._add_assessment(change, case_id=original["case_id"], timepoint=original["timepoint"],
                             form_id=original["form_id"], form_version=original["form_version"],
                             answers=dict(change.payload["answers"]), supersedes=original["id"],
                             completed_on=original["completed_on"])
        return ChangeOutcome.APPLIED

    def _add_assessment(self, change: Change, **values: Any) -> None:
        self.assessments[change.entity_id] = {
            "id": change.entity_id, "status": "draft", "author": self.user, "device_id": self.device.id,
            "created_at": change.at, "updated_at": change.at, "submitted_at": None, "completed_on": None, **values,
        }
        self.new["assessments"].add(change.entity_id)

    def _assessment_answer(self, change: Change) -> ChangeOutcome:
        self._assessment_case(change)
        row = self.assessments.get(change.entity_id)
        if row is None:
            raise Rejected("the assessment is not known to the central store")
        if row["status"] != "draft":
            return ChangeOutcome.DUPLICATE  # an answer saved before the submit that is already here
        answers = dict(row["answers"])
        answer_id, value = change.payload["answer_id"], change.payload["value"]
        if value is None:
            answers.pop(answer_id, None)
        else:
            answers[answer_id] = value
        row.update(answers=answers, updated_at=max(change.at, row["updated_at"]))
        self._mark("assessments", row["id"])
        return ChangeOutcome.APPLIED

    def _assessment_submit(self, change: Change) -> ChangeOutcome:
        case = self._assessment_case(change)
        # The answers are checked against their form, field by field, below: stricter than the model's types, and
        # checking them twice was a tenth of applying a push.
        answers = change.payload["assessment"].get("answers")
        if not isinstance(answers, dict):
            raise ValueError("the answers are not a mapping")
        incoming = Assessment.model_validate({**change.payload["assessment"], "answers": {}})
        if incoming.id != change.entity_id or incoming.case_id != case["id"] or incoming.is_draft:
            raise ValueError("the submitted assessment does not match the change it came in")
        existing = self.assessments.get(incoming.id)
        if existing is not None and existing["status"] != "draft":
            return ChangeOutcome.DUPLICATE
        form = self.forms.get(incoming.form_id, incoming.form_version)
        checked = validate_answers(form, answers, hidden="reject")
        if not checked.ok:
            raise Rejected(f"the answers do not satisfy form {form.id} v{form.version} "
                           f"({len(checked.problems)} wrong, {len(checked.missing)} missing)")
        outcome = ChangeOutcome.APPLIED
        if incoming.supersedes is not None:
            original = self.assessments.get(incoming.supersedes)
            if original is None:
                raise Rejected("the assessment it amends is not known to the central store")
            if original["status"] == "submitted":
                original["status"] = "amended"
                self._mark("assessments", original["id"])
        slot = (incoming.case_id, incoming.timepoint.value)
        other = self.assessments.get(self.current.get(slot, ""))
        if other is not None and other["status"] == "submitted" and other["id"] != incoming.id:
            # Two submitted assessments for one timepoint (a case worked on two devices): keep both, the later
            # current, and show it as a conflict for a person to check.
            other["status"] = "amended"
            self._mark("assessments", other["id"])
            self._open_conflict(case["id"], f"assessment.{incoming.timepoint.value}", other["id"], incoming.id, change)
            outcome = ChangeOutcome.CONFLICT
        self.current[slot] = incoming.id
        record = incoming.model_dump()
        record.update(answers=checked.answers, timepoint=incoming.timepoint.value, status=incoming.status.value)
        if existing is None:
            self.assessments[incoming.id] = record
            self.new["assessments"].add(incoming.id)
        else:
            existing.update(record)
            self._mark("assessments", incoming.id)
        return outcome

    _assessment_import = _assessment_submit

    def _review_sign_off(self, change: Change) -> ChangeOutcome:
        if self.device.user.role is not Role.SUPERVISOR:
            raise Forbidden("only a supervisor signs off assessments")
        assessment = self.assessments.get(change.payload["assessment_id"])
        if assessment is None:
            raise Rejected("the assessment is not known to the central store")
        case = self.cases[assessment["case_id"]]
        if case["site"] not in self.device.user.sites:
            raise Forbidden("this case is not in the supervisor's team")
        if assessment["status"] == "draft":
            raise Rejected("only a submitted assessment can be signed off")
        if any(r["id"] == change.entity_id for r in self.reviews) or _review_exists(self._connection, change.entity_id):
            return ChangeOutcome.DUPLICATE
        decision = ReviewDecision(change.payload["decision"])
        comment = str(change.payload.get("comment") or "").strip()
        if decision is ReviewDecision.RETURNED and not comment:
            raise Rejected("a returned assessment needs a comment saying what to correct")
        self.reviews.append({"id": change.entity_id, "assessment_id": assessment["id"], "case_id": case["id"],
                             "reviewer": self.user, "decision": decision.value, "comment": comment[:4000],
                             "at": change.at})
        return ChangeOutcome.APPLIED

    def send_back(self, change: Change) -> None:
        """After a rejected change, give the central version of what it touched a new sequence number, so the
        device pulls it and does not keep a version the central store refused."""
        assessment = self.assessments.get(change.entity_id) if change.entity == "assessment" else None
        if assessment is not None:
            self._mark("assessments", assessment["id"])
        case_id = assessment["case_id"] if assessment is not None else change.entity_id
        if case_id in self.cases:
            self._mark("cases", case_id)

    def _mark(self, kind: str, entity_id: str) -> None:
        if entity_id not in self.new[kind]:
            self.dirty[kind].add(entity_id)

    _connection: Connection = field(init=False, repr=False)


_HANDLERS = {op: getattr(_Work, "_" + op.value.replace(".", "_")) for op in Operation}


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _without_nul(value: Any) -> Any:
    """``value`` with U+0000 replaced by U+FFFD, so that a rejected change can be kept for an administrator."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return "invalid: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False))
    if isinstance(exc, KeyError):
        return f"missing or unknown {exc.args[0]!s}"
    return f"invalid: {type(exc).__name__}"


def _profile(case: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy({key: case[key] for key in _PROFILE_KEYS}) | {
        "allocated_on": _iso(case["allocated_on"]), "closed_on": _iso(case["closed_on"])}


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


def _review_exists(connection: Connection, review_id: str) -> bool:
    return connection.execute(select(_reviews.c.id).where(_reviews.c.id == review_id)).first() is not None


def _load(connection: Connection, changes: list[Change], device: Device, forms: FormCatalogue, now: datetime) -> _Work:
    """Read everything the batch refers to, in as few queries as the data allows."""
    assessment_ids: set[str] = set()
    conflict_ids: set[str] = set()
    case_ids: set[str] = set()
    for change in changes:
        payload = change.payload
        if change.entity == "assessment":
            assessment_ids.add(change.entity_id)
            if isinstance(payload.get("supersedes"), str):
                assessment_ids.add(payload["supersedes"])
            inner = payload.get("assessment")
            if isinstance(inner, dict):
                case_ids.add(str(inner.get("case_id")))
                if isinstance(inner.get("supersedes"), str):
                    assessment_ids.add(inner["supersedes"])
            if isinstance(payload.get("case_id"), str):
                case_ids.add(payload["case_id"])
        elif change.entity == "review" and isinstance(payload.get("assessment_id"), str):
            assessment_ids.add(payload["assessment_id"])
        elif change.entity == "conflict":
            conflict_ids.add(change.entity_id)
        elif change.entity == "case":
            case_ids.add(change.entity_id)
    assessments = _rows_by_id(connection, _assessments, assessment_ids)
    conflicts = _rows_by_id(connection, _conflicts, conflict_ids)
    case_ids |= {row["case_id"] for row in assessments.values()} | {row["case_id"] for row in conflicts.values()}
    cases = _rows_by_id(connection, _cases, case_ids)
    # Other submitted assessments at the same timepoints, to notice two devices submitting one review.
    for condition in db.among(connection, _assessments.c.case_id, cases):
        query = select(_assessments).where(condition, _assessments.c.status == "submitted")
        for row in connection.execute(query).mappings():
            assessments.setdefault(row["id"], dict(row))
    moved_away: dict[str, datetime] = {}
    for condition in db.among(connection, _moves.c.case_id, cases):
        query = select(_moves.c.case_id, _moves.c.at).where(_moves.c.from_user == device.user.username, condition)
        moved_away.update({row.case_id: row.at for row in connection.execute(query)})
    references = {str(c.payload.get("profile", {}).get("reference")) for c in changes if c.op is Operation.CASE_CREATE
                  and isinstance(c.payload.get("profile"), dict)}
    taken: dict[tuple[str, str], str] = {}
    for condition in db.among(connection, _cases.c.reference, references):
        query = select(_cases.c.id, _cases.c.site, _cases.c.reference).where(condition)
        taken.update({(row.site, row.reference): row.id for row in connection.execute(query)})
    current = {(a["case_id"], a["timepoint"]): a["id"] for a in assessments.values() if a["status"] == "submitted"}
    work = _Work(device=device, forms=forms, now=now, cases=cases, assessments=assessments, conflicts=conflicts,
                 moved_away=moved_away, references=taken, current=current)
    work._connection = connection
    return work


def _rows_by_id(connection: Connection, table: Any, ids: set[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for condition in db.among(connection, table.c.id, ids):
        found.update({row["id"]: dict(row) for row in connection.execute(select(table).where(condition)).mappings()})
    return found


def _insert(connection: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """New rows in bulk: ``COPY`` on PostgreSQL (several times an ``executemany``), ``executemany`` on SQLite."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    from psycopg import sql

    names = list(rows[0])
    json_at = [i for i, name in enumerate(names) if isinstance(table.c[name].type, JSON)]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names)))
    values_of = itemgetter(*names)
    raw = connection.connection.driver_connection  # the same transaction as the rest of the batch
    with raw.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            values = list(values_of(row)) if len(names) > 1 else [row[names[0]]]
            for i in json_at:
                if values[i] is not None:  # JSON as text, which PostgreSQL parses; pydantic-core encodes it fast
                    values[i] = to_json(values[i]).decode()
            copy.write_row(values)


def _write(connection: Connection, work: _Work, now: datetime) -> None:
    """Give every new or changed row a sequence number and write each table with one executemany."""
    touched = sum(len(work.new[k]) + len(work.dirty[k]) for k in work.new) + len(work.reviews)
    if not touched:
        return
    seq = db.next_seqs(connection, touched, now=now)
    for kind, table, source in (("cases", _cases, work.cases), ("assessments", _assessments, work.assessments),
                                ("conflicts", _conflicts, work.conflicts)):
        inserts = []
        for entity_id in sorted(work.new[kind]):
            inserts.append({**source[entity_id], "seq": seq})
            seq += 1
        _insert(connection, table, inserts)
        updates = []
        for entity_id in sorted(work.dirty[kind]):
            row = {key: value for key, value in source[entity_id].items() if key != "id"}
            updates.append({**row, "seq": seq, "_id": entity_id})
            seq += 1
        if updates:
            columns = {key: bindparam(key) for key in updates[0] if key != "_id"}
            connection.execute(update(table).where(table.c.id == bindparam("_id")).values(columns), updates)
    if work.reviews:
        for review in work.reviews:
            review["seq"] = seq
            seq += 1
        _insert(connection, _reviews, work.reviews)


def apply_push(engine: Engine, device: Device, request: PushRequest, forms: FormCatalogue, *,
               nul_possible: bool = True) -> PushResponse:
    """Apply a batch in one transaction. Raises Forbidden (nothing stored) if any change breaks an access rule.

    A change whose text holds U+0000 is rejected: PostgreSQL cannot store it, and its refusal would quote the row
    in an error (case data in the server's log). ``nul_possible=False`` — the request's JSON has no ``\u0000``
    escape — spares looking through every payload."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        db.lock_head(connection)  # one writer at a time: a retried batch racing its original cannot apply twice
        ids = [change.change_id for change in request.changes]
        known = {change_id for condition in db.among(connection, _changes.c.change_id, ids)
                 for change_id in connection.execute(select(_changes.c.change_id).where(condition)).scalars()}
        fresh: list[Change] = []
        for change in request.changes:
            if change.change_id not in known:
                fresh.append(change)
                known.add(change.change_id)
        work = _load(connection, fresh, device, forms, now)
        results: dict[str, ChangeResult] = {}
        records = []
        for change in fresh:
            reason = None
            try:
                if nul_possible and _holds_nul(change.payload):
                    raise Rejected("text holds the NUL character (U+0000), which the central store cannot keep")
                outcome = work.apply(change)
            except Rejected as exc:
                outcome, reason = ChangeOutcome.REJECTED, str(exc)
                work.send_back(change)
            results[change.change_id] = ChangeResult(change_id=change.change_id, outcome=outcome, reason=reason)
            records.append({
                "change_id": change.change_id, "device_id": device.id, "user_id": device.user.id, "received_at": now,
                "made_at": change.at, "entity": change.entity, "entity_id": change.entity_id, "op": change.op.value,
                "outcome": outcome.value, "reason": reason,
                "payload": _without_nul(change.payload) if outcome is ChangeOutcome.REJECTED else None,
            })
        _write(connection, work, now)
        _insert(connection, _changes, records)
        touch(connection, device.id, synced=True, accepted=len(records))
        accepted = connection.execute(select(_devices.c.accepted_changes).where(_devices.c.id == device.id)).scalar_one()
    ordered = [results.get(cid) or ChangeResult(change_id=cid, outcome=ChangeOutcome.DUPLICATE) for cid in ids]
    return PushResponse(results=ordered, accepted_changes=accepted)
