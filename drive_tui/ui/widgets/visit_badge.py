"""The visit-mode banner, on every screen (dialogs included), so nobody wonders whether it is on."""

from __future__ import annotations

from textual.widgets import Static

VISIT_BANNER = "VISIT MODE · victim/survivor details, risk and notes are hidden · F2 to leave"


class VisitBadge(Static):
    DEFAULT_CSS = """
    VisitBadge {
        width: 100%;
        height: 1;
        background: $warning;
        color: $background;
        text-style: bold;
        content-align: center middle;
        display: none;
    }
    VisitBadge.-on { display: block; }
    """

    def __init__(self) -> None:
        super().__init__(VISIT_BANNER)

    def on_mount(self) -> None:
        self.watch(self.app, "visit_mode", self._show, init=True)

    def _show(self, on: bool) -> None:
        self.set_class(on, "-on")
