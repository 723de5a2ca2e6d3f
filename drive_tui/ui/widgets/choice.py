"""One answer chosen from a vocabulary, drawn by one widget: ``(•) Yes  ( ) No  ( ) Not known   was: No``.

Textual's ``RadioSet`` is a container of one ``RadioButton`` widget per option; an assessment has some forty
fields, and composing, styling and laying out those ~200 widgets was most of the time it took to open one. This
draws the options, the keyboard cursor and the previous answer as lines of its own, wrapping whole options at
any width, so a field is one widget. The chosen option reads without colour (``(•)`` against ``( )``), the
cursor is drawn only while the field has focus (elsewhere it would look like an answer), and keys and clicks
behave as Textual's radio set does: arrows move the cursor (wrapping), Enter or Space chooses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Size
from textual.reactive import reactive
from textual.widget import Widget

GAP = 2
"""Spaces between two options on a line."""
NOTE_GAP = 4
"""Spaces between the last option and the note ("was: …") when they share a line."""


@dataclass(frozen=True)
class Span:
    """Where an option (``index``) or the note (``index`` -1) is drawn: line ``y``, columns ``x`` to ``x + width``."""

    index: int
    y: int
    x: int
    width: int


def lay_out(widths: Sequence[int], note: int, max_width: int, *, inline: bool) -> list[Span]:
    """Place options of the given widths, then a note of width ``note`` (0: none), in lines of ``max_width``:
    side by side while they fit (``inline``) or one a line; an option is never split across lines."""
    spans: list[Span] = []
    y, x = 0, 0
    for index, width in enumerate(widths):
        if x and (not inline or x + GAP + width > max_width):
            y, x = y + 1, 0
        start = x + GAP if x else 0
        spans.append(Span(index, y, start, width))
        x = start + width
    if note:
        if inline:
            if x and x + NOTE_GAP + note > max_width:
                spans.append(Span(-1, y + 1, 0, note))
            else:
                spans.append(Span(-1, y, x + NOTE_GAP if x else 0, note))
        else:  # a list: the note beside its first line, past the longest option, when there is room
            column = max(widths, default=0) + NOTE_GAP
            spans.append(Span(-1, 0, column, note) if column + note <= max_width else Span(-1, y + 1, 0, note))
    return spans


class Choice(Widget, can_focus=True):
    """A single choice among ``options`` (code, label); ``on_change(code)`` is called as soon as one is chosen —
    synchronously, so whatever the answer shows or hides is in place before the next key is handled."""

    BINDINGS = [
        Binding("right", "move(1)", "Next option", show=False),
        Binding("left", "move(-1)", "Previous option", show=False),
        Binding("down", "down", "Next option", show=False),
        Binding("up", "up", "Previous option", show=False),
        Binding("enter,space", "choose", "Choose", show=False),
    ]
    COMPONENT_CLASSES = {"choice--mark", "choice--chosen", "choice--cursor", "choice--note"}
    DEFAULT_CSS = """
    Choice { width: 1fr; height: auto; }
    Choice:focus { background: $boost; }
    Choice > .choice--mark { color: $text-muted; }
    Choice > .choice--chosen { color: $text-accent; text-style: bold underline; }
    Choice > .choice--cursor { color: $block-cursor-foreground; background: $block-cursor-background; }
    Choice > .choice--note { color: $text-muted; }
    Choice:disabled { opacity: 0.8; }
    """

    cursor: reactive[int] = reactive(0)

    def __init__(
        self,
        options: Sequence[tuple[str, str]],
        value: str | None,
        *,
        name: str,
        inline: bool,
        note: str = "",
        on_change: Callable[[str], None] | None = None,
        in_grid: bool = False,
        disabled: bool = False,
    ) -> None:
        """``in_grid``: one row of a grid, so Up and Down go to the row above or below (the cursor keeps its
        column), Left and Right along the options."""
        super().__init__(name=name, disabled=disabled)
        self.options = list(options)
        self.value = value
        self.inline = inline
        self.note = note
        self.on_change = on_change
        self.in_grid = in_grid
        codes = [code for code, _ in self.options]
        self.set_reactive(Choice.cursor, codes.index(value) if value in codes else 0)
        self._spans: list[Span] = []

    def _items(self) -> list[str]:
        return [("(•) " if code == self.value else "( ) ") + label for code, label in self.options]

    def _spans_for(self, width: int) -> list[Span]:
        return lay_out([len(item) for item in self._items()], len(self.note), max(width, 1), inline=self.inline)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        spans = self._spans_for(container.width)
        return max((span.x + span.width for span in spans), default=0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        spans = self._spans_for(width)
        return max((span.y for span in spans), default=0) + 1

    def render(self) -> Content:
        self._spans = spans = self._spans_for(self.content_region.width or self.size.width)
        items = self._items()
        lines: list[list[tuple[int, Content]]] = [[] for _ in range(max((s.y for s in spans), default=0) + 1)]
        focused = self.has_focus
        for span in spans:
            if span.index < 0:
                lines[span.y].append((span.x, Content.styled(self.note, self.get_visual_style("choice--note"))))
                continue
            code, label = self.options[span.index]
            chosen = code == self.value
            mark = Content.styled(items[span.index][:3], self.get_visual_style("choice--mark"))
            if chosen:
                mark = Content.styled(items[span.index][:3], self.get_visual_style("choice--chosen"))
            text = Content(" " + label)
            if chosen:
                text = text.stylize(self.get_visual_style("choice--chosen"), 1)
            if focused and span.index == self.cursor:
                text = text.stylize(self.get_visual_style("choice--cursor"))
            lines[span.y].append((span.x, mark + text))
        rendered: list[Content] = []
        for parts in lines:
            line, column = Content(""), 0
            for x, part in parts:
                line = line + Content(" " * (x - column)) + part
                column = x + part.cell_length
            rendered.append(line)
        return Content("\n").join(rendered)

    def watch_cursor(self) -> None:
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, step: int) -> None:
        if self.options:
            self.cursor = (self.cursor + step) % len(self.options)

    def action_down(self) -> None:
        self._vertical(1)

    def action_up(self) -> None:
        self._vertical(-1)

    def _vertical(self, step: int) -> None:
        if not self.in_grid:
            self.action_move(step)
            return
        rows = [row for row in self.parent.parent.query(Choice)] if self.parent and self.parent.parent else []
        index = rows.index(self) + step if self in rows else -1
        if 0 <= index < len(rows):
            rows[index].cursor = min(self.cursor, len(rows[index].options) - 1)
            rows[index].focus()
        elif step > 0:  # past the last row: on to the next field, as Tab
            self.screen.focus_next()
        else:
            self.screen.focus_previous()

    def action_choose(self) -> None:
        if self.options:
            self.choose(self.options[self.cursor][0])

    def choose(self, code: str) -> None:
        """Choose ``code`` as a person would (the cursor goes to it); nothing happens if it is already chosen."""
        codes = [option for option, _ in self.options]
        self.cursor = codes.index(code)
        if code == self.value:
            return
        self.value = code
        self.refresh()  # "(•)" for "( )": the same width, no layout
        if self.on_change is not None:
            self.on_change(code)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self.disabled:
            return
        for span in self._spans:
            if span.index >= 0 and span.y == offset.y and span.x <= offset.x < span.x + span.width:
                self.focus()
                self.choose(self.options[span.index][0])
                return
