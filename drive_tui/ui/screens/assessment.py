"""An assessment, generated from its form spec: sections of fields that appear and disappear with their
conditions, help for the focused field, the previous assessment's answer beside each one, a progress count,
every change saved at once as a draft, and submit with confirmation. Submitted ones open read-only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Header, Static

from drive_tui.domain.models import Assessment, Case
from drive_tui.domain.vocab import AssessmentStatus, Timepoint
from drive_tui.forms.answers import is_required, progress, validate_answers, visible_answer_ids
from drive_tui.forms.spec import FieldSpec, FormSpec
from drive_tui.store.assessments import (
    amend_assessment,
    current_assessments,
    form_for,
    get_assessment,
    save_draft_answer,
    submit_assessment,
)
from drive_tui.store.cases import get_case
from drive_tui.store.errors import Invalid, StoreError
from drive_tui.store.store import Tx
from drive_tui.ui.labels import HIDDEN_IN_VISIT_MODE
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.widgets.field_box import FieldBox
from drive_tui.ui.widgets.footer import DriveFooter
from drive_tui.ui.widgets.visit_badge import VisitBadge


class AssessmentScreen(DriveScreenMixin, Screen[None]):
    CSS_PATH = "assessment.tcss"
    BINDINGS = [
        Binding("ctrl+s", "submit", "Submit…"),
        Binding("m", "amend", "Amend"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, assessment_id: str) -> None:
        super().__init__()
        self.assessment_id = assessment_id
        self.assessment: Assessment
        self.case: Case
        self.form: FormSpec
        self.previous: dict[str, Any] | None = None
        self.rest: list[Widget] = []
        """Widgets of the form still to be drawn, after its first frame (see ``_redraw``)."""
        self._generation = 0
        self._place_before_visit: tuple[str, str] | None = None
        self._progress_text = ""
        """(the field visit mode hid, the field focused instead) while in visit mode."""

    @property
    def read_only(self) -> bool:
        return not self.assessment.is_draft

    def _load(self, tx: Tx) -> bool:
        self.assessment = get_assessment(tx, self.assessment_id)
        self.case = get_case(tx, self.assessment.case_id)
        self.form = form_for(tx, self.assessment.form_id, self.assessment.form_version)
        earlier = [
            a for tp, a in current_assessments(tx, self.case.id).items() if tp.order < self.assessment.timepoint.order
        ]
        self.previous = max(earlier, key=lambda a: a.timepoint.order).answers if earlier else None
        return True

    def compose(self) -> ComposeResult:
        yield Header()
        yield VisitBadge()
        yield Vertical(id="body")
        yield Static("", id="help")
        yield DriveFooter()

    def _header(self) -> Iterator[Widget]:
        status = {
            AssessmentStatus.DRAFT: "draft — saved as you type",
            AssessmentStatus.SUBMITTED: "submitted — read-only",
            AssessmentStatus.AMENDED: "superseded by an amendment — read-only",
        }[self.assessment.status]
        amendment = " · amendment" if self.assessment.supersedes and self.assessment.is_draft else ""
        yield Static(
            f"{self.case.reference} · {self.assessment.timepoint.label} · {self.form.title} v{self.form.version}"
            f" · {status}{amendment}",
            id="assessment-title",
        )
        self._progress_text = ""
        yield Static("", id="progress")

    def _sections(self) -> list[list[Widget]]:
        """The form as widgets, a list for each section: its title and its fields (sensitive fields not even built
        in visit mode), then the note that some are hidden."""
        visit = self.drive.visit_mode
        shown = set(visible_answer_ids(self.form, self.assessment.answers))
        sections: list[list[Widget]] = []
        for section in self.form.sections:
            fields = [spec for spec in section.fields if not (visit and spec.sensitive)]
            if not fields:
                continue
            widgets: list[Widget] = [Static(section.title, classes="section-title")]
            for spec in fields:
                box = FieldBox(
                    spec,
                    dict(self.assessment.answers),
                    self.previous,
                    read_only=self.read_only,
                    required=spec.required,
                    on_change=self._save,
                    hidden=HIDDEN_IN_VISIT_MODE if visit else frozenset(),
                )
                box.display = spec.answer_ids[0] in shown
                widgets.append(box)
            sections.append(widgets)
        if visit and any(spec.sensitive for spec in self.form.fields()):
            sections.append([Static("Some fields are hidden in visit mode (F2).", classes="muted", id="visit-note")])
        return sections

    async def rebuild(self) -> None:
        """Read the assessment again and redraw the form (if it cannot be read, the message says why and the form
        stays as it is)."""
        if self.in_store(self._load):
            await self._redraw()

    async def _redraw(self) -> None:
        """Draw the form: first its sections up to the one where work resumes, at once; the rest after that first
        frame (a form is up to ~80 widgets, and Textual takes ~1.5 ms a widget to build). Keys typed meanwhile act
        on what is drawn and focused; focus waits for its field rather than landing on one out of view."""
        self.set_focus(None)  # the focused field is about to be removed
        self._generation += 1
        sections = self._sections()
        target = self._resume_target()
        holds_target = [any(isinstance(w, FieldBox) and w.spec.id == target for w in ws) for ws in sections]
        first = holds_target.index(True) if True in holds_target else 0
        form = VerticalScroll(id="form")
        for widget in (w for widgets in sections[: first + 1] for w in widgets):
            form.compose_add_child(widget)
        self.rest = []
        await self.refill(self.query_one("#body", Vertical), [*self._header(), form])
        self.rest = [w for widgets in sections[first + 1 :] for w in widgets]  # once the first part is in place
        self._settle()
        if self.rest and self.is_current:  # else once the screen is shown (on_screen_resume)
            self.call_after_refresh(self._draw_rest, self._generation)

    def on_screen_resume(self) -> None:
        # Before the screen is current, Textual runs "after refresh" callbacks at once: the rest would be drawn
        # before the first frame.
        if self.rest:
            self.call_after_refresh(self._draw_rest, self._generation)

    async def _draw_rest(self, generation: int) -> None:
        if generation != self._generation or not self.rest or not self.is_current:
            return  # redrawn since (that drawing has its own), drawn already, left, or under a dialog (until resumed)
        rest, self.rest = self.rest, []
        await self.query_one("#form", VerticalScroll).mount_all(rest)
        self.refresh_state()
        if self.focused is None and not self.read_only:
            self._focus_resume()

    async def on_mount(self) -> None:
        if not self.in_store(self._load):
            self.app.pop_screen()
            return
        await self._redraw()

    @property
    def focus_chain(self) -> list[Widget]:
        """Tab follows the form's order — the DOM's — not the last layout's. Textual sorts its chain by where
        widgets were last laid out, and a field an answer has just shown has no place until the next frame: a Tab
        typed straight after the answer skipped it."""

        def chain(node: Widget) -> Iterator[Widget]:
            for child in node.displayed_children:
                if child.focusable:
                    yield child
                if child.can_focus_children and not child.disabled:
                    yield from chain(child)

        return list(chain(self))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Submit only a draft; amend only the current submitted record (the footer shows what applies)."""
        if not hasattr(self, "assessment"):
            return True
        if action == "submit":
            return not self.read_only
        if action == "amend":
            return self.assessment.status is AssessmentStatus.SUBMITTED
        return True

    def _settle(self) -> None:
        self.refresh_bindings()
        form = self.query_one("#form", VerticalScroll)
        form.can_focus = self.read_only  # editing: Tab goes field to field; reading: the arrows scroll the form
        self.refresh_state()
        if self.read_only:
            form.focus()
        else:
            self._focus_resume()

    async def visit_mode_changed(self) -> None:
        """Redraw without (or with) the sensitive fields, keeping the person's place: entering visit mode on a
        field it hides resumes at the nearest shown field before it; leaving it, if they have not moved since,
        returns to the field they were on."""
        self._save_pending()
        places = self.drive.resume_focus
        place = places.get(self.assessment_id)
        if self.drive.visit_mode and place is not None:
            specs = list(self.form.fields())
            index = next((i for i, spec in enumerate(specs) if spec.id == place), None)
            if index is not None and specs[index].sensitive:
                shown = set(visible_answer_ids(self.form, self.assessment.answers))
                candidates = [s for s in specs if s.answer_ids[0] in shown and not s.sensitive]
                before = [s for s in candidates if specs.index(s) < index]
                after = [s for s in candidates if specs.index(s) > index]
                nearest = before[-1] if before else (after[0] if after else None)
                if nearest is not None:
                    places[self.assessment_id] = nearest.id
                    self._place_before_visit = (place, nearest.id)
        elif not self.drive.visit_mode and self._place_before_visit is not None:
            hidden_place, stand_in = self._place_before_visit
            if places.get(self.assessment_id) == stand_in:
                places[self.assessment_id] = hidden_place
            self._place_before_visit = None
        await self.rebuild()

    def _resume_target(self) -> str | None:
        """The field where work resumes: the one last focused, else the first shown and not answered."""
        answers = self.assessment.answers
        shown = set(visible_answer_ids(self.form, answers))
        specs = [
            spec
            for spec in self.form.fields()
            if spec.answer_ids[0] in shown and not (self.drive.visit_mode and spec.sensitive)
        ]
        last = self.drive.resume_focus.get(self.assessment_id)
        if any(spec.id == last for spec in specs):
            return last
        return next((spec.id for spec in specs if any(a not in answers for a in spec.answer_ids)), None)

    def _focus_resume(self) -> None:
        boxes = [box for box in self.query(FieldBox) if box.display]
        target = self._resume_target()
        chosen = next((box for box in boxes if box.spec.id == target), None)
        if chosen is None and target is not None and self.rest:
            return  # its section is still to be drawn (_draw_rest focuses it then)
        chosen = chosen or (boxes[0] if boxes else None)
        if chosen is not None:
            focusable = [w for w in chosen.query("*") if w.can_focus]
            if focusable:  # now, not later (Widget.focus): a key typed meanwhile may have moved it on already
                self.set_focus(focusable[0], scroll_visible=False)
                chosen.scroll_visible(animate=False)  # the whole field, its label too

    # Keeping the screen in step with the answers ----------------------------------------------------------

    def refresh_state(self) -> None:
        answers = self.assessment.answers
        visible = set(visible_answer_ids(self.form, answers))
        checked = validate_answers(self.form, answers)
        problems = {problem.answer_id: problem.message for problem in checked.problems}
        for box in self.query(FieldBox):
            shown = box.spec.answer_ids[0] in visible
            if box.display != shown:  # setting it, even unchanged, restyles the form
                box.display = shown
            if not self.read_only:
                box.show_error(next((problems[a] for a in [box.spec.id, *box.spec.answer_ids] if a in problems), ""))
            box.set_required(is_required(box.spec, answers))
        done, total = progress(self.form, answers)
        hidden_note = ""
        if self.drive.visit_mode:
            hidden = sum(1 for spec in self.form.fields() if spec.sensitive)
            hidden_note = f" · {hidden} sensitive field(s) hidden"
        text = f"Answered {done} of {total} required{hidden_note}" + ("" if self.read_only else " · Ctrl+S to submit")
        if text != self._progress_text:  # one line, always: no layout (a layout pass is most of a keystroke's frame)
            self._progress_text = text
            self.query_one("#progress", Static).update(text, layout=False)

    def _save(self, box: FieldBox, answer_id: str, value: Any) -> None:
        if self.read_only or self.assessment.answers.get(answer_id) == value:
            return
        saved = self.in_store(
            lambda tx: save_draft_answer(tx, self.assessment_id, answer_id, value),
            refused=lambda exc: self._refused(box, exc),
        )
        if saved is None:
            return
        self.assessment = saved
        if value is None and box.is_mounted:
            self.call_later(box.restore, self.assessment.answers)
        self.refresh_state()

    def _refused(self, box: FieldBox, exc: StoreError) -> None:
        """Input the form refuses stays as typed, to be corrected; anything else puts the stored answer back."""
        if isinstance(exc, Invalid):
            box.show_error(exc.reason)
        elif box.is_mounted:
            self.call_later(box.restore, self.assessment.answers, str(exc))

    def _save_pending(self) -> None:
        for box in self.query(FieldBox):
            for answer_id, value in box.take_pending().items():
                self._save(box, answer_id, value)

    def on_descendant_focus(self, event: Any) -> None:
        box = next((node for node in event.widget.ancestors_with_self if isinstance(node, FieldBox)), None)
        if box is not None:
            self.drive.resume_focus[self.assessment_id] = box.spec.id
            self.query_one("#help", Static).update(box.spec.help or box.spec.label)

    # Actions ----------------------------------------------------------------------------------------------

    def action_back(self) -> None:
        self._save_pending()
        self.app.pop_screen()

    def prepare_to_quit(self) -> None:
        """Called by the app before it exits: typed text still waiting for its pause is saved now."""
        self._save_pending()

    def _label(self, answer_id: str) -> str:
        spec: FieldSpec = self.form.field(answer_id)
        if self.drive.visit_mode and spec.sensitive:
            return "a field hidden in visit mode"
        if len(spec.answer_ids) > 1:
            return f"{spec.label}: {next(r.label for r in spec.rows if r.id == answer_id)}"
        return spec.label

    def action_submit(self) -> None:
        if self.read_only:  # not offered (check_action); a palette or a test may still ask
            return
        self._save_pending()
        from drive_tui.ui.screens.confirm import ConfirmScreen

        checked = validate_answers(self.form, self.assessment.answers, hidden="drop")
        if not checked.ok:
            items = [f"{self._label(a)}: required" for a in checked.missing]
            items += [f"{self._label(p.answer_id)}: {p.message}" for p in checked.problems]
            self.app.push_screen(
                ConfirmScreen(
                    f"Not ready to submit: {len(items)} answer(s) missing or wrong.", items, can_confirm=False
                )
            )
            return
        items = [f"{self._label(a)} will be dropped (hidden by your answers)" for a in checked.dropped]
        question = (
            f"Submit the {self.assessment.timepoint.label.lower()} assessment for {self.case.reference}? "
            "It cannot be changed afterwards, only amended."
        )
        if self.assessment.timepoint is Timepoint.CLOSURE:
            question += " Submitting closure closes the case."
        self.app.push_screen(ConfirmScreen(question, items, yes="Submit"), self._submit_confirmed)

    async def _submit_confirmed(self, yes: bool | None) -> None:
        if not yes:
            return
        result = self.in_store(lambda tx: submit_assessment(tx, self.assessment_id, completed_on=self.drive.today))
        if result is None:
            return
        self.notify(f"{self.assessment.timepoint.label} assessment submitted.")
        await self.rebuild()

    def action_amend(self) -> None:
        if self.assessment.status is not AssessmentStatus.SUBMITTED:
            return
        amendment = self.in_store(lambda tx: amend_assessment(tx, self.assessment_id))
        if amendment is None:
            return
        self.app.switch_screen(AssessmentScreen(amendment.id))
