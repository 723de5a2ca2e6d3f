"""The footer every screen shows: compact, and without Textual's "^p palette" entry, so that a screen's own keys,
F1, F2 and Ctrl+Q fit in 80 columns (the help screen, F1, names Ctrl+P)."""

from __future__ import annotations

from textual.widgets import Footer


class DriveFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True, show_command_palette=False)
