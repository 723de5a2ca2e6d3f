"""A table cell for columns of fixed width: rendered as its text, never measured or parsed as markup."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text


class Cell:
    """Plain text (with an optional style) for a DataTable column whose width is set.

    DataTable measures every cell it is given to size auto-width columns; through Rich that costs about 20 µs a
    cell, which for a caseload of 2,000 cases × 7 columns was the largest part of start-up. A renderable with no
    ``__rich_measure__`` is not measured, and these columns have fixed widths, so nothing is lost. Case data is
    never read as markup.
    """

    __slots__ = ("text", "style")

    def __init__(self, text: str, style: str = "") -> None:
        self.text = text
        self.style = style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text(self.text, style=self.style, no_wrap=True, overflow="ellipsis")

    def __str__(self) -> str:
        return self.text
