"""The agent's question in front of the person, and the bridge that lets a phase run in a thread
worker ask it: the worker waits for the answer while the interface stays live."""

from __future__ import annotations

import queue
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from bmadgen.tui.jobs import Stopped
from bmadgen.tui.messages import QuestionAnswered, QuestionLeft

if TYPE_CHECKING:
    from textual.app import App


@dataclass(frozen=True)
class Prompt:
    phase: str
    key: str
    text: str
    expected: str
    default: str | None
    problem: str | None = None  # why the last answer was refused

    @property
    def position(self) -> str:
        return f"{self.phase}.{self.key}"


class QuestionForm(Vertical):
    """One elicitation question: the stored answer (or the type's default) is filled in; a
    refused answer stays in the field with the reason beside it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "leave", "Stop here (answers kept)")]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.prompt: Prompt | None = None

    def compose(self) -> ComposeResult:
        yield Label("", id="question-position", classes="field-label")
        yield Static("", id="question-text")
        yield Input(id="answer")
        yield Static("", id="question-expected", classes="field-hint")
        yield Static("", id="answer-error", classes="field-error")

    def ask(self, prompt: Prompt) -> None:
        same = self.prompt is not None and self.prompt.position == prompt.position
        self.prompt = prompt
        self.display = True
        self.query_one("#question-position", Label).update(
            f"{prompt.phase}: question {prompt.key}")
        self.query_one("#question-text", Static).update(prompt.text)
        self.query_one("#question-expected", Static).update(
            f"expected: {prompt.expected}; Enter answers, Escape stops here (answers kept)")
        self.query_one("#answer-error", Static).update(prompt.problem or "")
        answer = self.query_one("#answer", Input)
        if not same:  # a refused answer stays as typed, to be corrected
            answer.value = prompt.default or ""
        answer.focus()

    def close(self) -> None:
        self.prompt = None
        self.display = False

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.prompt is None:
            return
        self.query_one("#answer-error", Static).update("")
        self.post_message(QuestionAnswered(event.value))

    def action_leave(self) -> None:
        if self.prompt is not None:
            self.post_message(QuestionLeft())


class WizardAsker:
    """The workflow's `Asker` for the wizard, called on the worker thread: it shows the question
    on the interface thread and waits for the answer (or for the person to step away)."""

    POLL_S = 0.1

    def __init__(self, app: App[Any], show: Any) -> None:
        self.app = app
        self.show = show  # called on the interface thread with a Prompt
        self.answers: queue.Queue[str | None] = queue.Queue()
        self.problem: str | None = None
        self.position = ""

    def ask(self, phase: str, question: Any, expected: str, default: str | None) -> str:
        from textual.worker import get_current_worker

        self.position = f"{phase}.{question.key}"
        prompt = Prompt(phase=phase, key=question.key, text=question.prompt, expected=expected,
                        default=default, problem=self.problem)
        self.problem = None
        self.app.call_from_thread(self.show, prompt)
        worker = get_current_worker()
        while not worker.is_cancelled:
            try:
                answer = self.answers.get(timeout=self.POLL_S)
            except queue.Empty:
                continue
            if answer is None:
                break
            return answer
        raise Stopped(f"stopped at {self.position}; the answers given so far are saved, and "
                      "the next run asks this question again")

    def tell(self, message: str) -> None:
        self.problem = message

    def answer(self, text: str) -> None:
        self.answers.put(text)

    def leave(self) -> None:
        self.answers.put(None)
