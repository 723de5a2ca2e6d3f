"""What a case manager in a visit room trips over: answers readable without colour, the previous answer beside every
field, only the keys that apply in the footer, nothing sensitive on any screen in visit mode."""

from __future__ import annotations

from drive_tui.store.store import Store
from drive_tui.ui.screens.assessment import AssessmentScreen
from drive_tui.ui.screens.outcomes import OutcomesScreen
from drive_tui.ui.widgets.field_box import FieldBox
from tests.support.ui import open_test_case, screen_text, start_review


async def test_the_chosen_answer_is_marked_by_a_glyph_not_by_colour_alone(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_review(pilot)
        await pilot.press("right", "enter")  # contact made: No
        await pilot.pause()
        text = screen_text(app)
        assert "( )  Yes  (•)  No" in text  # (screen_text puts a space between differently styled runs)
        assert "▐●▌" not in text and "▐X▌" not in text  # Textual's own boxes: the same glyph either way
        screen = app.screen
        assert isinstance(screen, AssessmentScreen)
        await pilot.press("left", "enter")  # contact made: Yes — the types of contact appear, a tick list
        await pilot.pause()
        box = screen.query_one("#field-contact_types", FieldBox)
        box.query_one("SelectionList").focus()
        await pilot.press("down", "space")  # the second type ticked
        await pilot.pause()
        assert screen.assessment.answers["contact_types"]
        lines = [line.replace(" ", "") for line in screen_text(app).splitlines()]
        lines = [line for line in lines if "[x]" in line or "[]" in line]
        assert any("[x]" in line for line in lines) and any("[]" in line for line in lines)


async def test_a_choice_drawn_as_a_list_shows_the_previous_answer_too(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """Risk to children is a vertical list: the intake's answer (Medium) stands beside it, as for every field."""
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_review(pilot)
        box = app.screen.query_one("#field-risk_to_children", FieldBox)
        previous = box.query_one(".previous")
        assert str(previous.render()) == "was: Medium"
        box.scroll_visible(animate=False)
        await pilot.pause()
        assert previous.is_on_screen and previous.region.width >= len("was: Medium")


async def test_the_footer_offers_submit_for_a_draft_and_amend_for_a_submitted_one(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_test_case(pilot)
        await pilot.press("up", "enter")  # the submitted intake
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AssessmentScreen) and screen.read_only
        footer = screen_text(app).splitlines()[-1]
        assert "Amend" in footer and "Submit" not in footer
        await pilot.press("ctrl+s")  # not offered, and nothing happens
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("escape", "a")  # the 3-month review, a draft
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "Submit" in footer and "Amend" not in footer


async def test_the_outcome_analyses_are_not_drawn_in_visit_mode(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OutcomesScreen)
        assert "Severity" in screen_text(app) or "severity" in screen_text(app)
        await pilot.press("f2")
        await pilot.pause()
        text = screen_text(app)
        assert "hidden in visit mode" in text
        assert "everity" not in text and "Risk" not in text and "McNemar" not in text
