"""What every drive-tui screen shares: typed access to the app (its store, settings and visit mode)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from drive_tui.ui.app import DriveApp


class DriveScreenMixin:
    """Mixed into a Screen or ModalScreen: ``self.drive`` is the running DriveApp."""

    @property
    def drive(self) -> DriveApp:
        return cast("DriveApp", self.app)  # type: ignore[attr-defined]
