"""Operations on the store: cases, drafts, submit, amend, immutability, outbox and the audit chain."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from drive_tui.config import Settings
from drive_tui.domain.schedule import SlotState
from drive_tui.domain.vocab import AssessmentStatus, CaseStatus, Timepoint
from drive_tui.forms.catalogue import builtin_forms_dir
from drive_tui.store.assessments import (
    amend_assessment,
    case_history,
    current_assessments,
    get_assessment,
    save_draft_answer,
    start_assessment,
    submit_assessment,
)
from drive_tui.store.caseload import caseload
from drive_tui.store.cases import add_victim, create_case, get_case, update_case
from drive_tui.store.errors import Conflict, Invalid
from drive_tui.store.journal import pending_changes, verify_chain
from drive_tui.store.store import Store, unlock
from drive_tui.store.tables import AuditRow, OutboxRow
from tests.support.data import INTAKE_COMPLETE, PASSPHRASE, profile


def make_case(store: Store, **overrides: object) -> str:
    with store.transaction() as tx:
        return create_case(tx, profile(**overrides)).id


def answer_all(store: Store, assessment_id: str, answers: dict) -> None:
    for answer_id, value in answers.items():
        with store.transaction() as tx:
            save_draft_answer(tx, assessment_id, answer_id, value)


def submitted_intake(store: Store, case_id: str) -> str:
    with store.transaction() as tx:
        draft = start_assessment(tx, case_id, Timepoint.INTAKE)
    answer_all(store, draft.id, INTAKE_COMPLETE)
    with store.transaction() as tx:
        return submit_assessment(tx, draft.id, completed_on=date(2026, 1, 10)).assessment.id


def test_case_references_are_unique_per_site(store: Store) -> None:
    make_case(store)
    with pytest.raises(Conflict, match="already exists"):
        make_case(store)
    make_case(store, site="South Wales")


def test_update_case_field_by_field_with_validation(store: Store) -> None:
    case_id = make_case(store)
    with store.transaction() as tx:
        case = update_case(tx, case_id, {"service_user.age": 41, "victims.0.idva_engaged": False})
    assert case.service_user.age == 41 and case.victims[0].idva_engaged is False
    with pytest.raises(Invalid) as caught, store.transaction() as tx:
        update_case(tx, case_id, {"service_user.age": 400})
    assert "service_user.age" in caught.value.problems[0]
    with pytest.raises(Invalid, match="unknown case field"), store.transaction() as tx:
        update_case(tx, case_id, {"service_user.shoe_size": 9})
    with pytest.raises(Invalid), store.transaction() as tx:
        update_case(tx, case_id, {"status": "closed"})  # closed needs a closing date
    with store.transaction() as tx:
        assert get_case(tx, case_id).service_user.age == 41
        add_victim(tx, case_id, {"relationship": "family_minor", "age": 15})
        assert len(get_case(tx, case_id).victims) == 2


def test_a_draft_answer_is_durable_and_resumes(store: Store, settings: Settings) -> None:
    case_id = make_case(store)
    with store.transaction() as tx:
        draft = start_assessment(tx, case_id, Timepoint.INTAKE)
    answer_all(store, draft.id, {"contact_made": "no", "need_housing": "yes"})
    store.close()
    with unlock(settings, PASSPHRASE) as reopened, reopened.transaction() as tx:
        resumed = start_assessment(tx, case_id, Timepoint.INTAKE)
        assert resumed.id == draft.id
        assert resumed.answers == {"contact_made": "no", "need_housing": "yes"}


def test_clearing_an_answer_and_refusing_bad_ones(store: Store) -> None:
    case_id = make_case(store)
    with store.transaction() as tx:
        draft = start_assessment(tx, case_id, Timepoint.INTAKE)
    answer_all(store, draft.id, {"need_housing": "yes"})
    with store.transaction() as tx:
        assert save_draft_answer(tx, draft.id, "need_housing", None).answers == {}
    with pytest.raises(Invalid, match="unknown code"), store.transaction() as tx:
        save_draft_answer(tx, draft.id, "need_housing", "perhaps")
    with store.transaction() as tx:
        assert get_assessment(tx, draft.id).answers == {}


def test_submit_lists_what_is_missing_and_changes_nothing(store: Store) -> None:
    case_id = make_case(store)
    with store.transaction() as tx:
        draft = start_assessment(tx, case_id, Timepoint.INTAKE)
    answer_all(store, draft.id, {"contact_made": "yes"})
    with pytest.raises(Invalid) as caught, store.transaction() as tx:
        submit_assessment(tx, draft.id)
    assert "contact_types: required" in caught.value.problems
    assert "risk_to_victim: required" in caught.value.problems
    with store.transaction() as tx:
        assert get_assessment(tx, draft.id).status is AssessmentStatus.DRAFT


def test_submit_drops_hidden_answers_and_says_so(store: Store) -> None:
    case_id = make_case(store)
    with store.transaction() as tx:
        draft = start_assessment(tx, case_id, Timepoint.INTAKE)
    answer_all(store, draft.id, {**INTAKE_COMPLETE})
    answer_all(store, draft.id, {"contact_made": "no"})  # changed their mind: contact types now hidden
    with store.transaction() as tx:
        result = submit_assessment(tx, draft.id)
    assert set(result.dropped) == {"contact_types", "contact_setting", "engagement"}
    assert "contact_types" not in result.assessment.answers
    assert result.assessment.status is AssessmentStatus.SUBMITTED


def test_a_submitted_assessment_is_immutable(store: Store) -> None:
    case_id = make_case(store)
    intake_id = submitted_intake(store, case_id)
    with pytest.raises(Conflict, match="amend"), store.transaction() as tx:
        save_draft_answer(tx, intake_id, "need_housing", "yes")
    with pytest.raises(Conflict, match="already submitted"), store.transaction() as tx:
        start_assessment(tx, case_id, Timepoint.INTAKE)
    # Even raw SQL cannot change or delete it: the database's triggers refuse.
    for statement in (
        "UPDATE assessments SET answers = '{}' WHERE id = :id",
        "UPDATE assessments SET status = 'draft' WHERE id = :id",
        "DELETE FROM assessments WHERE id = :id",
    ):
        with pytest.raises(IntegrityError, match="cannot be"), store.engine.begin() as connection:
            connection.execute(text(statement), {"id": intake_id})
    with store.transaction() as tx:
        assert get_assessment(tx, intake_id).answers == INTAKE_COMPLETE


def test_amend_keeps_both_and_supersedes(store: Store) -> None:
    case_id = make_case(store)
    original_id = submitted_intake(store, case_id)
    with store.transaction() as tx:
        amendment = amend_assessment(tx, original_id)
    assert amendment.answers == INTAKE_COMPLETE and amendment.supersedes == original_id
    with store.transaction() as tx:
        assert amend_assessment(tx, original_id).id == amendment.id  # resuming, not a second draft
    answer_all(store, amendment.id, {"risk_to_victim": "medium"})
    with store.transaction() as tx:
        submit_assessment(tx, amendment.id)
    with store.transaction() as tx:
        history = case_history(tx, case_id)
        current = current_assessments(tx, case_id)
    assert [(a.id, a.status) for a in history] == [
        (original_id, AssessmentStatus.AMENDED),
        (amendment.id, AssessmentStatus.SUBMITTED),
    ]
    assert history[0].answers["risk_to_victim"] == "high"  # the original is kept exactly as entered
    assert current[Timepoint.INTAKE].answers["risk_to_victim"] == "medium"
    assert current[Timepoint.INTAKE].completed_on == date(2026, 1, 10)
    with pytest.raises(Conflict), store.transaction() as tx:
        amend_assessment(tx, original_id)  # only the current version can be amended


def test_submitting_closure_closes_the_case_and_stops_new_assessments(store: Store) -> None:
    case_id = make_case(store)
    submitted_intake(store, case_id)
    with store.transaction() as tx:
        draft = start_assessment(tx, case_id, Timepoint.CLOSURE)
    answers = {
        **INTAKE_COMPLETE,
        "behaviour_change_work": "yes",
        "risk_change": "reduced_slightly",
        "closure_reason": "early_no_progress",
        "onward_referral": ["none"],
    }
    answer_all(store, draft.id, answers)
    with store.transaction() as tx:
        submit_assessment(tx, draft.id, completed_on=date(2026, 5, 1))
    with store.transaction() as tx:
        case = get_case(tx, case_id)
        assert case.status is CaseStatus.CLOSED and case.closed_on == date(2026, 5, 1)
        row = next(r for r in caseload(tx, today=date(2026, 12, 1)) if r.case.id == case_id)
        assert row.schedule.next is None and not row.is_overdue
        assert {s.timepoint: s.state for s in row.schedule.slots}[Timepoint.MONTH_6] is SlotState.NOT_DONE
    with pytest.raises(Conflict, match="closed"), store.transaction() as tx:
        start_assessment(tx, case_id, Timepoint.MONTH_6)


def test_caseload_shows_next_due_overdue_and_last_risk(store: Store) -> None:
    late = make_case(store, reference="LATE", allocated_on=date(2026, 1, 5))
    fresh = make_case(store, reference="FRESH", allocated_on=date(2026, 6, 20))
    submitted_intake(store, late)
    with store.transaction() as tx:
        rows = {r.case.reference: r for r in caseload(tx, today=date(2026, 7, 1))}
    assert rows["LATE"].schedule.next.timepoint is Timepoint.MONTH_3  # type: ignore[union-attr]
    assert [s.timepoint for s in rows["LATE"].schedule.overdue] == [Timepoint.MONTH_3]
    assert rows["LATE"].last_risk_to_victim == "high"
    assert rows["FRESH"].schedule.next.timepoint is Timepoint.INTAKE  # type: ignore[union-attr]
    assert not rows["FRESH"].is_overdue and rows["FRESH"].last_risk_to_victim is None
    assert fresh


def test_every_change_writes_an_outbox_row_and_an_audit_event(store: Store) -> None:
    case_id = make_case(store)
    with store.transaction() as tx:
        draft = start_assessment(tx, case_id, Timepoint.INTAKE)
    answer_all(store, draft.id, {"need_housing": "yes", "notes": "SECRET-NOTE"})
    with store.transaction() as tx:
        outbox = tx.session.exec(select(OutboxRow)).all()
        audit = tx.session.exec(select(AuditRow)).all()
        assert [row.op for row in outbox] == [
            "case.create",
            "assessment.start",
            "assessment.answer",
            "assessment.answer",
        ]
        assert [row.action for row in audit] == [row.op for row in outbox]
        assert len({row.change_id for row in outbox}) == 4
        assert pending_changes(tx.session) == 4
        assert "SECRET-NOTE" not in str([row.detail for row in audit])  # the audit names fields, not values
        assert verify_chain(tx.session).ok and verify_chain(tx.session).events == 4


def test_orm_and_plain_sql_writes_agree_within_one_transaction(store: Store) -> None:
    """A draft's answers and the journal are written in plain SQL, the rest through the ORM: in one transaction
    that starts an assessment, answers it, reads it back and submits it, every step sees the one before, the
    journal keeps its order and the audit chain (with its head) holds."""
    case_id = make_case(store)
    with store.transaction() as tx:
        draft = start_assessment(tx, case_id, Timepoint.INTAKE)
        for answer_id, value in INTAKE_COMPLETE.items():
            save_draft_answer(tx, draft.id, answer_id, value)
        assert get_assessment(tx, draft.id).answers == INTAKE_COMPLETE  # the ORM reads what SQL wrote
        submitted = submit_assessment(tx, draft.id).assessment
        assert submitted.answers == INTAKE_COMPLETE and submitted.status is AssessmentStatus.SUBMITTED
    with store.transaction() as tx:
        ops = [row.op for row in tx.session.exec(select(OutboxRow).order_by(OutboxRow.seq))]
        assert ops == ["case.create", "assessment.start", *["assessment.answer"] * len(INTAKE_COMPLETE), ops[-1]]
        assert ops[-1] == "assessment.submit"
        check = verify_chain(tx.session)
        assert check.ok and check.events == len(ops)
        assert get_assessment(tx, draft.id).answers == INTAKE_COMPLETE


def test_a_failed_change_writes_no_journal(store: Store) -> None:
    case_id = make_case(store)
    with pytest.raises(Invalid), store.transaction() as tx:
        update_case(tx, case_id, {"service_user.age": -3})
    with store.transaction() as tx:
        assert pending_changes(tx.session) == 1


def _tamper(store: Store, statement: str) -> None:
    """An attacker with the key edits the audit table directly (dropping the append-only triggers first)."""
    with store.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_no_update"))
        connection.execute(text("DROP TRIGGER audit_no_delete"))
        connection.execute(text(statement))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET actor = 'someone else' WHERE seq = 2",
        "DELETE FROM audit_events WHERE seq = 2",
        'UPDATE audit_events SET detail = \'{"field": "notes"}\' WHERE seq = 3',
        "DELETE FROM audit_events WHERE seq = (SELECT max(seq) FROM audit_events)",
    ],
)
def test_a_removed_or_altered_audit_event_is_detected(store: Store, statement: str) -> None:
    case_id = make_case(store)
    with store.transaction() as tx:
        draft = start_assessment(tx, case_id, Timepoint.INTAKE)
    answer_all(store, draft.id, {"need_housing": "yes", "need_mental_health": "no"})
    with pytest.raises(IntegrityError, match="append-only"), store.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    _tamper(store, statement)
    with store.transaction() as tx:
        check = verify_chain(tx.session)
    assert not check.ok and check.broken_at in (2, 3, 4)


def test_history_validates_against_the_form_version_it_was_made_with(
    tmp_path: Path, store: Store, settings: Settings
) -> None:
    case_id = make_case(store)
    intake_id = submitted_intake(store, case_id)
    with store.transaction() as tx:
        review_draft = start_assessment(tx, case_id, Timepoint.MONTH_3)
    answer_all(store, review_draft.id, {"need_housing": "no"})
    store.close()
    # A later release renames a code in the review form (a new version) and edits intake in place by mistake.
    forms = tmp_path / "forms"
    forms.mkdir()
    for path in builtin_forms_dir().glob("*.yaml"):
        (forms / path.name).write_text(path.read_text())
    review = forms / "review.yaml"
    later = review_draft.form_version + 1
    review.write_text(
        review.read_text()
        .replace(f"version: {review_draft.form_version}\n", f"version: {later}\n")
        .replace("label: Housing difficulties", "label: Housing")
    )
    newer = settings.with_changes(forms_dir=forms)
    with unlock(newer, PASSPHRASE) as reopened:
        with reopened.transaction() as tx:
            # the draft started on the review's version then still saves and submits against it
            assert save_draft_answer(tx, review_draft.id, "need_housing", "yes").form_version == later - 1
            assert get_assessment(tx, intake_id).form_version == 2
    intake = forms / "intake.yaml"
    intake.write_text(intake.read_text().replace("label: Housing difficulties", "label: Home"))
    case2 = None
    with unlock(newer, PASSPHRASE) as reopened:
        with reopened.transaction() as tx:
            case2 = create_case(tx, profile(reference="DRV-0002")).id
        with pytest.raises(Conflict, match="new version"), reopened.transaction() as tx:
            start_assessment(tx, case2, Timepoint.INTAKE)
