"""Cases in the local store: create, update field by field, read."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlmodel import col, select

from drive_tui.domain.models import Case, CaseProfile, new_id
from drive_tui.domain.terms import Operation
from drive_tui.store.errors import Conflict, Invalid, NotFound
from drive_tui.store.journal import journal
from drive_tui.store.store import Tx
from drive_tui.store.tables import CaseRow

PROFILE_FIELDS = ("reference", "site", "allocated_on", "case_manager", "status", "closed_on")


def to_case(row: CaseRow) -> Case:
    return Case.model_validate(
        {
            "id": row.id,
            "reference": row.reference,
            "site": row.site,
            "allocated_on": row.allocated_on,
            "case_manager": row.case_manager,
            "service_user": row.service_user,
            "victims": row.victims,
            "status": row.status,
            "closed_on": row.closed_on,
            "created_at": row.created_at,
            "updated_at": row.updated_at,
        }
    )


def _profile_dict(profile: CaseProfile) -> dict[str, Any]:
    return profile.model_dump(mode="json")


def _stored_profile(row: CaseRow) -> dict[str, Any]:
    return to_case(row).model_dump(mode="json", exclude={"id", "created_at", "updated_at"})


def _validated(data: dict[str, Any], what: str) -> CaseProfile:
    try:
        return CaseProfile.model_validate(data)
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False)]
        raise Invalid(f"the {what} is not valid", problems) from None


def create_case(tx: Tx, profile: CaseProfile, *, case_id: str | None = None) -> Case:
    """Add a case. References are unique per site."""
    if find_case(tx, site=profile.site, reference=profile.reference) is not None:
        raise Conflict(f"case {profile.reference} already exists at {profile.site}")
    data = _profile_dict(profile)
    row = CaseRow(
        id=case_id or new_id(),
        reference=profile.reference,
        site=profile.site,
        allocated_on=profile.allocated_on,
        case_manager=profile.case_manager,
        service_user=data["service_user"],
        victims=data["victims"],
        status=profile.status.value,
        closed_on=profile.closed_on,
        created_at=tx.now,
        updated_at=tx.now,
    )
    tx.session.add(row)
    tx.session.flush()
    journal(tx, action=Operation.CASE_CREATE, entity_id=row.id, payload={"profile": data})
    return to_case(row)


def _get_row(tx: Tx, case_id: str) -> CaseRow:
    row = tx.session.get(CaseRow, case_id)
    if row is None:
        raise NotFound(f"no case with id {case_id}")
    return row


def get_case(tx: Tx, case_id: str) -> Case:
    return to_case(_get_row(tx, case_id))


def find_case(tx: Tx, *, site: str, reference: str) -> Case | None:
    row = tx.session.exec(select(CaseRow).where(CaseRow.site == site, CaseRow.reference == reference)).first()
    return to_case(row) if row is not None else None


def list_cases(tx: Tx) -> list[Case]:
    rows = tx.session.exec(select(CaseRow).order_by(col(CaseRow.site), col(CaseRow.reference)))
    return [to_case(row) for row in rows]


def _set_path(data: dict[str, Any], path: str, value: Any) -> Any:
    """Set ``data[a][b]`` for ``path == "a.b"`` (victims by index: ``victims.0.age``); returns the old value."""
    parts = path.split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list):
        old = node[int(last)]
        node[int(last)] = value
    else:
        if last not in node:
            raise KeyError(path)
        old = node[last]
        node[last] = value
    return old


def update_case(tx: Tx, case_id: str, changes: dict[str, Any], *, journalled: bool = True) -> Case:
    """Change profile fields, named by dotted path (``service_user.age``, ``victims.0.relationship``, ``status``).

    The whole profile is re-validated; the outbox row carries each field's old and new value so that sync
    can merge edits from two devices field by field. ``journalled=False`` is for a caller that journals the
    change itself (resolving a conflict sends the resolution, not a field edit).
    """
    if journalled and any(path.split(".")[0] == "case_manager" for path in changes) and not tx.identity.may_reassign:
        raise Invalid(
            "cases are assigned centrally: ask an administrator to reassign this case "
            "(the central store would refuse the change)"
        )
    row = _get_row(tx, case_id)
    data = _stored_profile(row)
    old_values: dict[str, Any] = {}
    for path, value in changes.items():
        try:
            old_values[path] = _set_path(data, path, value)
        except (KeyError, IndexError, ValueError, TypeError):
            raise Invalid(f"unknown case field {path!r}") from None
    profile = _validated(data, "case change")
    if (profile.site, profile.reference) != (row.site, row.reference):
        other = find_case(tx, site=profile.site, reference=profile.reference)
        if other is not None and other.id != case_id:
            raise Conflict(f"case {profile.reference} already exists at {profile.site}")
    new = _profile_dict(profile)
    for name in PROFILE_FIELDS:
        setattr(row, name, getattr(profile, name).value if name == "status" else getattr(profile, name))
    row.service_user, row.victims, row.updated_at = new["service_user"], new["victims"], tx.now
    tx.session.add(row)
    if not journalled:
        return to_case(row)
    journal(
        tx,
        action=Operation.CASE_UPDATE,
        entity_id=case_id,
        payload={"changes": {p: {"old": old_values[p], "new": v} for p, v in changes.items()}},
        detail={"fields": sorted(changes)},
    )
    return to_case(row)


def add_victim(tx: Tx, case_id: str, victim: dict[str, Any]) -> Case:
    """Link another victim/survivor to the case."""
    row = _get_row(tx, case_id)
    data = _stored_profile(row)
    data["victims"].append(victim)
    profile = _validated(data, "victim/survivor")
    row.victims, row.updated_at = _profile_dict(profile)["victims"], tx.now
    tx.session.add(row)
    journal(
        tx,
        action=Operation.CASE_ADD_VICTIM,
        entity_id=case_id,
        payload={"victim": row.victims[-1]},
        detail={"victims": len(row.victims)},
    )
    return to_case(row)
