"""Assessments in the local store: start, save a draft answer, submit, amend, and a case's history.

A draft save is one small durable transaction per answer, so nothing typed is lost. Submission validates
against the form version the assessment was started with; afterwards the row is immutable (the database's
triggers refuse changes). An amendment is a new assessment that supersedes the old; both are kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import col, select

from drive_tui.domain.models import Assessment, new_id
from drive_tui.domain.terms import Operation
from drive_tui.domain.vocab import AssessmentStatus, CaseStatus, Timepoint
from drive_tui.forms.answers import AnswerError, check_one, validate_answers
from drive_tui.forms.spec import FormSpec
from drive_tui.sqltypes import sqlite_text
from drive_tui.store.cases import _get_row as _case_row
from drive_tui.store.errors import Conflict, Invalid, NotFound
from drive_tui.store.journal import expire, journal
from drive_tui.store.store import Tx
from drive_tui.store.tables import ASSESSMENT_FIELDS, AssessmentRow, FormSnapshot


def to_assessment(row: AssessmentRow) -> Assessment:
    return Assessment.model_validate(row.model_dump())


def form_for(tx: Tx, form_id: str, version: int) -> FormSpec:
    """The form an assessment was made with: this store's snapshot of it, which outlives later form changes."""
    cache = tx.form_snapshots
    key = (form_id, version)
    if key not in cache:
        snapshot = tx.session.get(FormSnapshot, key)
        if snapshot is not None:
            cache[key] = FormSpec.model_validate_json(snapshot.spec)
        else:
            cache[key] = tx.forms.get(form_id, version)
    return cache[key]


def _remember_form(tx: Tx, form: FormSpec) -> None:
    """Keep a snapshot of ``form``; refuse a form whose content changed without a new version."""
    snapshot = tx.session.get(FormSnapshot, (form.id, form.version))
    fingerprint = form.fingerprint()
    if snapshot is None:
        tx.session.add(
            FormSnapshot(form_id=form.id, version=form.version, fingerprint=fingerprint, spec=form.to_json())
        )
    elif snapshot.fingerprint != fingerprint:
        raise Conflict(
            f"form {form.id} v{form.version} differs from the v{form.version} this store already used: "
            "give the changed form a new version"
        )


def _get_row(tx: Tx, assessment_id: str) -> AssessmentRow:
    row = tx.session.get(AssessmentRow, assessment_id)
    if row is None:
        raise NotFound(f"no assessment with id {assessment_id}")
    return row


def get_assessment(tx: Tx, assessment_id: str) -> Assessment:
    return to_assessment(_get_row(tx, assessment_id))


def _rows_at(tx: Tx, case_id: str, timepoint: Timepoint) -> list[AssessmentRow]:
    query = select(AssessmentRow).where(AssessmentRow.case_id == case_id, AssessmentRow.timepoint == timepoint.value)
    return list(tx.session.exec(query))


def _new_row(
    tx: Tx,
    *,
    case_id: str,
    timepoint: str,
    form_id: str,
    form_version: int,
    answers: dict[str, Any],
    status: AssessmentStatus,
    **extra: Any,
) -> AssessmentRow:
    """A new assessment row by this device's user, timestamped with the transaction's time."""
    row = AssessmentRow(
        id=new_id(),
        case_id=case_id,
        timepoint=timepoint,
        form_id=form_id,
        form_version=form_version,
        answers=answers,
        status=status.value,
        author=tx.identity.user,
        device_id=tx.identity.device_id,
        created_at=tx.now,
        updated_at=tx.now,
        **extra,
    )
    tx.session.add(row)
    tx.session.flush()
    return row


def start_assessment(tx: Tx, case_id: str, timepoint: Timepoint) -> Assessment:
    """The draft for ``timepoint``: the one in progress if there is one, else a new one on the current form."""
    case = _case_row(tx, case_id)
    rows = _rows_at(tx, case_id, timepoint)
    for row in rows:
        if row.status == AssessmentStatus.DRAFT:
            return to_assessment(row)
    if any(row.status == AssessmentStatus.SUBMITTED for row in rows):
        raise Conflict(f"the {timepoint.label.lower()} assessment is already submitted: amend it to correct it")
    if case.status == CaseStatus.CLOSED:
        raise Conflict("the case is closed: no new assessments can be started")
    form = tx.forms.for_timepoint(timepoint)
    _remember_form(tx, form)
    row = _new_row(
        tx,
        case_id=case_id,
        timepoint=timepoint.value,
        form_id=form.id,
        form_version=form.version,
        answers={},
        status=AssessmentStatus.DRAFT,
    )
    journal(
        tx,
        action=Operation.ASSESSMENT_START,
        entity_id=row.id,
        payload={"case_id": case_id, "timepoint": timepoint.value, "form_id": form.id, "form_version": form.version},
    )
    return to_assessment(row)


_SELECT_ONE = f"SELECT {', '.join(ASSESSMENT_FIELDS)} FROM assessments WHERE id = ?"


def save_draft_answer(tx: Tx, assessment_id: str, answer_id: str, value: Any) -> Assessment:
    """Set (or, with ``value`` None, clear) one answer of a draft. Durable when the transaction commits.

    Every keystroke's answer comes here, so the row is read and written in plain SQL on the transaction's
    connection (as ``journal`` writes its rows): the ORM's get, autoflush and unit of work around one small
    update cost several times the durable commit. What the ORM holds of this transaction is flushed first and
    its copy of the row expired after, so ORM and SQL never disagree within a transaction.
    """
    tx.session.flush()
    found = tx.dbapi.execute(_SELECT_ONE, (assessment_id,)).fetchone()
    if found is None:
        raise NotFound(f"no assessment with id {assessment_id}")
    stored = dict(zip(ASSESSMENT_FIELDS, found, strict=True))
    if stored["status"] != AssessmentStatus.DRAFT:
        raise Conflict("this assessment is submitted and cannot change: amend it instead")
    form = form_for(tx, stored["form_id"], stored["form_version"])
    try:
        normalised = check_one(form, answer_id, value)
    except AnswerError as exc:
        raise Invalid(str(exc), [str(exc)], reason=exc.reason) from None
    answers = json.loads(stored["answers"])
    if normalised is None:
        answers.pop(answer_id, None)
    else:
        answers[answer_id] = normalised
    tx.dbapi.execute(
        "UPDATE assessments SET answers = ?, updated_at = ? WHERE id = ?",
        (json.dumps(answers), sqlite_text(tx.now), assessment_id),
    )
    expire(tx, AssessmentRow, assessment_id)
    journal(
        tx,
        action=Operation.ASSESSMENT_ANSWER,
        entity_id=assessment_id,
        payload={"answer_id": answer_id, "value": normalised},
        detail={"field": answer_id},
    )
    return Assessment.model_validate({**stored, "answers": answers, "updated_at": tx.now})


@dataclass(frozen=True, slots=True)
class Submitted:
    assessment: Assessment
    dropped: list[str]
    """Answers removed because their fields were hidden by the final answers (e.g. a contact type after 'no
    contact')."""


def submit_assessment(tx: Tx, assessment_id: str, *, completed_on: date | None = None) -> Submitted:
    """Validate the draft against its form and make it a submitted, immutable record.

    Raises Invalid listing every missing or wrong answer; nothing is changed then. Submitting the closure
    assessment closes the case; submitting an amendment marks the assessment it supersedes as amended.
    """
    row = _get_row(tx, assessment_id)
    if row.status != AssessmentStatus.DRAFT:
        raise Conflict("this assessment is already submitted")
    form = form_for(tx, row.form_id, row.form_version)
    checked = validate_answers(form, row.answers, hidden="drop")
    if not checked.ok:
        problems = [f"{answer_id}: required" for answer_id in checked.missing] + [str(p) for p in checked.problems]
        raise Invalid(f"the assessment cannot be submitted: {len(problems)} answer(s) missing or wrong", problems)
    case = _case_row(tx, row.case_id)
    done_on = completed_on or row.completed_on or tx.today
    if done_on < case.allocated_on:
        raise Invalid("the completion date is before the case was allocated", ["completed_on: before allocated_on"])
    if row.supersedes is not None:
        original = _get_row(tx, row.supersedes)
        original.status = AssessmentStatus.AMENDED.value
        tx.session.add(original)
        tx.session.flush()
    row.answers, row.status = checked.answers, AssessmentStatus.SUBMITTED.value
    row.submitted_at, row.updated_at, row.completed_on = tx.now, tx.now, done_on
    tx.session.add(row)
    tx.session.flush()
    journal(
        tx,
        action=Operation.ASSESSMENT_SUBMIT,
        entity_id=row.id,
        payload={"assessment": to_assessment(row).model_dump(mode="json")},
        detail={"dropped": checked.dropped, "supersedes": row.supersedes},
    )
    if row.timepoint == Timepoint.CLOSURE and case.status != CaseStatus.CLOSED:
        from drive_tui.store.cases import update_case

        update_case(tx, case.id, {"status": CaseStatus.CLOSED.value, "closed_on": done_on.isoformat()})
    return Submitted(assessment=to_assessment(row), dropped=checked.dropped)


def amend_assessment(tx: Tx, assessment_id: str) -> Assessment:
    """Start an amendment: a new draft with the same answers that will supersede ``assessment_id`` on submit."""
    original = _get_row(tx, assessment_id)
    if original.status != AssessmentStatus.SUBMITTED:
        raise Conflict("only the current submitted assessment can be amended")
    timepoint = Timepoint(original.timepoint)
    for row in _rows_at(tx, original.case_id, timepoint):
        if row.status == AssessmentStatus.DRAFT:
            if row.supersedes == assessment_id:
                return to_assessment(row)
            raise Conflict("a draft for this timepoint is already in progress")
    row = _new_row(
        tx,
        case_id=original.case_id,
        timepoint=original.timepoint,
        form_id=original.form_id,
        form_version=original.form_version,
        answers=dict(original.answers),
        status=AssessmentStatus.DRAFT,
        completed_on=original.completed_on,
        supersedes=assessment_id,
    )
    journal(
        tx,
        action=Operation.ASSESSMENT_AMEND,
        entity_id=row.id,
        payload={"supersedes": assessment_id, "answers": row.answers},
    )
    return to_assessment(row)


def case_history(tx: Tx, case_id: str) -> list[Assessment]:
    """Every assessment of the case, amended ones included, by timepoint and then by creation."""
    _case_row(tx, case_id)
    rows = tx.session.exec(select(AssessmentRow).where(AssessmentRow.case_id == case_id))
    items = [to_assessment(row) for row in rows]
    return sorted(items, key=lambda a: (a.timepoint.order, a.created_at))


def current_assessments(tx: Tx, case_id: str) -> dict[Timepoint, Assessment]:
    """The effective submitted assessment at each timepoint (amended ones left out)."""
    query = select(AssessmentRow).where(
        AssessmentRow.case_id == case_id, col(AssessmentRow.status) == AssessmentStatus.SUBMITTED.value
    )
    return {Timepoint(row.timepoint): to_assessment(row) for row in tx.session.exec(query)}


def record_submitted(
    tx: Tx, case_id: str, timepoint: Timepoint, form: FormSpec, answers: dict[str, Any], completed_on: date
) -> Assessment:
    """Store an assessment completed elsewhere (an import) directly as submitted. ``answers`` must be validated."""
    _remember_form(tx, form)
    row = _new_row(
        tx,
        case_id=case_id,
        timepoint=timepoint.value,
        form_id=form.id,
        form_version=form.version,
        answers=answers,
        status=AssessmentStatus.SUBMITTED,
        submitted_at=tx.now,
        completed_on=completed_on,
    )
    journal(
        tx,
        action=Operation.ASSESSMENT_IMPORT,
        entity_id=row.id,
        payload={"assessment": to_assessment(row).model_dump(mode="json")},
    )
    return to_assessment(row)
