"""What the store needs of the settings — where it lives, who works in it, which forms, the schedule's grace — and
nothing else (not visit mode, not the idle lock). ``config.Settings`` has all of it; a test or a benchmark can pass
anything that has these."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class StoreSettings(Protocol):
    @property
    def home(self) -> Path: ...

    @property
    def user(self) -> str:
        """The login name, recorded as author until the device enrols (then the central store's user name)."""
        ...

    @property
    def forms_dir(self) -> Path | None: ...

    @property
    def grace_days(self) -> int: ...

    @property
    def database_path(self) -> Path: ...

    @property
    def key_file_path(self) -> Path: ...
