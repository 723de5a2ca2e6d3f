"""UI fixtures: the real app from the one factory, on a fresh encrypted store with an invented caseload."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from drive_tui.config import Settings
from drive_tui.demo import synthetic_exchange
from drive_tui.domain.interchange import ExchangedAssessment, ExchangedCase
from drive_tui.store.store import Store
from drive_tui.store.transfer import import_exchange
from drive_tui.ui.app import DriveApp, make_app
from tests.support.data import INTAKE_COMPLETE
from tests.support.ui import TODAY, Clock


@pytest.fixture
def populated(store: Store) -> Store:
    """Twenty invented cases, and TEST-0001: intake submitted in August, the 3-month review due."""
    exchange = synthetic_exchange(store.forms, cases=20, today=TODAY, seed=11)
    known = ExchangedCase.model_validate(
        {
            "reference": "TEST-0001",
            "site": "Essex",
            "allocated_on": "2026-08-20",
            "case_manager": "cm1",
            "service_user": {"gender": "man", "age": 41, "employment": "unemployed"},
            "victims": [{"relationship": "intermittent_partner", "gender": "woman", "age": 38, "idva_engaged": True}],
            "assessments": [
                ExchangedAssessment(timepoint="intake", completed_on=date(2026, 8, 25), answers=INTAKE_COMPLETE)
            ],
        }
    )
    exchange.cases.append(known)
    with store.transaction() as tx:
        import_exchange(tx, exchange)
    return store


@pytest.fixture
def app_for(settings: Settings) -> Iterator:  # type: ignore[type-arg]
    """Build the app for a store (or for none: it then unlocks or creates one itself)."""

    def build(store: Store | None, *, clock: Clock | None = None, **changes: object) -> DriveApp:
        return make_app(settings.with_changes(**changes), store=store, today=TODAY, clock=clock or Clock())

    yield build
