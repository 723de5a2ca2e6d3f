"""The history view model: drafts are not history, amendments show what they replaced, scales give ▲ ▼."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from drive_tui.analysis.history import build_history, sparkline
from drive_tui.domain.models import Assessment
from drive_tui.domain.vocab import Timepoint
from drive_tui.forms.catalogue import load_catalogue

FORMS = load_catalogue()
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def assessment(
    id_: str,
    timepoint: Timepoint,
    status: str,
    answers: dict[str, object],
    minutes: int = 0,
    supersedes: str | None = None,
) -> Assessment:
    form = FORMS.for_timepoint(timepoint)
    at = T0 + timedelta(minutes=minutes)
    return Assessment(
        id=id_,
        case_id="c",
        timepoint=timepoint,
        form_id=form.id,
        form_version=form.version,
        answers=answers,
        status=status,
        author="cm1",
        device_id="d",
        created_at=at,
        updated_at=at,
        supersedes=supersedes,
    )


def test_history_columns_changes_and_amendments() -> None:
    history = build_history(
        [
            assessment("i1", Timepoint.INTAKE, "amended", {"dva_physical": "moderate", "risk_to_victim": "high"}),
            assessment(
                "i2",
                Timepoint.INTAKE,
                "submitted",
                {"dva_physical": "standard", "risk_to_victim": "high"},
                5,
                supersedes="i1",
            ),
            assessment(
                "r3", Timepoint.MONTH_3, "submitted", {"dva_physical": "high", "risk_to_victim": "not_known"}, 9
            ),
            assessment("r6", Timepoint.MONTH_6, "draft", {"dva_physical": "none"}, 12),
        ],
        FORMS.get,
    )
    assert [c.timepoint for c in history.columns] == [Timepoint.INTAKE, Timepoint.MONTH_3]  # the draft is not history
    physical = next(r for r in history.rows if r.answer_id == "dva_physical")
    assert [(c.text, c.change, c.was) for c in physical.cells] == [("Standard", None, "Moderate"), ("High", "up", None)]
    assert physical.sensitive
    risk = next(r for r in history.rows if r.answer_id == "risk_to_victim")
    assert risk.cells[1].change == "changed"  # high → not known: different, but not up or down
    assert history.series("dva_physical") == ["standard", "high"]
    assert history.series("dva_sexual") == [None, None]
    assert sparkline(["none", "standard", "moderate", "high", "not_known", None]) == "▁▃▅█?·"
    assert sparkline(["medium", "not_applicable", "not_known"]) == "▅-?"  # no children is not "not known"
