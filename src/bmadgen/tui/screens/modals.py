"""Modals: a confirmation, the too-small-terminal notice, and the base of every form (a field's
problem is shown beside it, and what was typed stays)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Label, Static

from bmadgen.errors import BmadgenError


class ConfirmScreen(ModalScreen[bool]):
    """Yes or no for an action that changes what is committed (approve, roll back, ...)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(self.question, classes="dialog-title")
            if self.detail:
                yield Static(self.detail, classes="dialog-detail")
            with Horizontal(classes="buttons"):
                yield Button("Yes (y)", variant="primary", id="yes")
                yield Button("No (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class TooSmallScreen(ModalScreen[None]):
    """Shown instead of a broken layout while the terminal is smaller than 80x24."""

    def compose(self) -> ComposeResult:
        yield Static("The terminal is too small for bmadgen: make it at least 80 columns by "
                     "24 rows.", id="too-small")


def field(label: str, widget: Widget, hint: str = "") -> Vertical:
    """A labelled form field with the line where its problem is shown."""
    parts: list[Widget] = [Label(label, classes="field-label"), widget]
    if hint:
        parts.append(Static(hint, classes="field-hint"))
    parts.append(Static("", classes="field-error", id=f"{widget.id}-error"))
    return Vertical(*parts, classes="field")


class FormScreen(ModalScreen[object]):
    """A form in a dialog. `refuse` puts a reason beside a field and keeps what was typed."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def refuse(self, field_id: str, reason: str) -> None:
        self.query_one(f"#{field_id}-error", Static).update(reason)
        self.query_one(f"#{field_id}").focus()

    def refuse_error(self, field_id: str, exc: BmadgenError) -> None:
        self.refuse(field_id, exc.one_line())

    def valid_name(self, field_id: str, what: str) -> str | None:
        """The name typed in the field, or None after refusing it beside the field (empty, or
        not a name bmadgen accepts, with the service's reason)."""
        from textual.widgets import Input

        from bmadgen.services import workflow

        name = self.query_one(f"#{field_id}", Input).value.strip()
        if not name:
            self.refuse(field_id, "a name is required")
            return None
        try:
            return workflow.check_name(name, what)
        except BmadgenError as exc:
            self.refuse_error(field_id, exc)
            return None

    def clear_problems(self) -> None:
        for line in self.query(".field-error").results(Static):
            line.update("")

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        elif event.button.id == "ok":
            self.submit()

    def submit(self) -> None:
        raise NotImplementedError
