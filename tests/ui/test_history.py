"""The history screen: answers side by side across timepoints, a severity increase marked, an amendment shown
with what it replaced, sign-offs listed; visit mode leaves out the sensitive rows, the chart and comments."""

from __future__ import annotations

from datetime import date

from drive_tui.domain.vocab import Timepoint
from drive_tui.store.assessments import (
    amend_assessment,
    current_assessments,
    save_draft_answer,
    start_assessment,
    submit_assessment,
)
from drive_tui.store.cases import find_case
from drive_tui.store.reviews import sign_off
from drive_tui.store.store import Store
from drive_tui.ui.screens.history import HistoryScreen
from tests.support.data import INTAKE_COMPLETE
from tests.support.ui import screen_text

REVIEW = INTAKE_COMPLETE | {
    "dva_sexual": "moderate",
    "risk_to_victim": "medium",
    "behaviour_change_work": "yes",
    "support_areas": ["housing"],
}


def _reviewed_case(store: Store) -> str:
    """TEST-0001: intake (sexual: none) amended to correct the alcohol need, then a 3-month review (sexual:
    moderate), returned with a comment (the store's sign-off, as a supervisor's device would record it)."""
    with store.transaction() as tx:
        case = find_case(tx, site="Essex", reference="TEST-0001")
        assert case is not None
        original = current_assessments(tx, case.id)[Timepoint.INTAKE]
        amendment = amend_assessment(tx, original.id)
        save_draft_answer(tx, amendment.id, "need_alcohol_misuse", "no")
        submit_assessment(tx, amendment.id)
        review = start_assessment(tx, case.id, Timepoint.MONTH_3)
        for answer_id, value in REVIEW.items():
            save_draft_answer(tx, review.id, answer_id, value)
        submitted = submit_assessment(tx, review.id, completed_on=date(2026, 11, 22)).assessment
        sign_off(tx, submitted.id, "returned", "Please check the contact setting")
        return case.id


async def test_history_marks_a_severity_increase_and_an_amendment(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    case_id = _reviewed_case(populated)
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.push_screen(HistoryScreen(case_id))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HistoryScreen) and screen.history is not None
        sexual = next(r for r in screen.history.rows if r.answer_id == "dva_sexual")
        assert [c.text for c in sexual.cells] == ["None", "Moderate"] and sexual.cells[1].change == "up"
        alcohol = next(r for r in screen.history.rows if r.answer_id == "need_alcohol_misuse")
        assert alcohol.cells[0].text == "No" and alcohol.cells[0].was == "Yes"
        text = " ".join(screen_text(app).split())
        assert "Moderate ▲" in text and "(was Yes)" in text and "Intake (amended)" in text
        assert "returned by cm1" in text and "Please check the contact setting" in text
        assert "Risk to victim" in text and "Over time" in text

        await pilot.press("f2")  # visit mode
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "VISIT MODE" in text
        assert "Moderate ▲" not in text and "Risk to victim" not in text and "Over time" not in text
        assert "Please check the contact setting" not in text
        assert "Alcohol" in text  # needs are not sensitive: still shown
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HistoryScreen)


async def test_history_opens_from_the_case_screen_with_h(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"TEST-0001", "enter")
        await pilot.pause()
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        assert "History of case TEST-0001" in screen_text(app)
