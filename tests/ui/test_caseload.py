"""The caseload: every case with its next assessment and what is overdue; filter, sort, count, new case."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Select

from drive_tui.store.cases import list_cases
from drive_tui.store.store import Store
from drive_tui.ui.screens import caseload as caseload_screen
from drive_tui.ui.screens.case import CaseScreen
from drive_tui.ui.screens.case_form import CaseFormScreen
from drive_tui.ui.screens.caseload import CaseloadScreen
from drive_tui.ui.screens.confirm import ConfirmScreen
from tests.support.ui import screen_text


def table_references(app) -> list[str]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one("#cases")
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_caseload_shows_every_case_with_count_and_overdue(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CaseloadScreen)
        assert len(table_references(app)) == 21
        text = screen_text(app)
        assert "open (guide 20)" in text and "overdue" in text
        overdue = [row for row in app.screen.rows if row.is_overdue]
        assert overdue and "! " in text
        first_open = app.screen.rows[0]
        assert table_references(app)[0] == first_open.case.reference


async def test_rows_beyond_the_first_frame_are_all_there_in_order_and_the_cursor_keeps_its_case(
    populated: Store, app_for, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """The table gets its first rows before the first frame and the rest straight after: with that split at 5 of
    21, every case is there in the store's order, Ctrl+End reaches the last and shows it, and a re-sort keeps the
    cursor on the case it was on, wherever that lands."""
    monkeypatch.setattr(caseload_screen, "FIRST_ROWS", 5)
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert table_references(app) == [row.case.reference for row in app.screen.rows]
        assert len(table_references(app)) == 21
        await pilot.press("ctrl+end")
        await pilot.pause()
        table = app.screen.query_one("#cases")
        last = table_references(app)[-1]
        assert table.cursor_row == 20 and last in screen_text(app)
        await pilot.press("s")  # by reference: the rows are put in again, the first 5 before the next frame
        await pilot.pause()
        assert table_references(app) == sorted(table_references(app)) and len(table_references(app)) == 21
        assert str(table.get_row_at(table.cursor_row)[0]) == last and last in screen_text(app)


async def test_filter_by_typing_and_sort(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"west sussex")
        await pilot.pause()
        shown = table_references(app)
        assert shown and all(row.case.site == "West Sussex" for row in app.screen.rows if row.case.reference in shown)
        assert "showing" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert len(table_references(app)) == 21
        await pilot.press("s")  # sort by reference
        await pilot.pause()
        assert table_references(app) == sorted(table_references(app))
        assert "sorted by reference" in screen_text(app)
        await pilot.press("slash", *"overdue")  # what the Overdue column says can be found too
        await pilot.pause()
        overdue = {row.case.reference for row in app.screen.rows if row.is_overdue}
        assert overdue and set(table_references(app)) == overdue


async def test_new_case_from_the_keyboard(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, CaseFormScreen)
        await pilot.press(*"NEW-0001", "tab", "enter", *"Essex", "enter", "ctrl+s")  # the site is chosen
        await pilot.pause()
        await pilot.press("escape")  # its victim/survivor: not now
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        assert "NEW-0001" in screen_text(app)
    with populated.transaction() as tx:
        assert "NEW-0001" in [case.reference for case in list_cases(tx)]


async def test_a_bad_new_case_says_why_and_saves_nothing(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"TEST-0001", "tab", "enter", *"Essex", "enter", "ctrl+s")  # already exists
        await pilot.pause()
        assert isinstance(app.screen, CaseFormScreen) and "already exists" in screen_text(app)
        await pilot.press("escape")  # typed input: Esc asks first
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and "Discard what you typed" in screen_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, CaseloadScreen)
    with populated.transaction() as tx:
        assert len(list_cases(tx)) == 21


async def test_edit_the_profile(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"TEST", "enter")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, CaseFormScreen)
        await pilot.press("end", "backspace", "backspace", *"42", "ctrl+s")  # the age field is focused first
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen) and "42" in screen_text(app)


async def test_old_ethnicity_text_is_kept_until_a_category_is_chosen(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """TEST-0001's ethnicity was typed before it was coded ("Kurdish": no category): the case shows it as recorded,
    the form keeps it through a save that changes something else, and choosing a category replaces it."""
    from drive_tui.domain.vocab import Ethnicity
    from drive_tui.store.cases import find_case, get_case, update_case

    with populated.transaction() as tx:
        case = find_case(tx, site="Essex", reference="TEST-0001")
        assert case is not None
        update_case(tx, case.id, {"service_user.ethnicity": "Kurdish"})  # as an old device or file would send it
    app = app_for(populated)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("slash", *"TEST", "enter")
        await pilot.pause()
        assert "Kurdish (as recorded: to be coded)" in " ".join(screen_text(app).split())
        await pilot.press("e")
        await pilot.pause()
        assert "Kurdish (as recorded: choose a category)" in screen_text(app)
        await pilot.press("end", "backspace", "backspace", *"43", "ctrl+s")  # the age changed, not the ethnicity
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        with populated.transaction() as tx:
            kept = get_case(tx, case.id).service_user
        assert (kept.age, kept.ethnicity, kept.ethnicity_recorded) == (43, Ethnicity.AS_RECORDED, "Kurdish")
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("tab", "enter", *"Other ethnic group: A", "enter", "ctrl+s")  # Arab
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
    with populated.transaction() as tx:
        chosen = get_case(tx, case.id).service_user
    assert (chosen.ethnicity, chosen.ethnicity_recorded) == (Ethnicity.ARAB, None)


async def test_the_new_case_form_speaks_to_a_person_and_refuses_a_future_allocation(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("tab", "enter", *"Essex", "enter", "ctrl+s")  # no reference
        await pilot.pause()
        text = screen_text(app)
        assert "Reference: this is needed." in text
        assert "String should" not in text and "Input should" not in text
        form = app.screen
        assert isinstance(form, CaseFormScreen)
        form.query_one("#f-reference", Input).value = "NEW-0002"
        form.query_one("#f-allocated_on", Input).value = "2026-13-01"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Allocated on: type a date as YYYY-MM-DD" in screen_text(app)
        form.query_one("#f-allocated_on", Input).value = "2026-12-01"  # after TODAY, 2026-11-26
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "cannot be allocated after today" in screen_text(app) and app.screen is form
        form.query_one("#f-site", Select).focus()
        await pilot.press("enter")  # the sites, chosen from a list, never typed
        await pilot.pause()
        overlay = form.query_one("#f-site", Select).query_one(OptionList)
        offered = [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]
        assert offered[-3:] == ["Essex", "South Wales", "West Sussex"]  # after the "Choose the site" prompt
        await pilot.press("escape")
    with populated.transaction() as tx:
        assert len(list_cases(tx)) == 21
