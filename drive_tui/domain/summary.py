"""What a list of cases shows of each case — no profile, no victims — as a plain dataclass, so a caseload of
thousands is read without decoding a profile or importing pydantic (a named tuple: cheap to build by the thousand)."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from drive_tui.domain.vocab import CaseStatus


class CaseSummary(NamedTuple):
    id: str
    reference: str
    site: str
    case_manager: str
    status: CaseStatus
    allocated_on: date
    closed_on: date | None
