"""Running the real ``drive-tui`` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.data import PASSPHRASE


def run(home: Path, *args: str, passphrase: str | None = PASSPHRASE, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DRIVE_TUI_")}
    environment.update({"DRIVE_TUI_HOME": str(home), "DRIVE_TUI_KEYRING": "0", "COLUMNS": "120", **env})
    if passphrase is not None:
        environment["DRIVE_TUI_PASSPHRASE"] = passphrase
    return subprocess.run(
        [sys.executable, "-m", "drive_tui", *args],
        capture_output=True,
        text=True,
        env=environment,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
