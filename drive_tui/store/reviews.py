"""Supervisors' sign-offs and returns, and resolving conflicts: records made on this device and synced."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import col, select

from drive_tui.domain.models import new_id
from drive_tui.domain.terms import Operation, ReviewDecision
from drive_tui.domain.vocab import AssessmentStatus
from drive_tui.store.cases import update_case
from drive_tui.store.errors import Conflict, Invalid, NotFound
from drive_tui.store.journal import journal
from drive_tui.store.store import Tx
from drive_tui.store.tables import AssessmentRow, ConflictRow, ReviewRow

MAX_COMMENT = 4000
"""The longest comment the central store takes (``sync.protocol.Comment``)."""


def sign_off(tx: Tx, assessment_id: str, decision: ReviewDecision, comment: str = "") -> ReviewRow:
    """Mark a submitted assessment reviewed, or return it with a comment saying what to correct."""
    assessment = tx.session.get(AssessmentRow, assessment_id)
    if assessment is None:
        raise NotFound(f"no assessment with id {assessment_id}")
    if assessment.status == AssessmentStatus.DRAFT:
        raise Conflict("only a submitted assessment can be signed off")
    if decision not in {d.value for d in ReviewDecision}:
        raise Invalid(f"a decision is one of {', '.join(ReviewDecision)}")
    decision = ReviewDecision(decision)
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise Invalid(f"a comment is at most {MAX_COMMENT:,} characters")
    if decision is ReviewDecision.RETURNED and not comment:
        raise Invalid("a returned assessment needs a comment saying what to correct")
    review = ReviewRow(
        id=new_id(),
        assessment_id=assessment_id,
        case_id=assessment.case_id,
        reviewer=tx.identity.user,
        decision=decision,
        comment=comment,
        at=tx.now,
    )
    tx.session.add(review)
    tx.session.flush()
    journal(
        tx,
        action=Operation.REVIEW_SIGN_OFF,
        entity_id=review.id,
        payload={"assessment_id": assessment_id, "decision": decision, "comment": comment},
        detail={"assessment_id": assessment_id, "decision": decision},
    )
    return review


def reviews_of(tx: Tx, case_id: str) -> list[ReviewRow]:
    query = select(ReviewRow).where(ReviewRow.case_id == case_id).order_by(col(ReviewRow.at))
    return list(tx.session.exec(query))


HELD_PREFIX = "held."
"""A conflict whose field starts so holds a change the previous case manager's device made after the case moved:
accepting it (its incoming value) applies it centrally; keeping central discards it."""


def describe(conflict: ConflictRow) -> str:
    """One line saying what a conflict is about. Held work is named by what it changes, never by its values."""
    if not conflict.field.startswith(HELD_PREFIX):
        return (
            f"{conflict.field}: central {json.dumps(conflict.central_value)} / {conflict.incoming_author} "
            f"{json.dumps(conflict.incoming_value)}"
        )
    change = (conflict.incoming_value or {}).get("change", {})
    payload = change.get("payload", {})
    what = sorted(payload.get("changes", {})) or [
        payload.get("answer_id") or payload.get("timepoint") or (payload.get("assessment") or {}).get("timepoint") or ""
    ]
    return (
        f"held work from {conflict.incoming_author} after the case moved: {change.get('op')} "
        f"{', '.join(w for w in what if w)} (made {str(change.get('at', ''))[:10]}) — keep incoming to accept, "
        "central to discard"
    )


def open_conflicts(tx: Tx, case_id: str | None = None) -> list[ConflictRow]:
    query = select(ConflictRow).where(col(ConflictRow.resolved_at).is_(None))
    if case_id is not None:
        query = query.where(ConflictRow.case_id == case_id)
    return list(tx.session.exec(query.order_by(col(ConflictRow.opened_at))))


def resolve_conflict(tx: Tx, conflict_id: str, value: Any) -> ConflictRow:
    """Choose the value of a conflicting case field: this device's case changes now, the central one on sync."""
    conflict = tx.session.get(ConflictRow, conflict_id)
    if conflict is None:
        raise NotFound(f"no conflict with id {conflict_id}")
    if conflict.resolved_at is not None:
        raise Conflict("this conflict is already resolved")
    if conflict.field.startswith("assessment."):
        raise Conflict("two submitted assessments for one timepoint: amend the current one if it is wrong")
    if conflict.field.startswith(HELD_PREFIX):
        if value not in (conflict.central_value, conflict.incoming_value):
            raise Conflict(
                "work held for this case is accepted (keep incoming) or discarded (keep central), not edited"
            )
    elif tx.identity.read_only:
        raise Conflict("this is a supervisor's device: the case manager settles a case's conflicting fields")
    else:
        update_case(tx, conflict.case_id, {conflict.field: value}, journalled=False)
    conflict.resolved_at, conflict.resolved_by, conflict.resolution = tx.now, tx.identity.user, value
    tx.session.add(conflict)
    journal(
        tx,
        action=Operation.CONFLICT_RESOLVE,
        entity_id=conflict_id,
        payload={"case_id": conflict.case_id, "value": value},
        detail={"field": conflict.field},
    )
    return conflict
