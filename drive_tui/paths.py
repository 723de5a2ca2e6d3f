"""Every path drive-tui uses comes from here: the one seam tests (and ``DRIVE_TUI_HOME``) redirect."""

from __future__ import annotations

import os
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


def create_private(path: Path, *, replace: bool = False) -> None:
    """An empty file only its owner may read or write, for a library (SQLite, SQLCipher, pyreadstat) that then
    writes into it: it never exists with wider permissions, and SQLite gives its -wal and -shm files the same mode.
    An existing file is kept, unless ``replace``."""
    if replace:
        path.unlink(missing_ok=True)
    elif path.exists():
        return
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def write_private(path: Path, data: str | bytes, *, overwrite: bool = True) -> None:
    """Write ``data`` (text as UTF-8) to a file only its owner may read (an export, a report: not encrypted) — 0600
    even where it replaces a file that was not. With ``overwrite=False`` an existing file is left as it is and
    ``FileExistsError`` raised (checked and created in one step)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL), 0o600)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(fd, 0o600)
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
