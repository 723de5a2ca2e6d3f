"""Users, one-time enrolment codes and devices. Codes and tokens are stored only as SHA-256 hashes (they are
long random secrets, so a slow hash adds nothing); a token is shown once, to the device that enrols.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, func, select, update

from drive_tui.central.db import CentralError
from drive_tui.central.tables import DeviceRow, EnrolmentRow, RefusalRow, UserRow
from drive_tui.domain.terms import DeviceState, Role

ENROLMENT_MINUTES = 30
ENROLMENT_ATTEMPTS = 10
"""Failed enrolments one address may make in ``ENROLMENT_WINDOW`` before it must wait."""
ENROLMENT_WINDOW = timedelta(minutes=1)
WIPE_GRACE = timedelta(minutes=15)
"""How long a retired device, once told to wipe, may go on pushing: the rest of that sync."""
log = logging.getLogger("drive_tui.central")
_refusals = RefusalRow.__table__  # type: ignore[attr-defined]
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
    wipe_ordered_at: datetime | None = None
    pulled_seq: int = 0

    def may_push(self, now: datetime) -> bool:
        """An active device; or a retired one finishing the sync in which it was told to wipe."""
        if self.state is DeviceState.ACTIVE:
            return True
        return self.state is DeviceState.RETIRED and (
            self.wipe_ordered_at is None or now < self.wipe_ordered_at + WIPE_GRACE
        )


def _user(row: object) -> User:
    return User(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        sites=list(row.sites),  # type: ignore[attr-defined]
        active=bool(row.active),
    )  # type: ignore[attr-defined]


def add_user(engine: Engine, username: str, role: Role, sites: list[str] | None = None) -> User:
    username = username.strip()
    if not username or len(username) > 120 or not username.isprintable():
        raise CentralError("a username is 1 to 120 printable characters")
    sites = _sites(sites)
    if role is Role.SUPERVISOR and not sites:
        raise CentralError("a supervisor needs the sites of their team (--site, one or more)")
    with engine.begin() as connection:
        if connection.execute(select(_users.c.id).where(_users.c.username == username)).first():
            raise CentralError(f"user {username!r} already exists")
        row = {
            "id": str(uuid.uuid4()),
            "username": username,
            "role": role.value,
            "sites": sites or [],
            "active": True,
            "created_at": datetime.now(UTC),
        }
        connection.execute(_users.insert().values(**row))
    return User(id=row["id"], username=username, role=role, sites=sites or [], active=True)


def _sites(sites: list[str] | None) -> list[str]:
    cleaned = sorted({site.strip() for site in sites or []})
    if any(not site or len(site) > 120 or not site.isprintable() for site in cleaned):
        raise CentralError("a site is 1 to 120 printable characters")
    return cleaned


def set_sites(engine: Engine, username: str, sites: list[str]) -> User:
    """Give a user the sites they work at (replacing those they had)."""
    cleaned = _sites(sites)
    with engine.begin() as connection:
        user = find_user(connection, username)
        if user.role is not Role.ADMINISTRATOR and not cleaned:
            raise CentralError("give one or more sites (--site)")
        connection.execute(update(_users).where(_users.c.id == user.id).values(sites=cleaned))
    return User(id=user.id, username=user.username, role=user.role, sites=cleaned, active=user.active)


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
        connection.execute(
            _enrolments.insert().values(
                code_hash=_hash(raw), user_id=user.id, created_at=now, expires_at=now + timedelta(minutes=minutes)
            )
        )
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


class EnrolmentRefused(CentralError):
    pass


class TooManyAttempts(CentralError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed enrolment attempts from this address: try again in {retry_after} s")
        self.retry_after = retry_after


def record_refusal(
    connection: Connection,
    *,
    action: str,
    reason: str,
    device: Device | None = None,
    address: str | None = None,
    entity_id: str | None = None,
) -> None:
    """Log a refusal centrally and in the server's log: who, which device, what and why — never a value."""
    connection.execute(
        _refusals.insert().values(
            at=datetime.now(UTC),
            user_id=device.user.id if device else None,
            device_id=device.id if device else None,
            address=address,
            action=action,
            entity_id=entity_id,
            reason=reason,
        )
    )
    log.warning(
        "refused %s: %s (user %s, device %s)",
        action,
        reason,
        device.user.username if device else "-",
        device.id if device else address or "-",
    )


def _failed_attempts(connection: Connection, address: str, now: datetime) -> tuple[int, datetime | None]:
    query = select(func.count(), func.min(_refusals.c.at)).where(
        _refusals.c.action == "enrol", _refusals.c.address == address, _refusals.c.at > now - ENROLMENT_WINDOW
    )
    count, oldest = connection.execute(query).one()
    return count, oldest


def enrol(engine: Engine, code: str, device_name: str, *, address: str = "unknown") -> tuple[Device, str]:
    """Use a code: register a device and return it with its token (shown this once, stored hashed). Failed
    attempts are counted per source ``address``: past ``ENROLMENT_ATTEMPTS`` a minute, even a good code waits."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        count, oldest = _failed_attempts(connection, address, now)
        if count >= ENROLMENT_ATTEMPTS:
            wait = (oldest + ENROLMENT_WINDOW - now).total_seconds() if oldest is not None else 60
            raise TooManyAttempts(max(1, int(wait) + 1))
    try:
        return _enrol(engine, code, device_name, now)
    except EnrolmentRefused as exc:
        with engine.begin() as connection:
            record_refusal(connection, action="enrol", reason=str(exc), address=address)
        raise


def _enrol(engine: Engine, code: str, device_name: str, now: datetime) -> tuple[Device, str]:
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
        connection.execute(
            _devices.insert().values(
                id=device_id,
                user_id=user.id,
                name=device_name,
                token_hash=_hash(token),
                state=DeviceState.ACTIVE.value,
                enrolled_at=now,
                accepted_changes=0,
            )
        )
    return Device(
        id=device_id,
        name=device_name,
        state=DeviceState.ACTIVE,
        user=user,
        enrolled_at=now,
        last_sync_at=None,
        accepted_changes=0,
    ), token


def _device(row: object, user: User) -> Device:
    return Device(
        id=row.id,
        name=row.name,
        state=DeviceState(row.state),
        user=user,  # type: ignore[attr-defined]
        enrolled_at=row.enrolled_at,
        last_sync_at=row.last_sync_at,  # type: ignore[attr-defined]
        accepted_changes=row.accepted_changes,  # type: ignore[attr-defined]
        wipe_ordered_at=row.wipe_ordered_at,
        pulled_seq=row.pulled_seq,
    )  # type: ignore[attr-defined]


def authenticate(connection: Connection, token: str) -> Device | None:
    """The device holding ``token``, whatever its state (the caller decides what a revoked device may do)."""
    row = connection.execute(
        select(_devices, _users.c.username, _users.c.role, _users.c.sites, _users.c.active.label("user_active"))
        .join(_users, _users.c.id == _devices.c.user_id)
        .where(_devices.c.token_hash == _hash(token))
    ).first()
    if row is None:
        return None
    user = User(
        id=row.user_id, username=row.username, role=Role(row.role), sites=list(row.sites), active=bool(row.user_active)
    )
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


def touch(
    connection: Connection,
    device_id: str,
    *,
    synced: bool,
    accepted: int = 0,
    pulled_seq: int | None = None,
    wipe_ordered: bool = False,
) -> int:
    """Record that the device was seen (and synced, pulled to ``pulled_seq``, sent ``accepted`` more changes);
    returns how many changes the store now holds from it."""
    now = datetime.now(UTC)
    values: dict[str, object] = {"last_seen_at": now}
    if synced:
        values["last_sync_at"] = now
    if accepted:
        values["accepted_changes"] = _devices.c.accepted_changes + accepted
    if pulled_seq is not None:
        values["pulled_seq"] = (
            func.greatest(_devices.c.pulled_seq, pulled_seq)
            if connection.dialect.name == "postgresql"
            else func.max(_devices.c.pulled_seq, pulled_seq)
        )
    query = update(_devices).where(_devices.c.id == device_id)
    accepted_now = connection.execute(query.values(**values).returning(_devices.c.accepted_changes)).scalar_one()
    if wipe_ordered:
        connection.execute(query.where(_devices.c.wipe_ordered_at.is_(None)).values(wipe_ordered_at=now))
    return int(accepted_now)
