"""A table whose rows open something (a case, an assessment)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets._data_table import RowKey


class OpenTable(DataTable[Any]):
    """DataTable's own Enter is hidden from the footer and shadows the screen's, so the footer never said what
    Enter does; here it says "Open". Enter selects the row (``RowSelected``), which the screen handles."""

    BINDINGS = [Binding("enter", "select_cursor", "Open")]

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """DataTable measures every cell of every new row, to widen auto-width columns and size labels: with every
        column's width set and rows of one line with no label, that measuring changes nothing — and for a caseload
        of 2,000 cases it was ~30 ms of start-up. Then only the table's size is worked out."""
        if any(column.auto_width for column in self.columns.values()) or any(
            row.label is not None or row.auto_height for row in self.rows.values()
        ):
            super()._update_dimensions(new_rows)
        else:
            super()._update_dimensions(())
