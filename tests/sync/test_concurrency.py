"""Pushes decided beside one another (``central.push``): several laptops sync at once through two worker processes
on PostgreSQL, racing for the same references, while a supervisor pulls in tiny pages throughout. Every race ends
as if the pushes had come one at a time, and the supervisor's cursor never skips or repeats a row."""

from __future__ import annotations

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from drive_tui.store.cases import create_case
from drive_tui.store.store import Store
from drive_tui.sync.engine import sync
from drive_tui.sync.protocol import Role
from tests.support.central import (
    Central,
    assert_each_change_once,
    http_client,
    local_change_ids,
    new_device,
    work_on_a_case,
)
from tests.support.data import profile

pytestmark = [
    pytest.mark.server_process,
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
    pytest.mark.parametrize("workers", [2], indirect=True),
]

RACED = [f"RACE-{number:02d}" for number in range(1, 7)]


def _pull_all(central: Central, store: Store, done: threading.Event) -> list[tuple[str, str]]:
    """Pull three rows a page, again and again until ``done`` and the store has nothing newer; every row as it
    arrived (kind, JSON)."""
    received: list[tuple[str, str]] = []
    cursor: dict[str, Any] = {"seq": 0, "stamp": ""}
    with http_client(central, store) as client:
        while True:
            finished = done.is_set()  # read before the pull: a pull after the last push has committed ends it
            page = client.post("/v1/pull", json={"cursor": cursor, "limit": 3})
            assert page.status_code == 200, page.text
            body = page.json()
            for kind in ("cases", "assessments", "reviews", "conflicts", "work_log"):
                received += [(kind, json.dumps(row, sort_keys=True)) for row in body[kind]]
            assert body["cursor"]["seq"] >= cursor["seq"]  # never backwards
            cursor = body["cursor"]
            if finished and not body["more"]:
                return received


def test_laptops_racing_for_references_end_as_if_one_at_a_time_and_pulls_miss_nothing(
    central: Central, tmp_path: Path
) -> None:
    laptops = []
    for number in range(1, 5):
        central.user(f"cm{number}", sites=["Essex"])
        laptop = new_device(central, tmp_path, f"cm{number}")
        work_on_a_case(laptop, f"OWN-{number}", site="Essex")  # its own case: a case, an intake answered, submitted
        with laptop.transaction() as tx:
            for reference in RACED:  # the same six references on every laptop: one case each may hold them
                create_case(tx, profile(reference, site="Essex", case_manager=f"cm{number}"))
        laptops.append(laptop)
    central.user("sup", Role.SUPERVISOR, sites=["Essex"])
    supervisor = new_device(central, tmp_path, "sup")

    done = threading.Event()
    with ThreadPoolExecutor(5) as pool:
        pulled = pool.submit(_pull_all, central, supervisor, done)
        reports = list(pool.map(sync, laptops))
        done.set()
        received = pulled.result(timeout=120)

    holders = Counter(case["reference"] for case in central.cases().values())
    assert all(holders[reference] == 1 for reference in RACED), holders  # each reference went to one laptop
    assert sum(len(report.rejected) for report in reports) == len(RACED) * 3  # and was refused to the other three
    assert all("reference" in line for report in reports for line in report.rejected)
    assert all(holders[f"OWN-{number}"] == 1 for number in range(1, 5))
    assert_each_change_once(central, *laptops)
    assert central.change_count() == sum(len(local_change_ids(laptop)) for laptop in laptops)

    # The supervisor's pulls, made while the pushes committed, hold every row of the site as it ends, each version
    # of a row once: a cursor that skipped a commit would lack a row, one that repeated would hold it twice. (A case
    # may come again, unchanged, as the parent of a later page's assessment: a page is applied on its own.)
    assessments_received = Counter(row for kind, row in received if kind == "assessments")
    assert assessments_received and max(assessments_received.values()) == 1
    latest_cases = {json.loads(row)["id"]: json.loads(row) for kind, row in received if kind == "cases"}
    central_cases = central.cases()
    assert set(latest_cases) == set(central_cases)
    for case_id, row in latest_cases.items():
        assert row["reference"] == central_cases[case_id]["reference"]
        assert row["case_manager"] == central_cases[case_id]["case_manager"]
    pulled_assessments = {json.loads(row)["id"] for kind, row in received if kind == "assessments"}
    assert pulled_assessments == set(central.assessments())
