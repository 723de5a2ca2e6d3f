"""Users, one-time enrolment codes and devices. Codes and tokens are stored only as SHA-256 hashes (they are
long random secrets, so a slow hash adds nothing); a token is shown once, to the device that enrols.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, select, update

from drive_tui.central.db import CentralError
from drive_tui.central.tables import DeviceRow, EnrolmentRow, UserRow
from drive_tui.sync.protocol import DeviceState, Role

ENROLMENT_MINUTES = 30
_users = UserRow.__table__  # type: ignore[attr-defined]
_enrolments = EnrolmentRow.__table__  # type: ignore[attr-defined]
_devices = DeviceRow.__table__  # type: ignore[attr-defined]
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read aloud over the phone


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _normalise_code(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


@dataclass(frozen=True, slots=True)
class User:
    id: str
    username: str
    role: Role
    sites: list[str]
    active: bool


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    name: str
    state: DeviceState
    user: User
    enrolled_at: datetime
    last_sync_at: datetime | None
    accepted_changes: int


def _user(row: object) -> User:
    return User(id=row.id, username=row.username, role=Role(row.role), sites=list(row.sites),  # type: ignore[attr-defined]
                active=bool(row.active))  # type: ignore[attr-defined]


def add_user(engine: Engine, username: str, role: Role, sites: list[str] | None = None) -> User:
    username = username.strip()
    if not username or len(username) > 120:
        raise CentralError("a username is 1 to 120 characters")
    if role is Role.SUPERVISOR and not sites:
        raise CentralError("a supervisor needs the sites of their team (--site, one or more)")
    with engine.begin() as connection:
        if connection.execute(select(_users.c.id).where(_users.c.username == username)).first():
            raise CentralError(f"user {username!r} already exists")
        row = {"id": str(uuid.uuid4()), "username": username, "role": role.value, "sites": sites or [],
               "active": True, "created_at": datetime.now(UTC)}
        connection.execute(_users.insert().values(**row))
    return User(id=row["id"], username=username, role=role, sites=sites or [], active=True)


def find_user(connection: Connection, username: str) -> User:
    row = connection.execute(select(_users).where(_users.c.username == username)).first()
    if row is None:
        raise CentralError(f"no user {username!r}")
    return _user(row)


def list_users(engine: Engine) -> list[User]:
    with engine.connect() as connection:
        return [_user(row) for row in connection.execute(select(_users).order_by(_users.c.username))]


def issue_code(engine: Engine, username: str, *, minutes: int = ENROLMENT_MINUTES) -> str:
    """A one-time enrolment code for ``username``, valid for ``minutes``. Only its hash is stored."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    now = datetime.now(UTC)
    with engine.begin() as connection:
        user = find_user(connection, username)
        if not user.active:
            raise CentralError(f"user {username!r} is disabled")
        connection.execute(_enrolments.insert().values(
            code_hash=_hash(raw), user_id=user.id, created_at=now, expires_at=now + timedelta(minutes=minutes)))
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


class EnrolmentRefused(CentralError):
    pass


def enrol(engine: Engine, code: str, device_name: str) -> tuple[Device, str]:
    """Use a code: register a device and return it with its token (shown this once, stored hashed)."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        row = connection.execute(
            select(_enrolments).where(_enrolments.c.code_hash == _hash(_normalise_code(code))).with_for_update()
        ).first()
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise EnrolmentRefused("this enrolment code is not valid: it may be mistyped, used or expired")
        user = _user(connection.execute(select(_users).where(_users.c.id == row.user_id)).one())
        if not user.active:
            raise EnrolmentRefused("this enrolment code is not valid: the user is disabled")
        token = secrets.token_urlsafe(32)
        device_id = str(uuid.uuid4())
        connection.execute(update(_enrolments).where(_enrolments.c.code_hash == row.code_hash).values(used_at=now))
        connection.execute(_devices.insert().values(
            id=device_id, user_id=user.id, name=device_name, token_hash=_hash(token), state=DeviceState.ACTIVE.value,
            enrolled_at=now, accepted_changes=0))
    return Device(id=device_id, name=device_name, state=DeviceState.ACTIVE, user=user, enrolled_at=now,
                  last_sync_at=None, accepted_changes=0), token


def _device(row: object, user: User) -> Device:
    return Device(id=row.id, name=row.name, state=DeviceState(row.state), user=user,  # type: ignore[attr-defined]
                  enrolled_at=row.enrolled_at, last_sync_at=row.last_sync_at,  # type: ignore[attr-defined]
                  accepted_changes=row.accepted_changes)  # type: ignore[attr-defined]


def authenticate(connection: Connection, token: str) -> Device | None:
    """The device holding ``token``, whatever its state (the caller decides what a revoked device may do)."""
    row = connection.execute(
        select(_devices, _users.c.username, _users.c.role, _users.c.sites, _users.c.active.label("user_active"))
        .join(_users, _users.c.id == _devices.c.user_id)
        .where(_devices.c.token_hash == _hash(token))
    ).first()
    if row is None:
        return None
    user = User(id=row.user_id, username=row.username, role=Role(row.role), sites=list(row.sites),
                active=bool(row.user_active))
    return _device(row, user)


def list_devices(engine: Engine) -> list[Device]:
    with engine.connect() as connection:
        users = {row.id: _user(row) for row in connection.execute(select(_users))}
        rows = connection.execute(select(_devices).order_by(_devices.c.enrolled_at))
        return [_device(row, users[row.user_id]) for row in rows]


def revoke(engine: Engine, device_id: str, state: DeviceState) -> None:
    """Retire a device (it may push what it holds once more, then wipes) or mark it lost (refused at once)."""
    if state is DeviceState.ACTIVE:
        raise CentralError("revoke a device as retired or lost")
    with engine.begin() as connection:
        done = connection.execute(
            update(_devices).where(_devices.c.id == device_id).values(state=state.value, revoked_at=datetime.now(UTC))
        )
        if done.rowcount != 1:
            raise CentralError(f"no device {device_id!r}")


def touch(connection: Connection, device_id: str, *, synced: bool, accepted: int = 0) -> None:
    now = datetime.now(UTC)
    values: dict[str, object] = {"last_seen_at": now}
    if synced:
        values["last_sync_at"] = now
    if accepted:
        values["accepted_changes"] = _devices.c.accepted_changes + accepted
    connection.execute(update(_devices).where(_devices.c.id == device_id).values(**values))
