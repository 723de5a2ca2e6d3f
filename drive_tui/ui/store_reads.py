"""What the app has read from the store for its overviews, with the store version it was read at.

The caseload reads every case's schedule; the dashboard opened from it needs the same rows for the team's load,
then every case with its current assessments for missing data; the outcome analyses opened from there run over
the closed ones among those. Each read is most of the time its screen takes (~50 ms for the caseload, ~150 ms for
the cohort of 2,000 cases), so a screen reuses the last one while the store is unchanged since (``version``).
Dropped when the app locks. Importing this module costs nothing before the first frame (no SQLAlchemy).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from drive_tui.domain.vocab import CaseStatus
from drive_tui.store.caseload import CaseloadRow, read_caseload, read_version
from drive_tui.ui.startup import keep_long_lived

if TYPE_CHECKING:
    from drive_tui.domain.casework import CaseWork
    from drive_tui.domain.cohort import CohortCase
    from drive_tui.store.store import Tx

Version = tuple[Any, ...]


def version(tx: Tx, today: date) -> Version:
    """Equal versions (on one day) mean the same caseload and the same assessments."""
    return (today, *read_version(tx.dbapi))


class StoreReads:
    def __init__(self) -> None:
        self._caseload: tuple[Version, list[CaseloadRow]] | None = None
        self._cohort: tuple[Version, list[CohortCase]] | None = None
        self._derived: dict[str, tuple[Version, Any]] = {}

    def derived(self, name: str, at: Version) -> Any | None:
        """What a screen worked out from the store at ``at`` and kept under ``name`` (``keep``), if it was then."""
        kept = self._derived.get(name)
        return kept[1] if kept is not None and kept[0] == at else None

    def keep(self, name: str, at: Version, value: Any) -> None:
        """Keep a figure worked out from the store at ``at`` (e.g. the outcome analyses: ~50 ms for 2,000 cases),
        until the store changes."""
        self._derived[name] = (at, value)

    def remember_caseload(self, at: Version, rows: list[CaseloadRow]) -> None:
        """The caseload screen's rows, read at ``at`` (``version``)."""
        self._caseload = (at, rows)

    def caseload(self, tx: Tx, *, today: date) -> list[CaseloadRow]:
        """Every case with its schedule, as ``store.caseload.caseload`` reads them."""
        at = version(tx, today)
        if self._caseload is not None and self._caseload[0] == at:
            return self._caseload[1]
        rows = read_caseload(tx.dbapi, today=today, grace_days=tx.grace_days)
        self._caseload = (at, rows)
        return rows

    def all_cases(self, tx: Tx, *, today: date) -> list[CohortCase]:
        """Every case with its current submitted assessments (``store.cohort.cohort``)."""
        from drive_tui.store.cohort import cohort

        at = version(tx, today)
        if self._cohort is not None and self._cohort[0] == at:
            return self._cohort[1]
        cases = cohort(tx)
        self._cohort = (at, cases)
        keep_long_lived()  # kept until the store changes: out of the next screen's collections
        return cases

    def closed_cases(self, tx: Tx, *, today: date) -> list[CohortCase]:
        """The closed cases, as ``cohort(tx, closed_only=True)`` reads them (same order): from the last reading of
        every case if the store is as it was then, else read now (and not kept: it is not every case)."""
        from drive_tui.store.cohort import cohort

        read = self._cohort
        if read is not None and read[0] == version(tx, today):
            return [item for item in read[1] if item.case.status is CaseStatus.CLOSED]
        return cohort(tx, closed_only=True)

    def case_work(self, tx: Tx, *, today: date) -> list[CaseWork]:
        """Every case with its work log (``store.work_log.case_work``), the cases from the last reading of every
        case if the store is as it was then."""
        from drive_tui.store.work_log import case_work

        read = self._cohort
        if read is not None and read[0] == version(tx, today):
            return case_work(tx, cases=[item.case for item in read[1]])
        return case_work(tx)
