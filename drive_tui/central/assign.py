"""Central case assignment: a new case allocated to a case manager, or a case moved to another one.

A moved case and everything under it gets new sequence numbers, so the new case manager's device pulls all of it;
a move record tells the old device to remove the case once its pending changes for it are in.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Engine, select, update

from drive_tui.central import db
from drive_tui.central.db import CentralError
from drive_tui.central.people import find_user
from drive_tui.central.tables import AssessmentRow, CaseMoveRow, CaseRow, ConflictRow, ReviewRow, WorkLogRow
from drive_tui.domain.models import CaseProfile
from drive_tui.domain.terms import Role

_cases = CaseRow.__table__  # type: ignore[attr-defined]
_children = [table.__table__ for table in (AssessmentRow, ReviewRow, ConflictRow, WorkLogRow)]  # type: ignore[attr-defined]
"""Everything under a case that a device pulls: a move renumbers each, so the new holders' devices pull it all."""
_moves = CaseMoveRow.__table__  # type: ignore[attr-defined]


def create_case(engine: Engine, *, reference: str, site: str, allocated_on: date, case_manager: str) -> str:
    """Allocate a new case to ``case_manager``; it reaches their device on its next sync."""
    now = datetime.now(UTC)
    profile = CaseProfile(reference=reference, site=site, allocated_on=allocated_on, case_manager=case_manager)
    with engine.begin() as connection:
        if find_user(connection, case_manager).role is not Role.CASE_MANAGER:
            raise CentralError(f"{case_manager!r} is not a case manager")
        clash = select(_cases.c.id).where(_cases.c.site == site, _cases.c.reference == reference)
        if connection.execute(clash).first():
            raise CentralError(f"case {reference} already exists at {site}")
        case_id = str(uuid.uuid4())
        data = profile.model_dump(mode="json")
        connection.execute(
            _cases.insert().values(
                id=case_id,
                **{**data, "allocated_on": allocated_on, "closed_on": None},
                created_at=now,
                updated_at=now,
                seq=db.next_seqs(connection, 1, now=now),
            )
        )
    return case_id


def assign_case(engine: Engine, *, site: str, reference: str, to: str, to_site: str | None = None) -> None:
    """Move a case to another case manager, and to another site if ``to_site`` says so (administrators only: a
    device can do neither)."""
    now = datetime.now(UTC)
    target = (to_site or site).strip()
    if not target or len(target) > 120 or not target.isprintable():
        raise CentralError("a site is 1 to 120 printable characters")
    with engine.begin() as connection:
        if find_user(connection, to).role is not Role.CASE_MANAGER:
            raise CentralError(f"{to!r} is not a case manager")
        # The lock first: the case's holder and what is under it are read as no push can change them before the move
        # commits (a draft committed in between was left with a number the new holder's cursor had passed).
        db.lock_head(connection)
        row = connection.execute(
            select(_cases.c.id, _cases.c.case_manager).where(_cases.c.site == site, _cases.c.reference == reference)
        ).first()
        if row is None:
            raise CentralError(f"no case {reference} at {site}")
        if target != site:
            clash = select(_cases.c.id).where(_cases.c.site == target, _cases.c.reference == reference)
            if connection.execute(clash).first():
                raise CentralError(f"case {reference} already exists at {target}")
        if row.case_manager == to and target == site:
            return
        child_ids = [
            (table, [r.id for r in connection.execute(select(table.c.id).where(table.c.case_id == row.id))])
            for table in _children
        ]
        moved = row.case_manager != to or target != site  # the old holder, or the old site's supervisors, lose it
        count = 1 + moved + sum(len(ids) for _, ids in child_ids)
        seq = db.next_seqs(connection, count, now=now)
        connection.execute(
            update(_cases).where(_cases.c.id == row.id).values(case_manager=to, site=target, updated_at=now, seq=seq)
        )
        seq += 1
        if moved:
            connection.execute(
                _moves.insert().values(
                    id=str(uuid.uuid4()),
                    case_id=row.id,
                    from_user=row.case_manager,
                    to_user=to,
                    from_site=site if target != site else None,
                    at=now,
                    seq=seq,
                )
            )
            seq += 1
        for table, ids in child_ids:
            for child_id in ids:
                connection.execute(update(table).where(table.c.id == child_id).values(seq=seq))
                seq += 1
