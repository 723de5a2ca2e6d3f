"""The work log in the app: each kind of entry logged from the case screen by keyboard alone, an information
request answered and counted, the timeline interleaving work with assessments and filtered by kind, and visit mode
drawing only the Service User's own contact — never multi-agency work, a note or a V/S sole-source item."""

from __future__ import annotations

from datetime import date

from drive_tui.domain.vocab import (
    Agency,
    AgencyAction,
    AttemptMethod,
    AttemptOutcome,
    ContactSetting,
    ContactType,
    Source,
    WorkKind,
)
from drive_tui.store.store import Store
from drive_tui.store.strategy import plan_draft, strategy_of
from drive_tui.store.work_log import record_work, work_draft, work_log
from drive_tui.ui.screens.case import CaseScreen
from drive_tui.ui.screens.dashboard import DashboardScreen
from drive_tui.ui.screens.strategy import StrategyScreen
from drive_tui.ui.screens.work_entry import WorkEntryScreen
from tests.support.data import PASSPHRASE
from tests.support.ui import TODAY, known_case_id, open_test_case, screen_text

SOLE_SOURCE_NOTE = "She says he waits outside the school"
TYPED_NOTE = "At the school"


async def choose(pilot, option: str) -> None:  # type: ignore[no-untyped-def]
    """Open the focused Select, type to the option (Textual's type-ahead) and take it."""
    await pilot.press("enter", *option, "enter")


async def log(pilot, kind: str) -> WorkEntryScreen:  # type: ignore[no-untyped-def]
    await pilot.press("w")
    await pilot.pause()
    form = pilot.app.screen
    assert isinstance(form, WorkEntryScreen)
    await choose(pilot, kind)
    await pilot.pause()
    return form


async def saved(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CaseScreen), pilot.app.screen.query_one("#work-form-error").render()


async def test_each_kind_of_work_logged_by_keyboard_and_a_request_answered(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    case_id = known_case_id(populated)
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_test_case(pilot)
        await pilot.press("w", "c", "enter", "tab", "t", "e", "enter", "tab", "n", "o", "enter")  # typing opens a list
        await saved(pilot)  # a contact attempt: telephone, no answer
        await log(pilot, "In")  # a request to the police
        await pilot.press("tab")
        await choose(pilot, "Pol")
        await pilot.press("tab")
        await choose(pilot, "Information req")
        await pilot.press("tab")
        await choose(pilot, "Pol")  # information from: the police
        await saved(pilot)
        assert "Information requests: 1 open" in screen_text(app)
        form = await log(pilot, "In")  # its answer: the open request is offered, and taken, by itself
        await pilot.press("tab")
        await choose(pilot, "Pol")
        await pilot.press("tab")
        await choose(pilot, "Information rec")
        await pilot.pause()
        assert form.query_one("#row-answers").display
        await pilot.press("tab", "tab")  # past the request it answers, to the source
        await choose(pilot, "Vic")  # the victim/survivor via the Idva
        await pilot.press("tab")
        await choose(pilot, "Y")  # V/S sole source
        await pilot.press("tab", *TYPED_NOTE)
        await saved(pilot)
        await log(pilot, "Di")  # a session: face to face, in prison, behaviour change work
        await pilot.press("tab", "space", "tab")
        await choose(pilot, "Pr")
        await pilot.press("tab", "tab")
        await choose(pilot, "Y")
        await pilot.press("ctrl+s", "y")  # the first contact, and no contact strategy agreed: log it anyway
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        text = screen_text(app)
        assert "Information requests: 1 answered, none open" in text
        assert "Answered in 0 days" in text and "Police: Information requested" in text
        assert "Attempt: telephone" in text and "⚠ V/S only" in text and "never tell the SU" in text
    with populated.transaction() as tx:
        logged = work_log(tx, case_id)
    answer = next(entry for entry in logged if entry.action is AgencyAction.INFO_RECEIVED)
    kinds = {entry.kind: entry for entry in logged if entry is not answer}
    attempt, session, request = (kinds[kind] for kind in WorkKind)
    assert (attempt.attempt_method, attempt.attempt_outcome) == (AttemptMethod.TELEPHONE, AttemptOutcome.NO_ANSWER)
    assert attempt.date == TODAY and attempt.recorded_by == populated.identity.user
    assert (request.agency, request.action) == (Agency.POLICE, AgencyAction.INFO_REQUESTED)
    assert request.source is Source.POLICE
    assert (answer.answers, answer.vs_sole_source, answer.note) == (request.id, True, TYPED_NOTE)
    assert answer.source is Source.VS_VIA_IDVA
    assert session.contact_types == (ContactType.FACE_TO_FACE,)
    assert (session.contact_setting, session.behaviour_change_work) == (ContactSetting.PRISON, True)


async def test_a_form_says_what_is_missing_and_a_wrong_date_and_saves_nothing(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    case_id = known_case_id(populated)
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        form = await log(pilot, "Co")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Method, Outcome: choose each." in screen_text(app)
        assert app.focused is form.query_one("#w-attempt_method")  # the first field to fix
        await pilot.press("shift+tab", "shift+tab", "home", "ctrl+k", *"2026-02-30", "ctrl+s")  # back to the date
        await pilot.pause()
        assert "Date: there is no day 2026-02-30." in screen_text(app)
        await pilot.press("home", "ctrl+k", *"2099-01-01", "tab", "tab")
        await choose(pilot, "Te")
        await pilot.press("tab")
        await choose(pilot, "No")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and "Date: the work is dated after today" in screen_text(app)
        await pilot.press("escape")  # typed input: asked before it is thrown away
        await pilot.pause()
        assert "Discard what you typed" in screen_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
    with populated.transaction() as tx:
        assert work_log(tx, case_id) == []


def _log_some_work(store: Store) -> None:
    case_id = known_case_id(store)
    with store.transaction() as tx:
        record_work(tx, case_id, {"date": date(2026, 11, 2), "kind": "contact_attempt", "attempt_method": "via_prison",
                                  "attempt_outcome": "refused_by_institution"})  # fmt: skip
        record_work(tx, case_id, {"date": date(2026, 11, 3), "kind": "indirect", "agency": "marac",
                                  "action": "marac_referral", "note": "Re-referred after the breach"})  # fmt: skip
        record_work(tx, case_id, {"date": date(2026, 11, 4), "kind": "indirect", "agency": "childrens_social_care",
                                  "action": "info_requested"})  # fmt: skip
        record_work(tx, case_id, {"date": date(2026, 11, 5), "kind": "direct_session", "contact_types": ["telephone"],
                                  "contact_setting": "community", "vs_sole_source": True,
                                  "note": SOLE_SOURCE_NOTE})  # fmt: skip


async def test_visit_mode_draws_only_the_service_users_own_contact(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """At 80×24, where a cut-off line could hide a word: the visit-room test walks every screen at 120×40 too."""
    _log_some_work(populated)
    app = app_for(populated, visit_mode=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        text = screen_text(app)
        assert "Attempt: via the prison" in text and "Refused by the institution" in text
        for hidden in ("Marac", "Children's social care", "Session: telephone", "V/S only", "Information requests"):
            assert hidden not in text, hidden
        assert "work with agencies hidden" in text
        await pilot.press("w")  # logging work in front of the SU: no note, no sole-source flag, no agencies
        await pilot.pause()
        form = app.screen
        assert isinstance(form, WorkEntryScreen)
        assert not form.query_one("#row-note").display and not form.query_one("#row-vs_sole_source").display
        assert "Visit mode: no note, no V/S sole source, no multi-agency work here" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert "Indirect" not in screen_text(app)  # the kinds offered: attempts and sessions
        await pilot.press("escape", "escape", "f2", *PASSPHRASE, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "Marac: Marac (re-)referral" in text and "⚠ V/S only" in text
        assert "Information requests: 1 open, 0 answered" in text
        form = await log(pilot, "In")  # visit mode coming on over multi-agency work: none of it stays drawn
        await pilot.press("tab")
        await choose(pilot, "Chi")
        await pilot.press("tab")
        await choose(pilot, "Information rec")
        await pilot.press("f2")
        await pilot.pause()
        text = screen_text(app)
        assert "Multi-agency work is not shown in visit mode" in text and "Children" not in text and app.focused is None
        await pilot.press(*"abc", "ctrl+s")  # keys reach nothing hidden, and nothing is saved
        assert app.screen is form and form.query_one("#w-note").text == ""


async def test_the_timeline_filters_by_kind(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    _log_some_work(populated)
    app = app_for(populated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_test_case(pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        shown = []
        for _ in range(5):
            await pilot.press("k")
            await pilot.pause()
            shown.append((screen.kind_filter, screen.query_one("#timeline").row_count))
        assessments = shown[0][1]
        assert shown == [("assessments", assessments), ("contact_attempt", 1), ("direct_session", 1), ("indirect", 2),
                         ("all", assessments + 4)]  # fmt: skip


async def test_a_stalled_request_shows_on_the_dashboard(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """Requested on 4 November, unanswered on 26 November: 16 working days, past the 10 allowed."""
    _log_some_work(populated)
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        text = " ".join(screen_text(app).split())
        assert "Information requests: 1 open (in brackets, stalled over 10 working days: escalate)" in text
        assert "cm1 1 (1)" in text
        await pilot.press("f2")
        await pilot.pause()
        assert "stalled" not in screen_text(app) and "Information requests" not in screen_text(app)


async def test_a_contact_strategy_is_written_and_first_contact_before_agreement_asks(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """p.30: the service manager agrees the strategy before first contact. The case manager writes it here; logging
    the first contact (a reached attempt) before it is agreed asks, and logs it only if told to."""
    case_id = known_case_id(populated)
    app = app_for(populated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        assert "none yet, to be agreed before first contact" in screen_text(app)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, StrategyScreen)
        await pilot.press(*"Via his OM", "ctrl+t")  # shared with the Marac before it is agreed: refused, kept
        await pilot.pause()
        assert isinstance(app.screen, StrategyScreen) and "with the Marac once the service" in screen_text(app)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "drafted, to be agreed by the service manager" in screen_text(app)
        await log(pilot, "Co")
        await pilot.press("tab")
        await choose(pilot, "Te")
        await pilot.press("tab")
        await choose(pilot, "Reac")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "The contact strategy is not agreed yet" in screen_text(app)
        await pilot.press("enter")  # Enter is No: nothing logged, the form stays
        await pilot.pause()
        assert isinstance(app.screen, WorkEntryScreen)
        await pilot.press("ctrl+s", "y")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen) and "Reached" in screen_text(app)
    with populated.transaction() as tx:
        assert strategy_of(tx, case_id).plan == "Via his OM"  # type: ignore[union-attr]
        assert [entry.attempt_outcome for entry in work_log(tx, case_id)] == [AttemptOutcome.REACHED]


async def test_work_typed_and_left_unsaved_is_there_when_the_form_opens_again(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    """Kept as it is typed, as an assessment's answers are: the app quit mid-entry (or crashed, or locked), the form
    opens again with it, says so, and saving it clears what was kept."""
    case_id = known_case_id(populated)
    first = app_for(populated)
    async with first.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        await log(pilot, "Co")
        await pilot.press("tab")
        await choose(pilot, "Via the p")
        await pilot.press("tab", "tab", "tab", "tab", *"Wing visit")  # past outcome, source and flag, to the note
        await pilot.pause()
    with populated.transaction() as tx:
        assert work_draft(tx, case_id, None) is not None and work_log(tx, case_id) == []
    again = app_for(populated)
    async with again.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        await pilot.press("w")
        await pilot.pause()
        form = again.screen
        assert isinstance(form, WorkEntryScreen) and "not saved yet: as typed before" in screen_text(again)
        assert form.query_one("#w-note").text == "Wing visit"
        assert form.query_one("#w-attempt_method").value == "via_prison"
        form.query_one("#w-attempt_outcome").focus()
        await choose(pilot, "Dec")
        await saved(pilot)
    with populated.transaction() as tx:
        (entry,) = work_log(tx, case_id)
        assert (entry.attempt_method, entry.note) == (AttemptMethod.VIA_PRISON, "Wing visit")
        assert work_draft(tx, case_id, None) is None


async def test_a_plan_typed_and_left_unsaved_is_there_when_the_strategy_opens_again(populated: Store, app_for) -> None:  # type: ignore[no-untyped-def]
    case_id = known_case_id(populated)
    first = app_for(populated)
    async with first.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        await pilot.press("s", *"Via his OM")
        await pilot.pause()
    with populated.transaction() as tx:
        assert plan_draft(tx, case_id) == "Via his OM" and strategy_of(tx, case_id) is None
    again = app_for(populated)
    async with again.run_test(size=(80, 24)) as pilot:
        await open_test_case(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert "not saved yet: as typed before" in screen_text(again)
        assert again.screen.query_one("#plan").text == "Via his OM"
        await pilot.press("ctrl+s")
        await pilot.pause()
    with populated.transaction() as tx:
        assert strategy_of(tx, case_id).plan == "Via his OM" and plan_draft(tx, case_id) is None  # type: ignore[union-attr]
