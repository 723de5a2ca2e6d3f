"""What a case manager in a visit room trips over: answers readable without colour, the previous answer beside every
field, only the keys that apply in the footer, nothing sensitive on any screen in visit mode."""

from __future__ import annotations

import importlib
import io
import pkgutil
import re

import pytest
from rich.console import Console
from rich.table import Table as RichTable
from textual.screen import Screen

from drive_tui.domain.casework import ContactStrategy
from drive_tui.domain.vocab import Timepoint
from drive_tui.store.assessments import (
    amend_assessment,
    case_history,
    save_draft_answer,
    start_assessment,
    submit_assessment,
)
from drive_tui.store.cases import get_case
from drive_tui.store.store import Store, Tx
from drive_tui.store.work_log import record_work
from drive_tui.ui import screens as screens_package
from drive_tui.ui.screens.assessment import AssessmentScreen
from drive_tui.ui.screens.case import CaseScreen
from drive_tui.ui.screens.caseload import CaseloadScreen
from drive_tui.ui.screens.comment import CommentScreen
from drive_tui.ui.screens.dashboard import DashboardScreen
from drive_tui.ui.screens.history import HistoryScreen
from drive_tui.ui.screens.outcomes import OutcomesScreen
from drive_tui.ui.screens.strategy import StrategyScreen
from drive_tui.ui.screens.unlock import UnlockScreen
from drive_tui.ui.screens.victim_choice import VictimChoiceScreen
from drive_tui.ui.screens.victim_form import VictimFormScreen
from drive_tui.ui.screens.work_entry import WorkEntryScreen
from drive_tui.ui.themes import HIGH_CONTRAST
from drive_tui.ui.widgets.field_box import FieldBox
from tests.support.data import PASSPHRASE
from tests.support.ui import (
    TODAY,
    VICTIM_SENTINEL,
    known_case_id,
    open_test_case,
    page_down_to,
    screen_text,
    showing,
    start_review,
)


async def test_the_chosen_answer_is_marked_by_a_glyph_not_by_colour_alone(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_review(pilot)
        await pilot.press("right", "enter")  # contact made: No
        await pilot.pause()
        text = screen_text(app)
        assert "()Yes(•)No" in text.replace(" ", "")  # (screen_text puts a space between differently styled runs)
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


def _contrast(svg: str, starts: str) -> list[float]:
    """The contrast ratio (WCAG) of every run of text beginning ``starts`` against the cell behind it, as drawn."""
    fills = dict(re.findall(r"\.(terminal-[\w-]+) \{ fill: (#[0-9a-f]{6})", svg))
    rects = [
        (fill, float(x), float(y), float(width), float(height))
        for fill, x, y, width, height in re.findall(
            r'<rect fill="(#[0-9a-f]{6})" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg
        )
    ]

    def luminance(hex_colour: str) -> float:
        def channel(value: int) -> float:
            value_ = value / 255
            return value_ / 12.92 if value_ <= 0.03928 else ((value_ + 0.055) / 1.055) ** 2.4

        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    ratios = []
    for css, x, y in re.findall(r'<text class="([\w-]+)" x="([\d.]+)" y="([\d.]+)"[^>]*>' + re.escape(starts), svg):
        behind = next(
            fill
            for fill, rx, ry, width, height in rects
            if rx <= float(x) < rx + width and ry < float(y) <= ry + height
        )
        text, back = sorted((luminance(fills[css]), luminance(behind)), reverse=True)
        ratios.append((text + 0.05) / (back + 0.05))
    return ratios


@pytest.mark.parametrize("theme", ["textual-dark", "drive-high-contrast"])
async def test_overdue_marks_stay_readable_without_colour(populated: Store, app_for, monkeypatch, theme) -> None:  # type: ignore[no-untyped-def]
    """With NO_COLOR Textual draws each colour as its grey: the overdue marks, in the terminal's red, came out a grey
    of 59 on 18–39 (1.3–1.7:1). Each must keep 4.5:1 against the row behind it, zebra stripe or cursor."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await pilot.pause()
        ratios = _contrast(app.export_screenshot(), "!&#160;")
        assert ratios and min(ratios) >= 4.5, ratios


async def test_a_choice_drawn_as_a_list_shows_the_previous_answer_too(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """Risk to children (a list once; one line now it fits): the intake's answer (Medium) stands beside it."""
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_review(pilot)
        box = app.screen.query_one("#field-risk_to_children", FieldBox)
        box.scroll_visible(animate=False)
        await pilot.pause()
        assert any(
            "Standard" in line and line.rstrip().endswith("was: Medium") for line in screen_text(app).splitlines()
        )


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
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, OutcomesScreen)
        assert "Severity" in await page_down_to(pilot, "Severity")
        await pilot.press("f2")
        await pilot.pause()
        text = screen_text(app)
        assert "hidden in visit mode" in text
        assert "everity" not in text and "Risk" not in text and "McNemar" not in text


async def test_the_outcomes_drawn_in_two_parts_never_finish_over_visit_mode(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """The figures after the first screenful are mounted after a frame: if visit mode came on in between, they are
    not mounted at all."""
    from textual.widgets import Static

    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d", "o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OutcomesScreen)
        drawing = screen._drawing
        await pilot.press("f2")
        await pilot.pause()
        await screen._draw_rest([Static("Severity SENTINEL")], drawing)  # the earlier drawing's second part, late
        await pilot.pause()
        text = screen_text(app)
        assert "hidden in visit mode" in text and "SENTINEL" not in text and "everity" not in text


def review_saying_not_safe(tx: Tx, case_id: str) -> None:
    """The 3-month review started, no contact made because it is not safe: an answer that says a victim is at risk."""
    review = start_assessment(tx, case_id, Timepoint.MONTH_3)
    save_draft_answer(tx, review.id, "contact_made", "no")
    save_draft_answer(tx, review.id, "no_contact_reason", "not_safe_to_contact")


NOTE_SENTINEL = "Sentinel-note-Zq7"
SENSITIVE = (
    VICTIM_SENTINEL,
    NOTE_SENTINEL,
    "Victim",
    "Risk to the victim/survivor",
    "Risk to children",
    "Severity of abusive behaviour",
    "Notes",
    "McNemar",
)


def every_screen_class() -> set[type[Screen]]:  # type: ignore[type-arg]
    """Every screen and dialog drive-tui has: each module of ``drive_tui.ui.screens`` imported, every Screen in it."""
    found: set[type[Screen]] = set()  # type: ignore[type-arg]
    for module in pkgutil.iter_modules(screens_package.__path__):
        loaded = importlib.import_module(f"{screens_package.__name__}.{module.name}")
        found |= {
            value
            for value in vars(loaded).values()
            if isinstance(value, type) and issubclass(value, Screen) and value.__module__ == loaded.__name__
        }
    return found


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_nothing_sensitive_is_drawn_on_any_screen_in_visit_mode(populated: Store, app_for, size) -> None:  # type: ignore[no-untyped-def]
    """Visit mode on, every screen and dialog opened in turn, each scrolled through: no victim/survivor detail, no
    note, no risk or severity label is drawn. A screen added later and not opened here fails the test."""
    case_id = known_case_id(populated)
    with populated.transaction() as tx:  # a note on the submitted intake, as a case manager would write one
        intake = next(a for a in case_history(tx, case_id) if a.timepoint is Timepoint.INTAKE)
        amendment = amend_assessment(tx, intake.id)
        save_draft_answer(tx, amendment.id, "notes", f"{NOTE_SENTINEL} said he knows where she lives")
        submit_assessment(tx, amendment.id)
        review_saying_not_safe(tx, case_id)
        attempt = record_work(tx, case_id, {"date": TODAY, "kind": "contact_attempt", "attempt_method": "telephone",
                                            "attempt_outcome": "declined", "note": NOTE_SENTINEL})  # fmt: skip
        record_work(tx, case_id, {"date": TODAY, "kind": "indirect", "agency": "idva_service",
                                  "action": "info_received", "vs_sole_source": True,
                                  "note": f"{VICTIM_SENTINEL} told her Idva"})  # fmt: skip
    app = app_for(populated, visit_mode=True)
    seen: set[type] = set()

    async def check(where: str) -> None:
        await pilot.pause()
        screen = app.screen
        seen.add(type(screen))
        for _ in range(8):  # scrolled through, a page at a time
            text = screen_text(app)
            assert "VISIT MODE" in text, where
            assert not [word for word in SENSITIVE if word in text], f"{where}: {text}"
            scrollable = [w for w in screen.query("*") if w.allow_vertical_scroll and w.max_scroll_y > w.scroll_y]
            if not scrollable:
                break
            for widget in scrollable:
                widget.scroll_page_down(animate=False)
            await pilot.pause()

    async with app.run_test(size=size) as pilot:
        await check("caseload")
        await open_test_case(pilot)
        await check("case")
        await pilot.press("e")
        await check("case form")
        await pilot.press("escape", "h")
        await check("history")
        await pilot.press("escape", "up", "enter")
        await check("the submitted intake, read-only")
        await pilot.press("escape", "a")
        await check("the 3-month review, a draft")
        await pilot.press("ctrl+s")
        await check("submit: not ready")
        await pilot.press("escape", "escape", "escape", "d")
        await check("dashboard")
        await pilot.press("o")
        await check("outcomes")
        await pilot.press("f1")
        await check("help")
        await pilot.press("escape", "ctrl+l")
        await check("locked")
        await pilot.press(*PASSPHRASE, "enter")
        await app.workers.wait_for_complete()
        app.push_screen(CommentScreen("Return the intake assessment: what needs correcting?", "e.g. the dates"))
        await check("a supervisor's return comment")
        await pilot.press("escape")
        with populated.transaction() as tx:
            case = get_case(tx, case_id)
        await pilot.press("v")  # not offered in visit mode: nothing opens
        assert not isinstance(app.screen, (VictimChoiceScreen, VictimFormScreen))
        app.push_screen(VictimChoiceScreen(case))  # and if one were opened anyway, nothing of them is drawn
        await check("the victim/survivors list, pushed in visit mode")
        await pilot.press("escape")
        app.push_screen(VictimFormScreen(case, 0))
        await check("a victim/survivor's form, pushed in visit mode")
        await pilot.press("escape", "s")  # the contact strategy: not offered in visit mode
        assert not isinstance(app.screen, StrategyScreen)
        app.push_screen(StrategyScreen(case, ContactStrategy(plan=f"{NOTE_SENTINEL} plan"), supervising=False))
        await check("the contact strategy, pushed in visit mode")
        await pilot.press("escape", "w")
        await check("logging work")
        await pilot.press("escape")
        app.push_screen(WorkEntryScreen(case, [attempt], attempt))
        await check("a contact attempt with a note, opened in visit mode")
        await pilot.press("escape")
        app.push_screen(UnlockScreen())
        await app.workers.wait_for_complete()
        await check("unlock")
    assert seen == every_screen_class()


async def test_the_caseload_marks_drafts_opens_on_enter_in_the_filter_and_o_shows_the_outcomes(
    populated: Store, app_for
) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_review(pilot)  # a draft of TEST-0001's 3-month review
        await pilot.press("escape", "escape")
        await pilot.pause()
        row = next(line for line in screen_text(app).splitlines() if "TEST-0001" in line)
        assert "✎ draft" in row
        await pilot.press("slash", *"TEST-0001", "enter")  # Enter in the filter opens the one case it shows
        await pilot.pause()
        assert type(app.screen).__name__ == "CaseScreen"
        await pilot.press("escape", "escape", "o")
        await pilot.pause()
        assert isinstance(app.screen, OutcomesScreen)


async def test_an_empty_caseload_and_an_empty_history_say_what_to_do(store: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(store, sites=("Essex", "Kent"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "No cases yet: press n to add one" in screen_text(app)
        await pilot.press("n", *"NEW-0001", "tab", "enter", *"Kent", "enter", "ctrl+s")
        await pilot.pause()
        await pilot.press("escape", "h")  # the new case (opened once created; no V/S now): its history
        await pilot.pause()
        text = screen_text(app)
        assert "No submitted assessments yet" in text and "Field" not in text


async def test_the_timeline_keeps_state_and_who_on_screen_at_80_columns(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """A long piece of work ("Children's social care: Child protection registration") gives way, cut with "…"; its
    state and who did it stay on screen (they had been pushed off the edge). Wider, it is whole again."""
    with populated.transaction() as tx:
        record_work(tx, known_case_id(populated), {"date": TODAY, "kind": "indirect", "agency": "childrens_social_care",
                                                   "action": "info_requested"})  # fmt: skip
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        await showing(pilot, CaseScreen)
        row = next(line for line in screen_text(app).splitlines() if "Children's social care" in line)
        assert "…" in row and "Open, 0 working days" in row and row.rstrip().endswith("cm1"), row
        await pilot.resize_terminal(140, 30)
        await pilot.pause()
        row = next(line for line in screen_text(app).splitlines() if "Children's social care" in line)
        assert "Children's social care: Information requested" in row and "…" not in row, row


@pytest.mark.parametrize("visit", [False, True], ids=["office", "visit"])
async def test_every_footer_fits_80_columns_with_help_visit_mode_and_quit(populated: Store, app_for, visit) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated, visit_mode=visit)
    async with app.run_test(size=(80, 24)) as pilot:

        async def footer_fits(where: type[Screen], *keys: str) -> None:  # type: ignore[type-arg]
            await showing(pilot, where)
            footer = screen_text(app).splitlines()[-1]
            assert all(key in footer for key in ("f1", "f2", "^q", *keys)), f"{where.__name__}: {footer}"

        await footer_fits(CaseloadScreen, "Open", "Outcomes", "New")
        await open_test_case(pilot)
        await footer_fits(CaseScreen, "Open", "Next")
        await pilot.press("a")
        await footer_fits(AssessmentScreen)
        await pilot.press("escape", "h")
        await footer_fits(HistoryScreen)
        await pilot.press("escape", "escape", "d")
        await footer_fits(DashboardScreen)
        await pilot.press("o")
        await footer_fits(OutcomesScreen)


async def test_the_dashboard_and_outcomes_are_readable_at_80_columns(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """Every site's figures on screen (the field's label gives way), and no type of abuse cut to "Harassme…"."""
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen) and screen.missing is not None
        header = next(line for line in screen_text(app).splitlines() if line.lstrip().startswith("Field"))
        assert len(screen.missing.groups) >= 2 and all(site in header for site in screen.missing.groups), header
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = await page_down_to(pilot, "│ Harassment/stalking")  # the table of Figure 1, its types of abuse whole
        assert "│ Harassment/stalking" in text and "│ Jealousy/coercion" in text
        # A table wider than the screen scrolls sideways: drawn at the width it is laid out at, no figure or heading
        # of any table is cut to "…" (at 80 columns they were: "Sever…", "0.0024…").
        tables = [figure for figure in app.screen.query(".figures") if isinstance(figure.content, RichTable)]
        assert len(tables) >= 15
        for figure in tables:
            drawn = Console(width=figure.size.width, record=True, file=io.StringIO())
            drawn.print(figure.content)
            lines = drawn.export_text().splitlines()
            assert not [line for line in lines if line.startswith(("│", "┃")) and "…" in line], lines[:8]
        view = app.screen.query_one("#report")
        await pilot.press(*["right"] * 30)
        await pilot.pause()
        assert view.scroll_x > 0


async def test_dialogs_stay_centred_in_visit_mode(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated, visit_mode=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for key, box in (("ctrl+l", "#verify-box"), ("f2", "#verify-box")):
            await pilot.press(key)
            await pilot.pause()
            region = app.screen.query_one(box).region
            assert abs(region.x - (80 - region.right)) <= 1, region  # as much room on the left as on the right
            assert "VISIT MODE" in screen_text(app)
            if key == "ctrl+l":
                await pilot.press(*PASSPHRASE, "enter")
                await app.workers.wait_for_complete()
            else:
                await pilot.press("escape")
            await pilot.pause()


async def test_an_answer_hidden_in_visit_mode_says_it_is_there(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    case_id = known_case_id(populated)
    with populated.transaction() as tx:
        review_saying_not_safe(tx, case_id)
    app = app_for(populated, visit_mode=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await start_review(pilot)
        text = screen_text(app)
        assert "answered — hidden in visit mode" in text and "Not safe to contact" not in text


async def test_high_contrast_is_chosen_from_the_palette(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p", *"High contrast")
        await pilot.pause()
        assert "High contrast" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == HIGH_CONTRAST.name
        assert app.current_theme.background == "#000000" and app.current_theme.foreground == "#FFFFFF"
