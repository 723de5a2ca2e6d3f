"""A case's contact strategy in the local store: the case manager drafts the plan and marks an agreed one shared
with the Marac; the service manager (a supervisor's device) agrees it. Each is journalled and synced; the central
store applies the same rules (``ContactStrategy.revised`` and ``agreed_as``)."""

from __future__ import annotations

from drive_tui.domain.casework import NOTE_LENGTH, ContactStrategy, StrategyRefused
from drive_tui.domain.models import new_id
from drive_tui.domain.terms import Operation
from drive_tui.store.errors import Conflict, Invalid, NotFound
from drive_tui.store.form_drafts import draft_key, drop_draft, keep_draft, kept_draft
from drive_tui.store.journal import journal
from drive_tui.store.store import Tx
from drive_tui.store.tables import CaseRow


def strategy_of(tx: Tx, case_id: str) -> ContactStrategy | None:
    """The case's contact strategy, or None when none is drafted yet."""
    row = _case(tx, case_id)
    return None if row.contact_strategy is None else ContactStrategy.model_validate(row.contact_strategy)


def save_strategy(tx: Tx, case_id: str, plan: str, *, shared_with_marac: bool = False) -> ContactStrategy:
    """Save the plan (a changed plan is a draft again, to be agreed again), or mark an agreed one shared."""
    plan = plan.strip()
    if len(plan) > NOTE_LENGTH:
        raise Invalid(f"a contact strategy is at most {NOTE_LENGTH:,} characters")
    if any(ord(c) < 32 and c not in "\n\t" for c in plan):
        raise Invalid("a contact strategy holds lines of text, no other control characters")
    row = _case(tx, case_id)
    current = strategy_of(tx, case_id) or ContactStrategy()
    try:
        revised = current.revised(plan, shared_with_marac=shared_with_marac)
    except StrategyRefused as exc:
        raise Conflict(str(exc)) from None
    if row.contact_strategy is not None and revised == current:
        return revised
    row.contact_strategy, row.updated_at = revised.model_dump(mode="json"), tx.now
    tx.session.add(row)
    journal(
        tx,
        action=Operation.CASE_SET_STRATEGY,
        entity_id=case_id,
        payload={"plan": plan, "shared_with_marac": shared_with_marac},
        detail={"state": revised.state.value},
    )
    return revised


def agree_strategy(tx: Tx, case_id: str, digest: str) -> ContactStrategy:
    """Agree the case's strategy as a service manager: ``digest`` is the plan's as they read it."""
    if not tx.identity.may_sign_off:
        raise Conflict("a contact strategy is agreed by the service manager, on a supervisor's device")
    row = _case(tx, case_id)
    current = strategy_of(tx, case_id)
    if current is None:
        raise Conflict("this case has no contact strategy to agree yet")
    try:
        agreed = current.agreed_as(tx.identity.user, tx.today, digest)
    except StrategyRefused as exc:
        raise Conflict(str(exc)) from None
    if agreed == current:
        return agreed
    row.contact_strategy = agreed.model_dump(mode="json")
    tx.session.add(row)
    journal(
        tx,
        action=Operation.REVIEW_AGREE_STRATEGY,
        entity_id=new_id(),
        payload={"case_id": case_id, "plan_digest": digest},
        detail={"case_id": case_id},
    )
    return agreed


def _case(tx: Tx, case_id: str) -> CaseRow:
    row = tx.session.get(CaseRow, case_id)
    if row is None:
        raise NotFound(f"no case with id {case_id}")
    return row


def _plan_key(case_id: str) -> str:
    return draft_key(case_id, "strategy")


def keep_plan_draft(tx: Tx, case_id: str, plan: str) -> None:
    """Keep the plan as it is typed (``store.form_drafts``)."""
    keep_draft(tx, _plan_key(case_id), plan)


def plan_draft(tx: Tx, case_id: str) -> str | None:
    kept = kept_draft(tx, _plan_key(case_id))
    return kept if isinstance(kept, str) else None


def drop_plan_draft(tx: Tx, case_id: str) -> None:
    drop_draft(tx, _plan_key(case_id))
