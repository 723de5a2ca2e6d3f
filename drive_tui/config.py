"""Settings: one frozen dataclass, read from the environment (``DRIVE_TUI_*``) by ``Settings.from_env``, never at
import.

A plain dataclass rather than pydantic-settings: importing pydantic-settings costs about 90 ms, a third of the
app's whole start-up budget, for eleven values that need only a type and a range each.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Self

from drive_tui import paths
from drive_tui.domain.schedule import DEFAULT_GRACE_DAYS
from drive_tui.domain.working_days import STALLED_AFTER_WORKING_DAYS

ENV_PREFIX = "DRIVE_TUI_"


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True, slots=True)
class Secret:
    """A secret value that never shows in a repr, a log line or a traceback's locals."""

    value: str = field(repr=False)

    def get_secret_value(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return "Secret('**********')"


class SettingsError(ValueError):
    """One or more settings are invalid. ``names`` are the environment variables at fault; values never appear."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(f"invalid setting: {', '.join(names)}")
        self.names = names


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "t", "yes", "y", "on"}:
        return True
    if lowered in {"0", "false", "f", "no", "n", "off"}:
        return False
    raise ValueError("not a yes/no value")


def _path(text: str) -> Path:
    if not text.strip():
        raise ValueError("empty path")
    return Path(text)


def _sites(text: str) -> tuple[str, ...]:
    sites = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if any(len(site) > 120 or not site.isprintable() for site in sites):
        raise ValueError("not a list of site names")
    return sites


def _proxies(text: str) -> tuple[str, ...]:
    from ipaddress import ip_network

    found = tuple(part.strip() for part in text.split(",") if part.strip())
    for part in found:
        ip_network(part, strict=False)  # ValueError: not an address or a network
    return found


_PARSERS: dict[str, Callable[[str], Any]] = {
    "home": _path,
    "passphrase": Secret,
    "new_passphrase": Secret,
    "keyring": _bool,
    "keyring_timeout": float,
    "user": str,
    "grace_days": int,
    "stalled_after_days": int,
    "small_cells_below": int,
    "forms_dir": _path,
    "visit_mode": _bool,
    "idle_lock_minutes": float,
    "server_database_url": str,
    "sites": _sites,
    "trusted_proxies": _proxies,
}
_RANGES: dict[str, tuple[float, float, bool]] = {
    "keyring_timeout": (0, 30, False),
    "grace_days": (0, 90, True),
    "stalled_after_days": (1, 260, True),
    "small_cells_below": (2, 100, True),
    "idle_lock_minutes": (0, 240, False),
}
"""name → (low, high, low included). ``high`` is always included."""


@dataclass(frozen=True, slots=True)
class Settings:
    home: Path = field(default_factory=paths.default_home)
    """Folder holding the encrypted store and its key file."""
    passphrase: Secret | None = None
    """Passphrase for non-interactive use (scripts, CI). Prefer the prompt or the keychain on a laptop."""
    new_passphrase: Secret | None = None
    """New passphrase for a non-interactive ``drive-tui passphrase``."""
    keyring: bool = True
    """Keep the data key in the OS keychain too, when a secure backend exists."""
    keyring_timeout: float = 3.0
    """Seconds to wait for the keychain before falling back to the passphrase (a locked D-Bus can hang)."""
    user: str = field(default_factory=_login_name)
    """Who is recorded as author of changes on this device."""
    grace_days: int = DEFAULT_GRACE_DAYS
    """Days after a due date before an assessment is overdue."""
    stalled_after_days: int = STALLED_AFTER_WORKING_DAYS
    """Working days an information request may stay unanswered before it shows as stalled: escalate it."""
    small_cells_below: int = 5
    """``report evaluation --suppress-small`` hides counts from 1 to this less one (for sharing outside the service)."""
    forms_dir: Path | None = None
    """Folder of form files to use instead of the built-in forms."""
    visit_mode: bool = False
    """Start the app in visit mode (victim/survivor details, risk and notes hidden)."""
    idle_lock_minutes: float = 5.0
    """Minutes without a key press before the app locks itself."""
    sites: tuple[str, ...] = ()
    """Sites a new case can be at on a laptop that is not enrolled (``DRIVE_TUI_SITES=Essex,Kent``); an enrolled
    one has the central store's."""

    trusted_proxies: tuple[str, ...] = ()
    """Central service only: reverse proxies (addresses or CIDR ranges, ``DRIVE_TUI_TRUSTED_PROXIES=10.0.0.5``) whose
    ``X-Forwarded-For`` names the client, for the enrolment rate limit and the refusals log."""
    server_database_url: str | None = None
    """Central service only: its database (default: ``central.db`` in ``home``; production: postgresql+psycopg://…)."""

    def __post_init__(self) -> None:
        bad = [
            ENV_PREFIX + name.upper()
            for name, (low, high, closed) in _RANGES.items()
            if not _in_range(getattr(self, name), low, high, closed)
        ]
        if bad:
            raise SettingsError(bad)
        for name in ("home", "forms_dir"):  # absolute, so a later chdir cannot move the store
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, Path(value).expanduser().resolve())

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Self:
        """Settings from ``DRIVE_TUI_*`` variables; ``overrides`` win over the environment.

        Raises SettingsError naming every variable that cannot be read (never quoting its value).
        """
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        bad: list[str] = []
        for spec in fields(cls):
            raw = environ.get(ENV_PREFIX + spec.name.upper())
            if raw is None:
                continue
            try:
                values[spec.name] = _PARSERS[spec.name](raw)
            except ValueError:
                bad.append(ENV_PREFIX + spec.name.upper())
        if bad:
            raise SettingsError(bad)
        return cls(**{**values, **overrides})

    def with_changes(self, **changes: Any) -> Self:
        """A copy with some values changed (validated again)."""
        return replace(self, **changes)

    @property
    def database_path(self) -> Path:
        return paths.database_path(self.home)

    @property
    def key_file_path(self) -> Path:
        return paths.key_file_path(self.home)


def _in_range(value: float, low: float, high: float, low_included: bool) -> bool:
    return (value >= low if low_included else value > low) and value <= high
