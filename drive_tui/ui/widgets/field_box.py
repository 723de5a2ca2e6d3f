"""One form field as widgets, generated from its spec: a choice as one ``Choice`` widget, several choices as a
selection list, the DVA grid as one compact row per behaviour type, numbers and dates as inputs, notes as a
text area. Every widget's own events become one call: ``on_change(box, answer_id, value)``, made synchronously
so the screen has saved the answer (and shown or hidden the fields it governs) before the next key.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from rich.segment import Segment
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import Input, Label, SelectionList, Static, TextArea
from textual.widgets.option_list import OptionDoesNotExist

from drive_tui.forms.spec import FieldKind, FieldSpec
from drive_tui.ui.labels import answer_label
from drive_tui.ui.widgets.choice import Choice

TEXT_SAVE_DELAY = 0.4
"""Seconds of quiet typing before text is saved (well inside the one-second promise)."""


class AnswerList(SelectionList[str]):
    """A selection list whose ticks read without colour: ``[x]`` chosen, ``[ ]`` not."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        if len(segments) < 4:  # not a line with a tick box
            return strip
        plain = segments[3].style  # the space between the box and the prompt: the line's own style
        tick = "x" if option.value in self.selected else " "
        segments[:3] = [Segment("[", plain), Segment(tick, segments[1].style), Segment("]", plain)]
        return Strip(segments)


class FieldBox(Vertical):
    """A field with its label, input widget(s), the previous assessment's answer, and (when there is one) an error
    line — as few widgets as it takes: a choice is its label and one ``Choice``."""

    DEFAULT_CSS = """
    FieldBox { height: auto; margin: 0 1 1 1; }
    FieldBox .field-label { text-style: bold; }
    FieldBox .answer-row { height: auto; }
    FieldBox .grid-row { height: auto; }
    FieldBox .grid-label { width: 23; }
    FieldBox SelectionList { height: auto; max-height: 9; width: 1fr; }
    FieldBox TextArea { height: 5; }
    FieldBox Input { width: 30; }
    FieldBox .previous { color: $text-muted; width: auto; margin-left: 2; }
    FieldBox .previous-note { margin-left: 0; max-height: 3; }
    """
    BINDINGS = [Binding("delete", "clear", "Clear answer", show=False)]

    def __init__(
        self,
        spec: FieldSpec,
        answers: dict[str, Any],
        previous: dict[str, Any] | None,
        *,
        read_only: bool,
        required: bool,
        on_change: Callable[[FieldBox, str, Any], None],
        hidden: frozenset[str] = frozenset(),
    ) -> None:
        """``hidden``: codes not to draw (in visit mode, the answers that say something of a victim's safety)."""
        super().__init__(id=f"field-{spec.id}")
        self.hidden = hidden
        self.spec = spec
        self.answers = answers
        self.previous = previous
        self.read_only = read_only
        self.required = required
        self.on_change = on_change
        self._pending: dict[str, Any] = {}
        self._timer: Timer | None = None
        self._error = ""

    def compose(self) -> ComposeResult:
        spec = self.spec
        yield Label(spec.label + (" *" if self.required else ""), classes="field-label")
        if spec.kind is FieldKind.SEVERITY_GRID:
            for row in spec.rows:
                with Horizontal(classes="grid-row"):
                    yield Label(row.label, classes="grid-label")
                    yield self._choice(row.id, inline=True, in_grid=True)
        elif spec.kind in (FieldKind.CHOICE, FieldKind.YES_NO_NOT_KNOWN, FieldKind.SEVERITY):
            vocab = spec.vocab
            assert vocab is not None
            # on one line when the options fit an 80-column form (the note wraps under them if it must)
            yield self._choice(spec.id, inline=sum(len(member.label) + 6 for member in vocab) <= 72)
        elif spec.kind is FieldKind.TEXT:  # the whole width to write in; the previous note under it
            yield self._input()
            if self.previous is not None:
                yield Static(self._previous_text(spec.id), classes="previous previous-note")
        else:
            with Horizontal(classes="answer-row"):
                yield self._input()
                if self.previous is not None:
                    yield Static(self._previous_text(spec.id), classes="previous")

    def _previous_text(self, answer_id: str) -> str:
        if self.previous is None:
            return ""
        value = self.previous.get(answer_id)
        if isinstance(value, str) and value in self.hidden:
            return "was: hidden in visit mode"
        return f"was: {answer_label(self.spec, value)}"

    def _choice(self, answer_id: str, *, inline: bool, in_grid: bool = False) -> Choice:
        vocab = self.spec.vocab
        assert vocab is not None
        current = self.answers.get(answer_id)
        notes = [self._previous_text(answer_id)]
        if isinstance(current, str) and current in self.hidden:  # so nobody answers it again unseen
            notes.insert(0, "answered — hidden in visit mode")
        return Choice(
            [(member.value, member.label) for member in vocab if member.value not in self.hidden],
            current if isinstance(current, str) else None,
            name=answer_id,
            inline=inline,
            note="  ".join(note for note in notes if note),
            on_change=lambda code: self.on_change(self, answer_id, code),
            in_grid=in_grid,
            disabled=self.read_only,
        )

    def _input(self) -> Any:
        spec, value = self.spec, self.answers.get(self.spec.id)
        if spec.kind is FieldKind.MULTI_CHOICE:
            vocab = spec.vocab
            assert vocab is not None
            chosen = set(value or [])
            return AnswerList(
                *[(m.label, m.value, m.value in chosen) for m in vocab],
                name=spec.id,
                disabled=self.read_only,
                compact=True,
            )
        if spec.kind is FieldKind.TEXT:
            area = TextArea(str(value or ""), name=spec.id, disabled=self.read_only, soft_wrap=True, compact=True)
            area.read_only = self.read_only
            return area
        placeholder = "YYYY-MM-DD" if spec.kind is FieldKind.DATE else "a whole number"
        return Input(
            "" if value is None else str(value),
            placeholder=placeholder,
            name=spec.id,
            compact=True,
            disabled=self.read_only,
            type="integer" if spec.kind is FieldKind.INTEGER else "text",
        )

    def show_error(self, message: str) -> None:
        """Show ``message`` under the field ("" removes it). Unchanged, nothing is redrawn: the screen calls this for
        every field after every save, and a needless update restyles the whole form. The error line is a widget
        only while there is an error."""
        if message == self._error:
            return
        self._error = message
        shown = self.query(".field-error")
        if not message:
            shown.remove()
        elif shown:
            shown.first(Static).update(message)
        else:
            self.mount(Static(message, classes="field-error"))

    def set_required(self, required: bool) -> None:
        """Mark the label with * while the answers so far make this field required."""
        if required != self.required:
            self.required = required
            self.query_one(".field-label", Label).update(self.spec.label + (" *" if required else ""))

    async def restore(self, answers: dict[str, Any], message: str = "") -> None:
        """Show what is stored again — after a cleared answer, or a save that was refused (the widget must never
        show an answer that is not saved) — with ``message`` saying why, and keep the focus here."""
        focused = self.app.focused
        had_focus = focused is not None and self in focused.ancestors_with_self
        if had_focus:
            self.screen.set_focus(None, scroll_visible=False)  # else Textual moves it to a field further down
        self.answers = dict(answers)
        await self.recompose()
        self._error = ""  # recomposed without an error line
        self.show_error(message)
        if had_focus:
            target = next((widget for widget in self.query("*") if widget.can_focus), None)
            if target is not None:  # once laid out: focus and scroll never part
                target.focus()

    # Widget events → on_change ------------------------------------------------------------------------------

    @on(SelectionList.SelectedChanged)
    def _selection_changed(self, event: SelectionList.SelectedChanged) -> None:  # type: ignore[type-arg]
        event.stop()
        self.on_change(self, self.spec.id, list(event.selection_list.selected))

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self._later(self.spec.id, None)
            return
        if self.spec.kind is FieldKind.INTEGER:
            try:
                self._later(self.spec.id, int(text))
            except ValueError:
                self.show_error("Type a whole number")
            return
        if len(text) == 10:
            try:
                date.fromisoformat(text)
            except ValueError:
                self.show_error("Type a date as YYYY-MM-DD")
                return
            self._later(self.spec.id, text)
        else:
            self.show_error("Type a date as YYYY-MM-DD")

    @on(TextArea.Changed)
    def _text_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if not self.read_only:
            self._later(self.spec.id, event.text_area.text)

    def _later(self, answer_id: str, value: Any) -> None:
        self._pending[answer_id] = value
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(TEXT_SAVE_DELAY, self.flush)

    def take_pending(self) -> dict[str, Any]:
        """Typed answers not yet sent; the screen saves them at once when it is left or the app quits."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        pending, self._pending = self._pending, {}
        return pending

    def flush(self) -> None:
        for answer_id, value in self.take_pending().items():
            self.on_change(self, answer_id, value)

    def on_descendant_blur(self) -> None:
        self.flush()

    def action_clear(self) -> None:
        if not self.read_only:
            for answer_id in self.spec.answer_ids:
                self.on_change(self, answer_id, None)
