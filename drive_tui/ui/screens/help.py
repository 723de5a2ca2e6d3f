"""Help: every key of the screen underneath and of the app, with what it does."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from drive_tui.ui.widgets.visit_badge import VisitBadge

ABOUT = (
    "Everything you enter is saved as you go; a submitted assessment cannot change (amend it to correct it).\n"
    "F2 hides victim/survivor details, risk, notes and work with other agencies (visit mode); leaving it asks for "
    "your passphrase.\n"
    "The app locks itself when idle; Ctrl+P lists every action."
)


@runtime_checkable
class Marked(Protocol):
    """A screen whose rows carry marks (``!``, ``✎``) that a newcomer needs explained."""

    def help_marks(self) -> list[tuple[str, str]]: ...


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def __init__(self, below: Screen[object]) -> None:
        super().__init__()
        self.below = below

    def compose(self) -> ComposeResult:
        below = self.below
        rows: list[tuple[str, str]] = []
        seen: set[str] = set()
        for node in (below, self.app):
            for binding in getattr(node, "BINDINGS", []):
                if (
                    isinstance(binding, Binding)
                    and binding.description
                    and binding.key not in seen
                    and node.check_action(binding.action.split("(")[0], ()) is not False  # a key that works here
                ):
                    seen.add(binding.key)
                    keys = ", ".join(self.app.get_key_display(Binding(k.strip(), "")) for k in binding.key.split(","))
                    rows.append((keys, binding.tooltip or binding.description))
        keys_table = Table.grid(padding=(0, 1))  # a description that wraps stays in its column, under itself
        keys_table.add_column(width=max(len(keys) for keys, _ in rows), no_wrap=True)  # the keys' width, no more
        keys_table.add_column(ratio=1)
        for keys, description in rows:
            keys_table.add_row(Text(keys, style="bold"), Text(description))
        yield VisitBadge()
        with VerticalScroll(id="help-box"):
            yield Static("Keys", classes="help-title")
            yield Static(keys_table)
            marks = below.help_marks() if isinstance(below, Marked) else []
            if marks:
                yield Static("What the marks mean", classes="help-title")
                marks_table = Table.grid(padding=(0, 1))
                marks_table.add_column(width=max(len(mark) for mark, _ in marks), no_wrap=True)
                marks_table.add_column(ratio=1)
                for mark, meaning in marks:
                    marks_table.add_row(Text(mark, style="bold"), Text(meaning))
                yield Static(marks_table)
            yield Static(ABOUT, classes="muted", id="help-about")
