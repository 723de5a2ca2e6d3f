"""Ethnicity as an ONS 2011 category: old free text read as a code wherever it is read, what matches none kept as
typed; the profile tallies it."""

from __future__ import annotations

import json
from datetime import date

import pytest
from pydantic import ValidationError

from drive_tui.analysis.outcomes import profile
from drive_tui.domain.ethnicity import code_ethnicity
from drive_tui.domain.models import CaseProfile, ServiceUser, VictimSurvivor
from drive_tui.domain.vocab import Ethnicity
from drive_tui.store.cases import create_case, get_case
from drive_tui.store.store import Store
from tests.test_outcomes import su_case


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("White British", Ethnicity.WHITE_BRITISH),
        ("white - british", Ethnicity.WHITE_BRITISH),
        ("WELSH", Ethnicity.WHITE_BRITISH),
        ("Irish Traveller", Ethnicity.WHITE_GYPSY_TRAVELLER),
        ("White other", Ethnicity.WHITE_OTHER),
        ("Mixed: White and Black Caribbean", Ethnicity.MIXED_WHITE_BLACK_CARIBBEAN),
        ("Mixed", Ethnicity.MIXED_OTHER),  # a group's name alone: its "any other", as the census codes a write-in
        ("Black British", Ethnicity.BLACK_OTHER),
        ("Asian British", Ethnicity.ASIAN_OTHER),
        ("Pakistani", Ethnicity.ASIAN_PAKISTANI),
        ("Not stated", Ethnicity.NOT_KNOWN),
        ("declined", Ethnicity.PREFER_NOT_TO_SAY),
        ("Asian/Asian British: Bangladeshi", Ethnicity.ASIAN_BANGLADESHI),  # a category's own label
    ],
)
def test_plain_wordings_are_read_as_their_category(typed: str, code: Ethnicity) -> None:
    assert code_ethnicity(typed) is code


@pytest.mark.parametrize("typed", ["White", "Polish", "British Asian Muslim", "x"])
def test_what_names_no_category_plainly_is_not_guessed(typed: str) -> None:
    assert code_ethnicity(typed) is None


def test_old_free_text_becomes_a_code_or_is_kept_as_typed() -> None:
    assert ServiceUser.model_validate({"ethnicity": "white british"}).ethnicity is Ethnicity.WHITE_BRITISH
    kept = ServiceUser.model_validate({"ethnicity": "  Polish "})
    assert (kept.ethnicity, kept.ethnicity_recorded) == (Ethnicity.AS_RECORDED, "Polish")
    again = ServiceUser.model_validate(kept.model_dump(mode="json"))  # read again: unchanged
    assert again == kept
    chosen = ServiceUser.model_validate({"ethnicity": "white_other", "ethnicity_recorded": "Polish"})
    assert (chosen.ethnicity, chosen.ethnicity_recorded) == (Ethnicity.WHITE_OTHER, None)  # a category replaces it
    assert VictimSurvivor.model_validate({"ethnicity": ""}).ethnicity is None
    assert VictimSurvivor.model_validate({"ethnicity": "Chinese"}).ethnicity is Ethnicity.ASIAN_CHINESE


@pytest.mark.parametrize(
    "data",
    [
        {"ethnicity": "as_recorded"},  # "as recorded" with nothing recorded
        {"ethnicity": "as_recorded", "ethnicity_recorded": "a\nb"},  # not one line
        {"ethnicity": "as_recorded", "ethnicity_recorded": "x" * 81},
        {"ethnicity": 7},
    ],
)
def test_inconsistent_or_malformed_ethnicity_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ServiceUser.model_validate(data)


def test_a_stored_case_with_old_free_text_reads_as_coded(store: Store) -> None:
    """A case saved before ethnicity was coded holds free text in its stored JSON: read, it is coded."""
    with store.transaction() as tx:
        case = create_case(
            tx,
            CaseProfile(reference="OLD-1", site="Essex", allocated_on=date(2026, 1, 5), case_manager="cm1"),
        )
        old_su = {"gender": "man", "ethnicity": "Black Caribbean"}
        old_victims = [{"relationship": "partner", "ethnicity": "Kurdish"}]
        tx.dbapi.execute(
            "UPDATE cases SET service_user = ?, victims = ? WHERE id = ?",
            (json.dumps(old_su), json.dumps(old_victims), case.id),
        )
    with store.transaction() as tx:
        read = get_case(tx, case.id)
    assert read.service_user.ethnicity is Ethnicity.BLACK_CARIBBEAN
    assert (read.victims[0].ethnicity, read.victims[0].ethnicity_recorded) == (Ethnicity.AS_RECORDED, "Kurdish")


def test_the_profile_tallies_ethnicity_with_its_base() -> None:
    """Four SUs: two White British, one typed "Polish" before coding (as recorded), one unanswered — 2/4 = 50.0%,
    1/4 = 25.0% each."""
    cases = [
        su_case({}, ethnicity="white_british"),
        su_case({}, ethnicity="White British"),
        su_case({}, ethnicity="Polish"),
        su_case({}),
    ]
    tally = profile(cases)["ethnicity"]
    assert tally["counts"] == {"as_recorded": 1, "white_british": 2, "unanswered": 1}
    assert tally["percent"] == {"as_recorded": 25.0, "white_british": 50.0, "unanswered": 25.0}


def test_the_case_profile_shows_typed_text_as_written() -> None:
    """Old ethnicity text (and a site) holding Rich markup's brackets is shown as typed, full and compact — it
    failed to render before."""
    from rich.console import Console

    from drive_tui.ui.screens.case import _compact_profile, _profile

    case = su_case({}, ethnicity="[/x] Kurdish").case
    object.__setattr__(case, "site", "[bold]Essex")
    object.__setattr__(case, "reference", "R[/r]1")
    for table in (_profile(case), _compact_profile(case)):
        console = Console(width=100, record=True, color_system=None)
        console.print(table)
        text = console.export_text()
        assert "[/x] Kurdish" in text and "[bold]Essex" in text and "Case R[/r]1" in text
