"""Two devices editing one case profile offline: different fields merge; one field given two values becomes an
open conflict that both users see, never a silent overwrite, and it can be resolved."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from drive_tui.store.cases import create_case, get_case, update_case
from drive_tui.store.reviews import open_conflicts, resolve_conflict
from drive_tui.sync.engine import sync
from tests.support.central import Central, assert_converged, new_device
from tests.support.data import profile


def test_two_devices_editing_one_profile_offline(central: Central, tmp_path: Path) -> None:
    central.user("cm1")
    laptop, spare = new_device(central, tmp_path, "cm1"), new_device(central, tmp_path, "cm1", name="spare")
    with laptop.transaction() as tx:
        case_id = create_case(tx, profile(case_manager="cm1")).id
    sync(laptop)
    sync(spare)

    # Offline, both edit: the same field to different values, and one different field each.
    with laptop.transaction() as tx:
        update_case(tx, case_id, {"service_user.employment": "full_time", "service_user.age": 35})
    with spare.transaction() as tx:
        update_case(tx, case_id, {"service_user.employment": "part_time", "victims.0.idva_engaged": False})

    assert sync(laptop).conflicts == 0
    report = sync(spare)
    assert report.conflicts == 1 and "1 with conflicts to resolve" in report.summary()
    sync(laptop)

    for device in (laptop, spare):
        with device.transaction() as tx:
            case = get_case(tx, case_id)
            conflicts = open_conflicts(tx, case_id)
        assert case.service_user.age == 35 and case.victims[0].idva_engaged is False  # merged field by field
        assert case.service_user.employment.value == "full_time"  # the first value stays until someone chooses
        assert [(c.field, c.central_value, c.incoming_value, c.incoming_author) for c in conflicts] == [
            ("service_user.employment", "full_time", "part_time", "cm1")
        ]

    with spare.transaction() as tx:
        resolve_conflict(tx, conflicts[0].id, "part_time")
    sync(spare)
    sync(laptop)
    for device in (laptop, spare):
        with device.transaction() as tx:
            assert get_case(tx, case_id).service_user.employment.value == "part_time"
            assert open_conflicts(tx) == []
    assert_converged(central, laptop, spare)


def test_a_change_the_server_refuses_is_replaced_by_the_central_version(central: Central, tmp_path: Path) -> None:
    """Cases are assigned centrally: a device that edits its case manager gets the central value back. (Today's
    device refuses to make that change; one from before that check, or a tampered one, still could.)"""
    central.user("cm1")
    laptop = new_device(central, tmp_path, "cm1")
    with laptop.transaction() as tx:
        case_id = create_case(tx, profile(case_manager="cm1")).id
    sync(laptop)
    with laptop.transaction() as tx:  # as a device from before that check: it did not know it was enrolled
        update_case(replace(tx, identity=replace(tx.identity, role=None)), case_id, {"case_manager": "someone else"})
    report = sync(laptop)
    assert len(report.rejected) == 1 and "assigned centrally" in report.rejected[0]
    with laptop.transaction() as tx:
        assert get_case(tx, case_id).case_manager == "cm1"
    assert_converged(central, laptop)
