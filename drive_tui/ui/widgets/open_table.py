"""A table whose rows open something (a case, an assessment)."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import DataTable


class OpenTable(DataTable[Any]):
    """DataTable's own Enter is hidden from the footer and shadows the screen's, so the footer never said what
    Enter does; here it says "Open". Enter selects the row (``RowSelected``), which the screen handles."""

    BINDINGS = [Binding("enter", "select_cursor", "Open")]
