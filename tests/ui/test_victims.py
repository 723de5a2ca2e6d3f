"""Victim/survivors in the app: added and edited from the case screen by keyboard alone, synced as the case's own
changes, and never drawn in visit mode — a form open when visit mode comes on closes, keeping what was typed."""

from __future__ import annotations

from drive_tui.domain.vocab import Ethnicity, Gender, Relationship
from drive_tui.store.cases import get_case
from drive_tui.store.form_drafts import draft_key, kept_draft
from drive_tui.store.journal import pending_changes
from drive_tui.store.store import Store
from drive_tui.ui.screens.case import CaseScreen
from drive_tui.ui.screens.victim_form import VictimFormScreen
from tests.support.data import PASSPHRASE
from tests.support.ui import known_case_id, open_test_case, screen_text


async def choose(pilot, option: str) -> None:  # type: ignore[no-untyped-def]
    """Open the focused Select, type to the option (Textual's type-ahead) and take it."""
    await pilot.press("enter", *option, "enter")


async def test_add_then_edit_a_victim_survivor_by_keyboard(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    case_id = known_case_id(populated)
    with populated.transaction() as tx:
        before = len(get_case(tx, case_id).victims)
        changes = pending_changes(tx.session)
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        await pilot.press("v")  # TEST-0001 has one: the list, then "+ Add another"
        await pilot.pause()
        await pilot.press("end", "enter")
        await pilot.pause()
        assert isinstance(app.screen, VictimFormScreen) and app.screen.index is None
        await choose(pilot, "Ex")  # relationship: Ex-partner
        await pilot.press("tab")
        await choose(pilot, "Wo")  # gender: Woman
        await pilot.press("tab", *"29", "tab")
        await choose(pilot, "White: E")  # ethnicity, an ONS 2011 category: White British
        await pilot.press("tab")
        await choose(pilot, "Y")  # engaged with an Idva: Yes
        await pilot.press("tab", *"Essex Idva Service", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        assert "2. Ex-partner, Woman, 29; Idva engaged" in screen_text(app)
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("end", "up", "enter")  # the one just added
        await pilot.pause()
        form = app.screen
        assert isinstance(form, VictimFormScreen) and form.index == before
        await pilot.press("tab", "tab", "backspace", "backspace", *"30", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
    with populated.transaction() as tx:
        victims = get_case(tx, case_id).victims
        assert len(victims) == before + 1
        added = victims[-1]
        assert (added.relationship, added.gender, added.age) == (Relationship.EX_PARTNER, Gender.WOMAN, 30)
        assert (added.ethnicity, added.idva_engaged, added.idva_service) == (
            Ethnicity.WHITE_BRITISH,
            True,
            "Essex Idva Service",
        )
        assert pending_changes(tx.session) == changes + 2  # one added, one edited: each a change to sync


async def test_bad_input_is_said_by_label_and_nothing_is_saved(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    case_id = known_case_id(populated)
    with populated.transaction() as tx:
        before = get_case(tx, case_id).victims
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        await pilot.press("v", "end", "enter")
        await pilot.pause()
        await choose(pilot, "Pa")
        await pilot.press("tab", "tab", *"7", "ctrl+s")  # an age of 7
        await pilot.pause()
        assert isinstance(app.screen, VictimFormScreen)
        assert "Age: type a number greater than or equal to 10" in screen_text(app)
    with populated.transaction() as tx:
        assert get_case(tx, case_id).victims == before


async def test_visit_mode_closes_the_form_and_keeps_what_was_typed(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        await pilot.press("v", "end", "enter")
        await pilot.pause()
        await pilot.press("tab", "tab", *"63", "tab", "tab", "tab", *"SENTINEL-SERVICE")  # age, Idva service
        await pilot.press("f2")  # the Service User walks in
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen) and app.visit_mode
        assert "SENTINEL" not in screen_text(app) and "63" not in screen_text(app)
        await pilot.press("v")  # not offered in visit mode
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("f2", *PASSPHRASE, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("v", "end", "enter")
        await pilot.pause()
        assert isinstance(app.screen, VictimFormScreen)
        text = screen_text(app)
        assert "63" in text and "SENTINEL-SERVICE" in text  # as typed before visit mode came on
    again = app_for(populated)  # and kept in the store as typed: a quit (or a crash) loses none of it
    async with again.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        await pilot.press("v", "end", "enter")
        await pilot.pause()
        assert isinstance(again.screen, VictimFormScreen) and "SENTINEL-SERVICE" in screen_text(again)
        await pilot.press("escape", "y")  # discarded: gone from the store too
        await pilot.pause()
    with populated.transaction() as tx:
        assert kept_draft(tx, draft_key(known_case_id(populated), "victim/new")) is None


async def test_a_new_case_asks_for_its_victim_survivor_straight_away(store: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(store, sites=("Essex", "Kent"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("n", *"NEW-0001", "tab", "enter", *"Kent", "enter", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, VictimFormScreen) and app.screen.index is None
        await choose(pilot, "Pa")  # Partner
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CaseScreen) and screen.case is not None
        assert [v.relationship for v in screen.case.victims] == [Relationship.PARTNER]


async def test_visit_mode_over_a_question_on_the_form_closes_both(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """Esc with typed input asks whether to discard it; F2 then must close the question *and* the form (a dialog
    leaves the screen under it drawn, dimmed) — it once left the form open and usable in visit mode, and saving
    from it crashed the app."""
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        await pilot.press("v", "end", "enter")
        await pilot.pause()
        await pilot.press("tab", "tab", *"63", "escape")
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        assert app.visit_mode and isinstance(app.screen, CaseScreen) and app.is_running
        assert "63" not in screen_text(app) and "Relationship" not in screen_text(app)
        await pilot.press("y", "ctrl+s")  # the question's and the form's keys reach nothing now
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, CaseScreen)
        await pilot.press("f2", *PASSPHRASE, "enter")
        await app.workers.wait_for_complete()
        await pilot.press("v", "end", "enter")
        await pilot.pause()
        assert "63" in screen_text(app) and "not saved yet" in screen_text(app)


async def test_a_victim_survivor_needs_at_least_the_relationship(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    case_id = known_case_id(populated)
    with populated.transaction() as tx:
        before = get_case(tx, case_id).victims
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        await pilot.press("v", "end", "enter", "ctrl+s")  # nothing chosen or typed
        await pilot.pause()
        assert isinstance(app.screen, VictimFormScreen)
        assert "Relationship to the SU: choose one" in screen_text(app)
    with populated.transaction() as tx:
        assert get_case(tx, case_id).victims == before
