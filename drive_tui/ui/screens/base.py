"""What every drive-tui screen shares: typed access to the app, the guarded store call, rebuilding a part of the
screen, and following visit mode.

Screens read the store in ``on_mount`` or a worker, never in ``compose``: compose lays out what is already loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from textual import events
from textual.widget import Widget

from drive_tui.store.errors import StoreError

if TYPE_CHECKING:
    from drive_tui.store.store import Tx
    from drive_tui.ui.app import DriveApp

R = TypeVar("R")


class DriveScreenMixin:
    """Mixed into a Screen or ModalScreen: ``self.drive`` is the running DriveApp."""

    @property
    def drive(self) -> DriveApp:
        return cast("DriveApp", self.app)  # type: ignore[attr-defined]

    def in_store(self, work: Callable[[Tx], R], *, refused: Callable[[StoreError], None] | None = None) -> R | None:
        """``work`` in one transaction of the store. A refusal — a rule of the store, bad input, or the store busy
        with a sync — is shown to the person (by ``refused``, else as a notification) and None is returned; nothing
        half-done is kept, and the app goes on."""
        store = self.drive.store
        assert store is not None, "the store is attached before any screen that uses it is shown"
        try:
            with store.transaction() as tx:
                return work(tx)
        except StoreError as exc:
            if refused is not None:
                refused(exc)
            else:
                self.drive.notify(str(exc), severity="error")
            return None

    async def refill(self, container: Widget, widgets: Iterable[Widget]) -> None:
        """Replace what ``container`` holds (after new data, or a change of visit mode)."""
        await container.remove_children()
        await container.mount_all(list(widgets))

    def _on_mount(self, event: events.Mount) -> None:
        self.watch(self.app, "visit_mode", self._visit_mode_watched, init=False)  # type: ignore[attr-defined]

    async def _visit_mode_watched(self, _on: Any) -> None:
        await self.visit_mode_changed()

    async def visit_mode_changed(self) -> None:
        """Visit mode went on or off: a screen that draws anything sensitive redraws without it."""

    def prepare_to_quit(self) -> None:
        """The app is about to exit: save what is waiting to be saved (typed text before its pause)."""
