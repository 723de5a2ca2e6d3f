"""A case manager completes a review with the keyboard alone: open the case, start the 3-month review, answer
(the contact reason appears only after 'no contact'), submit, reopen read-only, amend. Drafts survive quitting."""

from __future__ import annotations

from textual import events

from drive_tui.config import Settings
from drive_tui.domain.vocab import AssessmentStatus, Timepoint
from drive_tui.store.assessments import case_history, current_assessments
from drive_tui.store.store import Store, unlock
from drive_tui.ui.screens.assessment import AssessmentScreen
from drive_tui.ui.screens.case import CaseScreen
from drive_tui.ui.screens.confirm import ConfirmScreen
from drive_tui.ui.widgets.field_box import FieldBox
from tests.support.data import PASSPHRASE
from tests.support.ui import (
    form_drawn,
    known_case_id,
    open_test_case,
    screen_text,
    start_review,
    visible_fields,
)


async def test_complete_a_review_with_the_keyboard_alone(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_review(pilot)
        screen = app.screen
        assert isinstance(screen, AssessmentScreen) and screen.assessment.timepoint is Timepoint.MONTH_3
        assert "no_contact_reason" not in visible_fields(app)
        assert "contact_types" not in visible_fields(app)
        await pilot.press("right", "enter")  # contact made: No
        await pilot.pause()
        assert "no_contact_reason" in visible_fields(app)
        assert "contact_types" not in visible_fields(app)
        await pilot.press("tab", "down", "enter")  # reason: on hold – CJS pending
        for _ in range(4):  # four needs: Yes
            await pilot.press("tab", "enter")
        for _ in range(4):  # the DVA grid, one row per type: None
            await pilot.press("tab", "enter")
        await pilot.press("tab", "enter", "tab", "enter")  # risk to victim, risk to children: Standard
        await pilot.press("tab", "enter")  # behaviour change work: Yes
        await pilot.pause()
        assert "Answered 13 of 13 required" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")  # Enter is No: a submit cannot be taken back
        await pilot.pause()
        assert isinstance(app.screen, AssessmentScreen) and not app.screen.read_only
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, AssessmentScreen) and app.screen.read_only
        assert "submitted — read-only" in screen_text(app)
    with populated.transaction() as tx:
        review = current_assessments(tx, known_case_id(populated))[Timepoint.MONTH_3]
    assert review.answers == {
        "contact_made": "no",
        "no_contact_reason": "on_hold_cjs_pending",
        "need_substance_misuse": "yes",
        "need_alcohol_misuse": "yes",
        "need_housing": "yes",
        "need_mental_health": "yes",
        "dva_physical": "none",
        "dva_sexual": "none",
        "dva_harassment_stalking": "none",
        "dva_jealousy_coercion": "none",
        "risk_to_victim": "standard",
        "risk_to_children": "standard",
        "behaviour_change_work": "yes",
    }


async def test_submit_lists_what_is_missing(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_review(pilot)
        await pilot.press("enter")  # contact made: Yes
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and not app.screen.can_confirm
        text = screen_text(app)
        assert "Not ready to submit" in text and "Type of contact: required" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AssessmentScreen) and not app.screen.read_only


async def test_reopen_read_only_and_amend(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        await pilot.press("up", "up", "up", "up", "enter")  # the intake row, submitted
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AssessmentScreen) and screen.read_only
        assert all(box.read_only for box in screen.query(FieldBox))
        await pilot.press("escape", "m")  # amend the intake from the case screen
        await pilot.pause()
        amendment = app.screen
        assert isinstance(amendment, AssessmentScreen) and not amendment.read_only
        assert amendment.assessment.supersedes is not None
        assert amendment.assessment.answers["need_housing"] == "not_known"
        assert app.focused is app.screen.query_one("#field-support_areas SelectionList")  # the first unanswered
        await pilot.press(*["shift+tab"] * 8)  # back over both risks, the four DVA rows and mental health
        assert app.focused is app.screen.query_one("#field-need_housing Choice")
        await pilot.press("up", "up", "enter")  # from 'Not known' up to 'Yes'
        await pilot.press("ctrl+s", "y")
        await pilot.pause()
    with populated.transaction() as tx:
        history = [a for a in case_history(tx, known_case_id(populated)) if a.timepoint is Timepoint.INTAKE]
    assert [a.status for a in history] == [AssessmentStatus.AMENDED, AssessmentStatus.SUBMITTED]
    assert history[0].answers["need_housing"] == "not_known" and history[1].answers["need_housing"] == "yes"


async def test_a_draft_survives_quitting_mid_form(populated: Store, settings: Settings, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_review(pilot)
        await pilot.press("enter")  # contact made: Yes
        app.screen.query_one("#field-notes TextArea").focus()
        await pilot.press(*"Seen on the wing")
        await pilot.press("ctrl+q")  # at once: the text is still inside its save pause
    populated.close()
    with unlock(settings, PASSPHRASE) as reopened, reopened.transaction() as tx:
        draft = next(a for a in case_history(tx, known_case_id(reopened)) if a.is_draft)
    assert draft.answers == {"contact_made": "yes", "notes": "Seen on the wing"}


async def test_leaving_and_coming_back_resumes_the_draft(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_review(pilot)
        await pilot.press("right", "enter", "tab")  # No; then on to the reason
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert "Draft" in screen_text(app)
        await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AssessmentScreen) and screen.assessment.answers == {"contact_made": "no"}
        focused = app.focused
        assert focused is not None and any(
            isinstance(node, FieldBox) and node.spec.id == "no_contact_reason" for node in focused.ancestors
        )


async def test_after_submitting_the_keys_still_work(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_review(pilot)
        await pilot.press("right", "enter", "tab", "enter", *["tab", "enter"] * 11, "ctrl+s")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, AssessmentScreen) and app.screen.read_only
        await pilot.press("pagedown")  # a read-only form scrolls from the keyboard
        await pilot.pause()
        assert app.screen.query_one("#form").scroll_y > 0
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        assert "Submitted" in screen_text(app)


async def test_keys_typed_ahead_land_where_the_screen_shows_them(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """A case manager who knows the form types 'a', Right, Enter, Tab, Down, Enter without waiting for the screen:
    the review opens, contact made is No, the reason that answer reveals is the one Tab went to, and focus stays
    there (it once jumped back to the first field when the screen's own focusing caught up)."""
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        for key, char in [("a", "a"), ("right", None), ("enter", "\r"), ("tab", "\t"), ("down", None), ("enter", "\r")]:
            app.post_message(events.Key(key, char))  # all at once: Pilot's press waits between keys
        await form_drawn(pilot)
        screen = app.screen
        assert isinstance(screen, AssessmentScreen)
        assert screen.assessment.answers == {"contact_made": "no", "no_contact_reason": "on_hold_cjs_pending"}
        assert app.focused is screen.query_one("#field-no_contact_reason Choice")


async def test_a_draft_resumed_in_a_later_section_opens_there_with_every_field_drawn(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """The form's sections up to the one where work resumes are drawn first, the rest after the first frame: the
    focused field is on screen from the first frame, and in the end every field is there, in the form's order."""
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_review(pilot)
        screen = app.screen
        assert isinstance(screen, AssessmentScreen)
        order = [box.spec.id for box in screen.query(FieldBox)]
        assert order == [spec.id for spec in screen.form.fields()]
        screen.query_one("#field-risk_to_victim Choice").focus()
        await pilot.press("escape", "a")  # leave and come back: resumes at risk to the victim
        screen = app.screen
        assert isinstance(screen, AssessmentScreen)
        focused = app.focused
        assert focused is screen.query_one("#field-risk_to_victim Choice")
        await form_drawn(pilot)
        assert [box.spec.id for box in screen.query(FieldBox)] == order
        assert app.focused is focused and focused.region.height > 0  # not moved, still in view


async def test_tab_straight_after_an_answer_goes_to_the_field_it_revealed(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """Right, Enter, Tab typed in one go on 'Contact made' (No): Tab lands on 'Reason for no contact', which the
    answer has just shown — not on the field after it (Textual orders Tab by the last layout, which that field
    did not have yet). And back: Left, Enter, Tab (Yes) lands on 'Type of contact'."""
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_review(pilot)
        screen = app.screen
        assert isinstance(screen, AssessmentScreen)
        for key, char in [("right", None), ("enter", "\r"), ("tab", "\t")]:
            app.post_message(events.Key(key, char))
        await pilot.pause()
        assert app.focused is screen.query_one("#field-no_contact_reason Choice")
        await pilot.press("shift+tab")
        for key, char in [("left", None), ("enter", "\r"), ("tab", "\t")]:
            app.post_message(events.Key(key, char))
        await pilot.pause()
        assert screen.assessment.answers["contact_made"] == "yes"
        assert app.focused is screen.query_one("#field-contact_types SelectionList")


async def test_up_and_down_move_between_the_rows_of_the_severity_grid(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """In the DVA grid, Left/Right go along a row's options and Down to the next behaviour, the cursor keeping its
    column (Down once moved along the row, and Enter changed the row above unseen)."""
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await start_review(pilot)
        screen = app.screen
        assert isinstance(screen, AssessmentScreen)
        screen.query_one("#field-dva_behaviour Choice").focus()
        await pilot.press("right", "right", "enter")  # Physical: Moderate
        await pilot.press("down", "right", "enter")  # Sexual: from Moderate's column, one on: High
        await pilot.press("down", "down", "left", "enter")  # Jealousy & coercion: back from High to Moderate
        await pilot.press("up", "enter")  # Harassment & stalking: the same column, Moderate
        assert {k: v for k, v in screen.assessment.answers.items() if k.startswith("dva_")} == {
            "dva_physical": "moderate",
            "dva_sexual": "high",
            "dva_jealousy_coercion": "moderate",
            "dva_harassment_stalking": "moderate",
        }
        await pilot.press("down", "down")  # past the last row: the next field
        focused = app.focused
        assert focused is not None and focused is screen.query_one("#field-risk_to_victim Choice")
