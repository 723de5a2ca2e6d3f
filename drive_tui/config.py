"""Settings: one pydantic-settings class, read from the environment (``DRIVE_TUI_*``) when asked, never at import."""

from __future__ import annotations

import getpass
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from drive_tui import paths
from drive_tui.domain.schedule import DEFAULT_GRACE_DAYS


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DRIVE_TUI_", extra="ignore", frozen=True)

    home: Path = Field(default_factory=paths.default_home)
    """Folder holding the encrypted store and its key file."""
    passphrase: SecretStr | None = None
    """Passphrase for non-interactive use (scripts, CI). Prefer the prompt or the keychain on a laptop."""
    new_passphrase: SecretStr | None = None
    """New passphrase for a non-interactive ``drive-tui passphrase``."""
    keyring: bool = True
    """Keep the data key in the OS keychain too, when a secure backend exists."""
    keyring_timeout: float = Field(default=3.0, gt=0, le=30)
    """Seconds to wait for the keychain before falling back to the passphrase (a locked D-Bus can hang)."""
    user: str = Field(default_factory=_login_name)
    """Who is recorded as author of changes on this device."""
    grace_days: int = Field(default=DEFAULT_GRACE_DAYS, ge=0, le=90)
    """Days after a due date before an assessment is overdue."""
    forms_dir: Path | None = None
    """Folder of form files to use instead of the built-in forms."""
    visit_mode: bool = False
    """Start the app in visit mode (victim/survivor details, risk and notes hidden)."""
    idle_lock_minutes: float = Field(default=5.0, gt=0, le=240)
    """Minutes without a key press before the app locks itself."""

    server_database_url: str | None = None
    """Central service only: its database (default: ``central.db`` in ``home``; production: postgresql+psycopg://…)."""

    @field_validator("home", "forms_dir")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        return value.expanduser().resolve() if value is not None else None

    @property
    def database_path(self) -> Path:
        return paths.database_path(self.home)

    @property
    def key_file_path(self) -> Path:
        return paths.key_file_path(self.home)
