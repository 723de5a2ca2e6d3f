"""A case's contact strategy: how the Service User will be approached, agreed by the Drive service manager before
first contact (p.30) and shared with the Marac. The case manager writes the plan (Ctrl+S saves it: a draft until
agreed, and a changed plan is a draft again) and marks an agreed one shared with the Marac (Ctrl+T); the service
manager, on a supervisor's device, reads it and agrees it (Ctrl+G). (Ctrl+M is Enter to a terminal, Ctrl+A the start
of a line to the plan's editor.)

The plan is kept in the store as it is typed (``store.form_drafts``): left unsaved — a quit, a lock, a crash, visit
mode closing the form — it is there when the form opens again.

Sensitive: never drawn in visit mode. Opened then, it shows nothing; open when visit mode comes on, it closes at
once.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from drive_tui.domain.casework import NOTE_LENGTH, ContactStrategy
from drive_tui.domain.models import Case
from drive_tui.domain.vocab import StrategyState
from drive_tui.store.errors import StoreError
from drive_tui.store.store import Tx
from drive_tui.store.strategy import agree_strategy, drop_plan_draft, keep_plan_draft, plan_draft, save_strategy
from drive_tui.ui.screens.base import DriveScreenMixin
from drive_tui.ui.widgets.visit_badge import VisitBadge

HIDDEN = "Not shown in visit mode (F2 to leave it). Esc to go back."


def describe(strategy: ContactStrategy | None) -> Text:
    """The strategy's state in a line, for the case screen and this form's title."""
    if strategy is None:
        return Text("none yet, to be agreed before first contact", style="yellow")
    if not strategy.agreed:
        return Text("drafted, to be agreed by the service manager", style="yellow")
    agreed = f"agreed by {strategy.agreed_by} on {strategy.agreed_on.isoformat() if strategy.agreed_on else '?'}"
    if strategy.state is StrategyState.SHARED_WITH_MARAC:
        agreed += "; shared with the Marac"
    return Text(agreed, style="green")


class StrategyScreen(DriveScreenMixin, ModalScreen[bool]):
    """Dismissed with True when something was saved or agreed."""

    CSS_PATH = "strategy.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+t", "share", "Shared with the Marac"),
        Binding("ctrl+g", "agree", "Agree", tooltip="Agree the plan as it reads (service manager)"),
        Binding("escape", "cancel", "Back"),
    ]

    def __init__(self, case: Case, strategy: ContactStrategy | None, *, supervising: bool) -> None:
        super().__init__()
        self.case = case
        self.strategy = strategy
        self.supervising = supervising
        self.hidden = False
        self.closing = False

    @property
    def first_plan(self) -> str:
        return self.strategy.plan if self.strategy else ""

    def compose(self) -> ComposeResult:
        yield VisitBadge()
        self.hidden = self.drive.visit_mode
        if self.hidden:
            yield Static(HIDDEN, id="strategy-box")
            return
        kept = None if self.supervising else self.in_store(lambda tx: plan_draft(tx, self.case.id))
        with Vertical(id="strategy-box"):
            title = Text.assemble((f"Contact strategy for {self.case.reference}: ", "bold"), describe(self.strategy))
            if kept is not None:
                title.append(" — not saved yet: as typed before", "yellow")
            yield Static(title)
            plan = TextArea(kept if kept is not None else self.first_plan, id="plan", soft_wrap=True, compact=True)
            plan.read_only = self.supervising
            plan.border_subtitle = f"at most {NOTE_LENGTH:,} characters"
            yield plan
            yield Static("", id="strategy-error", classes="error")
            keys = (
                "Ctrl+G agree the plan as it reads · Esc back"
                if self.supervising
                else "Ctrl+S save (a draft until agreed) · Ctrl+T shared with the Marac · Esc back"
            )
            yield Static(keys, classes="hint")

    def on_mount(self) -> None:
        if not self.hidden:
            self.query_one("#plan", TextArea).focus()
            self._ready = True

    _ready = False

    def on_text_area_changed(self) -> None:
        """Every change kept in the store at once, as the work-log form's are."""
        if not self._ready or self.closing or self.supervising:
            return
        text = self.query_one("#plan", TextArea).text
        if text.strip() == self.first_plan:
            self.in_store(lambda tx: drop_plan_draft(tx, self.case.id))
        else:
            self.in_store(lambda tx: keep_plan_draft(tx, self.case.id, text))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("save", "share"):
            return not self.supervising and not self.hidden
        if action == "agree":
            return self.supervising and not self.hidden
        return True

    def _plan(self) -> str:
        return self.query_one("#plan", TextArea).text.strip()

    def action_save(self, shared: bool = False) -> None:
        if self.closing:
            return
        plan = self._plan()
        if not plan:
            self.query_one("#strategy-error", Static).update("Write the plan first: how the SU will be approached.")
            return

        def save(tx: Tx) -> ContactStrategy:
            strategy = save_strategy(tx, self.case.id, plan, shared_with_marac=shared)
            drop_plan_draft(tx, self.case.id)  # in the same transaction: kept until it is saved
            return strategy

        saved = self.in_store(save, refused=self._refused)
        if saved is not None:
            self.notify(f"Contact strategy {describe(saved).plain}.")
            self._close(True)

    def action_share(self) -> None:
        self.action_save(shared=True)

    def action_agree(self) -> None:
        if self.closing or self.strategy is None:
            return
        digest = self.strategy.digest  # the plan as shown here, not as it may have changed since
        agreed = self.in_store(lambda tx: agree_strategy(tx, self.case.id, digest), refused=self._refused)
        if agreed is not None:
            self.notify("Contact strategy agreed: it reaches the case manager on the next sync.")
            self._close(True)

    def _refused(self, exc: StoreError) -> None:
        self.query_one("#strategy-error", Static).update(str(exc))

    async def visit_mode_changed(self) -> None:
        if not self.drive.visit_mode or self.hidden or self.closing or self not in self.app.screen_stack:
            return
        while self.app.screen is not self:  # what was typed is in the store already
            self.app.pop_screen()
        self._close(False)

    def _close(self, done: bool) -> None:
        if not self.closing:
            self.closing = True
            self.dismiss(done)

    def _discard(self) -> None:
        if not self.supervising:
            self.in_store(lambda tx: drop_plan_draft(tx, self.case.id))
        self._close(False)

    def action_cancel(self) -> None:
        if self.hidden or self.closing or self.supervising or self._plan() == self.first_plan:
            self._discard()
            return
        from drive_tui.ui.screens.confirm import ask_before_discarding

        ask_before_discarding(self.app, self._discard, "what you typed in the plan")
