"""The app shows what waits to be synced and when the last sync was, and starts a sync with one key."""

from __future__ import annotations

from pathlib import Path

import pytest

from drive_tui.central.people import list_devices, revoke
from drive_tui.config import Settings
from drive_tui.sync.protocol import DeviceState
from drive_tui.ui.app import make_app
from tests.support.central import Central, new_device, work_on_a_case
from tests.support.ui import TODAY, screen_text

SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
async def test_sync_from_the_caseload(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    case_id, intake_id = work_on_a_case(laptop)
    app = make_app(Settings(home=laptop.home, keyring=False), store=laptop, today=TODAY)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        assert "17 unsynced · last sync never" in screen_text(app)
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = screen_text(app)
        assert "0 unsynced · last sync" in text and "never" not in text
        assert "sync done: pushed 17 change(s)" in " ".join(text.split())
    assert central.assessments()[intake_id]["status"] == "submitted" and case_id in central.cases()


@SQLITE_ONLY
async def test_a_device_reported_lost_is_wiped_from_the_app(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    work_on_a_case(laptop)
    [device] = list_devices(central.engine)
    revoke(central.engine, device.id, DeviceState.LOST)
    app = make_app(Settings(home=laptop.home, keyring=False), store=laptop, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("y")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.return_code == 0 and app.store is None
    assert not (laptop.home / "store.db").exists() and not (laptop.home / "store.key").exists()


async def test_not_enrolled_says_how(tmp_path: Path) -> None:
    from drive_tui.store.store import create
    from tests.support.data import PASSPHRASE

    settings = Settings(home=tmp_path / "alone", keyring=False, user="cm1")
    app = make_app(settings, store=create(settings, PASSPHRASE), today=TODAY)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        assert "not enrolled" in screen_text(app) and "unsynced" not in screen_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert "This device is not enrolled" in " ".join(screen_text(app).split())


@SQLITE_ONLY
async def test_sign_off_round_trips_from_the_supervisors_app_to_the_case_managers(
    central: Central, tmp_path: Path
) -> None:
    from drive_tui.sync.engine import sync
    from drive_tui.sync.protocol import Role
    from drive_tui.ui.screens.case import CaseScreen

    central.user("cm1")
    central.user("sup", Role.SUPERVISOR, ["Essex"])
    laptop = new_device(central, tmp_path, "cm1")
    case_id, intake_id = work_on_a_case(laptop)
    sync(laptop)
    supervisor = new_device(central, tmp_path, "sup")
    sync(supervisor)

    app = make_app(Settings(home=supervisor.home, keyring=False), store=supervisor, today=TODAY)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert " New " not in footer and "Filter" in footer  # a supervisor's device does not create cases
        await app.push_screen(CaseScreen(case_id))
        await pilot.pause()
        table = app.screen.query_one("#timeline")
        table.move_cursor(row=0)  # the intake
        await pilot.press("t")
        await pilot.pause()
        await pilot.press(*"Check the risk to children", "enter")
        await pilot.pause()
        assert "RETURNED by sup" in " ".join(screen_text(app).split())
        footer = screen_text(app).splitlines()[-1]
        assert "Next" not in footer and "Profile" not in footer and "Return" in footer  # no editing keys here
        await pilot.press("escape", "y")  # back to the caseload, and sync
        await app.workers.wait_for_complete()
        await pilot.pause()

    laptop_app = make_app(Settings(home=laptop.home, keyring=False), store=laptop, today=TODAY)
    async with laptop_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("y")
        await laptop_app.workers.wait_for_complete()
        await pilot.pause()
        await laptop_app.push_screen(CaseScreen(case_id))
        await pilot.pause()
        text = " ".join(screen_text(laptop_app).split())
        assert "RETURNED by sup: Check the risk to children" in text
        await pilot.press("f2")  # visit mode: the comment is not shown
        await pilot.pause()
        assert "Check the risk to children" not in screen_text(laptop_app)


@SQLITE_ONLY
async def test_an_enrolled_device_shows_the_case_manager_but_does_not_change_it(
    central: Central, tmp_path: Path
) -> None:
    """Cases are assigned centrally: the central store would refuse (and quarantine) a change of case manager, so
    the device does not make one — the field is shown disabled, and the store refuses it too."""
    from textual.widgets import Input

    from drive_tui.store.cases import get_case, update_case
    from drive_tui.store.errors import Invalid
    from drive_tui.store.replica import pending_by_operation
    from drive_tui.ui.screens.case_form import CaseFormScreen

    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    case_id, _ = work_on_a_case(laptop)
    with laptop.transaction() as tx:
        before = pending_by_operation(tx)
    with pytest.raises(Invalid, match="assigned centrally"), laptop.transaction() as tx:
        update_case(tx, case_id, {"case_manager": "cm2"})
    with laptop.transaction() as tx:
        assert pending_by_operation(tx) == before
        case = get_case(tx, case_id)
    app = make_app(Settings(home=laptop.home, keyring=False), store=laptop, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.push_screen(CaseFormScreen(case))
        await pilot.pause()
        field = app.screen.query_one("#f-case_manager", Input)
        assert field.disabled and field.value == "cm1"
        app.screen.query_one("#f-age", Input).value = "44"  # other fields still save
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, CaseFormScreen)
    with laptop.transaction() as tx:
        assert pending_by_operation(tx)["case.update"] == before.get("case.update", 0) + 1
