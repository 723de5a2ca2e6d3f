"""Every path drive-tui uses comes from here: the one seam tests (and ``DRIVE_TUI_HOME``) redirect."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "drive-tui"
DATABASE_NAME = "store.db"
KEY_FILE_NAME = "store.key"


def default_home() -> Path:
    """The per-user data folder of this OS (e.g. ``~/.local/share/drive-tui`` on Linux)."""
    return user_data_path(APP_NAME, appauthor=False)


def database_path(home: Path) -> Path:
    return home / DATABASE_NAME


def key_file_path(home: Path) -> Path:
    return home / KEY_FILE_NAME
