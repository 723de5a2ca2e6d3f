"""Cases with their current submitted assessments, read in two queries whatever the number of cases: the cohort
the outcome analyses run over (closed cases) and the team dashboard's missing-data figures (all cases)."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import ColumnElement, func, literal, select

from drive_tui.domain.cohort import CohortCase
from drive_tui.domain.models import Assessment, Case
from drive_tui.domain.vocab import AssessmentStatus, CaseStatus, Timepoint
from drive_tui.store.store import Tx
from drive_tui.store.tables import ASSESSMENT_FIELDS, AssessmentRow, CaseRow


def cohort(
    tx: Tx,
    *,
    closed_only: bool = False,
    site: str | None = None,
    closed_from: date | None = None,
    closed_to: date | None = None,
) -> list[CohortCase]:
    """Cases (closed ones only, at ``site``, closed between the dates, both inclusive), by site and reference.

    Read with Core rather than the ORM: for thousands of cases, building ORM objects costs more than the analyses.
    The cyclic garbage collector is paused meanwhile: the read makes hundreds of thousands of objects and none is
    garbage yet, and its repeated passes over them cost a third of the time.
    """
    with collector_paused():
        return _cohort(tx, closed_only=closed_only, site=site, closed_from=closed_from, closed_to=closed_to)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Cycle collection off for a read that builds many objects and no garbage (its passes over them would cost
    a third to a half of the read), back as it was after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _cohort(
    tx: Tx, *, closed_only: bool, site: str | None, closed_from: date | None, closed_to: date | None
) -> list[CohortCase]:
    cases, assessments = CaseRow.__table__, AssessmentRow.__table__  # type: ignore[attr-defined]
    wanted: list[ColumnElement[bool]] = []
    if closed_only or closed_from is not None or closed_to is not None:
        wanted.append(cases.c.status == CaseStatus.CLOSED.value)
    if site is not None:
        wanted.append(cases.c.site == site)
    if closed_from is not None:
        wanted.append(cases.c.closed_on >= closed_from)
    if closed_to is not None:
        wanted.append(cases.c.closed_on <= closed_to)
    connection = tx.session.connection()
    found = _cases(tx, wanted)
    current: dict[str, dict[Timepoint, Assessment]] = defaultdict(dict)
    # Each row comes back as one JSON document, parsed and validated by pydantic-core: for tens of thousands of
    # assessments that is several times quicker than building SQLAlchemy rows and then models from them.
    as_json = func.json_object(
        *[
            part
            for name in ASSESSMENT_FIELDS
            for part in (literal(name), func.json(assessments.c[name]) if name == "answers" else assessments.c[name])
        ]
    )
    query = (
        select(as_json)
        .select_from(assessments)
        .join(cases, cases.c.id == assessments.c.case_id)
        .where(assessments.c.status == AssessmentStatus.SUBMITTED.value, *wanted)
    )
    for (document,) in connection.execute(query).all():
        assessment = Assessment.model_validate_json(document)
        current[assessment.case_id][assessment.timepoint] = assessment
    return [CohortCase(case=case, assessments=current[case.id]) for case in found]


def cases_at(tx: Tx, site: str | None = None) -> list[Case]:
    """Every case (at ``site``), by site and reference, read with Core as the cohort is (for thousands of cases,
    ORM rows cost more than the rest of a report)."""
    cases = CaseRow.__table__  # type: ignore[attr-defined]
    return _cases(tx, [] if site is None else [cases.c.site == site])


def _cases(tx: Tx, wanted: list[ColumnElement[bool]]) -> list[Case]:
    cases = CaseRow.__table__  # type: ignore[attr-defined]
    profile = [column for column in cases.c if column.name != "contact_strategy"]  # the case, not its casework
    query = select(*profile).where(*wanted).order_by(cases.c.site, cases.c.reference)
    return [Case.model_validate(row) for row in tx.session.connection().execute(query).mappings().all()]
