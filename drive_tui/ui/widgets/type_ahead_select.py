"""A Select that typing opens: a letter on the closed list opens it and starts Textual's type-to-search there, so
a choice is a letter or two and Enter (Textual's Select opens only on Enter, Space or an arrow)."""

from __future__ import annotations

from textual import events
from textual.widgets import Select
from textual.widgets._select import SelectOverlay


class TypeAheadSelect(Select[str]):
    async def _on_key(self, event: events.Key) -> None:
        if self.expanded or event.character is None or not event.is_printable or event.character == " ":
            return
        event.stop()
        event.prevent_default()
        self.expanded = True  # the overlay takes focus (later: Textual queues it), which clears its search
        overlay = self.query_one(SelectOverlay)
        letter = events.Key(event.key, event.character)
        self.app.call_later(overlay.post_message, letter)  # queued after the focus: the letter starts the search
