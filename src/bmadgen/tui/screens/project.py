"""One project: the stepper of the five phases, the agent's conversation (its questions with
the stored answers as defaults, the model's text streamed as it arrives when the LLM provider
writes, the phase's results and handoff), the documents rendered as Markdown, and the
prototype's pages (opened in the browser)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Footer,
    Header,
    ListView,
    Log,
    Markdown,
    OptionList,
    RichLog,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option

from bmadgen.tui import jobs
from bmadgen.tui.formatting import gate_line, next_step
from bmadgen.tui.messages import QuestionAnswered, QuestionLeft
from bmadgen.tui.widgets.question import Prompt, QuestionForm, WizardAsker
from bmadgen.tui.widgets.stepper import PhaseStepper


class ProjectScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run_phase", "Run phase"),
        Binding("e", "run_phase(True)", "Re-ask questions"),
        Binding("a", "approve", "Approve"),
        Binding("x", "rollback", "Roll back"),
        Binding("o", "open_page", "Open page"),
        Binding("s", "slices", "Slices"),
        Binding("g", "gates", "Gates"),
        Binding("m", "memory", "Memory"),
        Binding("u", "usage", "Usage"),
        Binding("escape", "back", "Dashboard"),
    ]

    def __init__(self, project: str, *, run_next: bool = False) -> None:
        super().__init__()
        self.project = project
        self.run_next = run_next
        self.status: Any = None  # WorkflowStatus
        self.pages: list[Path] = []
        self.running: str | None = None  # the phase being run, or approved
        self.asker: WizardAsker | None = None
        self.opened = False  # the first status has been shown
        self.streamed = False  # the model's text streamed during this run

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="project-body"):
            with Vertical(id="side"):
                yield Static(self.project, id="project-title", classes="screen-title")
                yield PhaseStepper(id="stepper")
                yield Static("", id="next-step", classes="hint")
            with TabbedContent(id="project-tabs"):
                with TabPane("Conversation", id="talk"):
                    yield QuestionForm(id="question")
                    yield RichLog(id="log", markup=True, wrap=True, auto_scroll=True)
                    # the model's text as it arrives (plain text: never read as markup)
                    yield Log(id="stream", highlight=False, auto_scroll=True)
                with TabPane("Document", id="document"), VerticalScroll(id="document-scroll"):
                    yield Markdown("", id="document-view")
                with TabPane("Prototype", id="prototype"):
                    yield OptionList(id="pages")
                    yield Static("o (or Enter) opens the page in the browser.", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(QuestionForm).close()
        self.query_one("#stream", Log).display = False
        self.title = f"bmadgen: {self.project}"
        self.refresh_status(then_run=self.run_next)

    def on_screen_resume(self) -> None:
        if self.status is not None and self.running is None:
            self.refresh_status()

    # ------------------------------------------------------------ state

    @property
    def log_view(self) -> RichLog:
        return self.query_one("#log", RichLog)

    def say(self, text: str) -> None:
        self.log_view.write(text)

    def refresh_status(self, *, then_run: bool = False) -> None:
        from bmadgen.services import workflow

        def load(session: Any) -> tuple[Any, list[Path]]:
            return workflow.status(session), workflow.prototype_pages(session)

        def show(loaded: tuple[Any, list[Path]]) -> None:
            self.status, self.pages = loaded
            stepper = self.query_one(PhaseStepper)
            stepper.show(self.status)
            self.query_one("#next-step", Static).update(
                f"next: {next_step(self.status.next_action)}")
            pages = self.query_one("#pages", OptionList)
            pages.clear_options()
            pages.add_options([Option(page.name, id=str(page)) for page in self.pages])
            paused = next((p for p in self.status.phases if p.elicit_position), None)
            if stepper.index is None:
                stepper.index = self._phase_index(self._focus_phase())
            else:  # the highlighted phase's documents, as the new status says they are
                selected = self.selected_phase()
                if selected is not None:
                    self.load_documents(selected)
            # opening a project paused mid-phase resumes at its question; after a stop, not
            resume = paused is not None and not self.opened
            self.opened = True
            if (then_run or resume) and self.running is None and \
                    self.status.next_action.kind == "run_phase":
                if resume and paused is not None:
                    self.say(escape(f"Resuming {paused.phase} at {paused.elicit_position}."))
                self.action_run_phase()
            elif self.running is None and not self.log_view.lines:
                self.say(escape(f"{self.project} ({self.status.type}) in {self.status.folder}"))
                self.say(escape(f"next: {next_step(self.status.next_action)}"))

        jobs.start(self, load, show, project=self.project, name="status", group="status")

    def _focus_phase(self) -> str | None:
        action = self.status.next_action
        return action.phase or (self.status.phases[-1].phase if self.status.phases else None)

    def _phase_index(self, phase: str | None) -> int | None:
        names = [p.phase for p in self.status.phases]
        return names.index(phase) if phase in names else None

    def _view(self, phase: str) -> Any:
        return next(p for p in self.status.phases if p.phase == phase)

    def selected_phase(self) -> str | None:
        return self.query_one(PhaseStepper).selected_phase()

    def on_list_view_highlighted(self, event: ListView.Highlighted) -> None:
        phase = self.selected_phase()
        if phase is not None and self.status is not None:
            self.load_documents(phase)

    def load_documents(self, phase: str) -> None:
        from bmadgen.services import workflow

        view = self._view(phase)

        def read(session: Any) -> str:
            parts = [f"# {view.title}\n"]
            if view.status in ("pending",):
                return parts[0] + "\nNot written yet: run the phase (r).\n"
            for relpath in view.documents:
                if relpath.endswith("/"):
                    pages = workflow.prototype_pages(session)
                    parts.append(f"## {relpath}\n\n" + "\n".join(
                        f"- {p.name}" for p in pages) + "\n\nSee the Prototype tab.\n")
                    continue
                text = workflow.show_document(session, relpath).text
                if relpath.endswith((".yaml", ".yml")):
                    text = f"## {relpath}\n\n```yaml\n{text}\n```\n"
                parts.append(text)
            return "\n\n".join(parts)

        def show(text: str) -> None:
            self.query_one("#document-view", Markdown).update(text)

        jobs.start(self, read, show, project=self.project, name="document", group="document",
                   exclusive=True)

    # ------------------------------------------------------------ run, answer, approve

    def action_run_phase(self, reask: bool = False) -> None:
        """Run the next phase; with `reask`, ask all its questions again, each with the stored
        answer filled in."""
        from bmadgen.services import workflow

        if self.running is not None:
            self.notify(f"{self.running} is running", severity="warning")
            return
        if self.status is None:
            return
        phase = self.status.next_action.phase
        if self.status.next_action.kind == "approve_phase":
            self.notify(f"{phase} awaits approval: approve it (a) or roll it back (x) first",
                        severity="warning")
            return
        if self.status.next_action.kind == "done":
            self.notify("every phase is approved; roll one back (x) to run it again",
                        severity="warning")
            return
        self.running = phase or "a phase"
        self.streamed = False
        stream = self.query_one("#stream", Log)
        stream.clear()
        stream.display = False
        self.asker = WizardAsker(self.app, self.show_question)
        asker = self.asker
        self.query_one(TabbedContent).active = "talk"
        self.say(f"[b]Running {phase}[/b] ...")

        def progress(event: Any) -> None:  # gate events during development, on the worker
            self.app.call_from_thread(self.say, escape(gate_line(event)))

        def tell(callback: Any, *args: Any) -> None:  # from the worker to the screen
            try:
                self.app.call_from_thread(callback, *args)
            except RuntimeError:  # the app closed while the model wrote
                pass

        def run(session: Any) -> list[Any]:
            from bmadgen.services import llm

            # the settings' provider; with the LLM provider its text streams into the view
            chosen = llm.provider_factory(
                session, on_token=lambda text: tell(self.stream_text, text),
                on_start=lambda agent, purpose: tell(self.stream_start, agent, purpose))
            return workflow.run_phase(session, phase, asker=asker, reask=reask,
                                      progress=progress, provider=chosen)

        jobs.start(self, run, self._ran, project=self.project, name=f"run {phase}",
                   group="phase", failed=self._stopped)

    def stream_start(self, agent: str, purpose: str) -> None:
        """A new piece of the model's text begins: a line saying who writes what."""
        stream = self.query_one("#stream", Log)
        stream.display = True
        if not self.streamed:
            self.streamed = True
            self.say(f"[dim]the model writes {escape(self.running or '')} below; the document "
                     "shows once the phase is written[/dim]")
        before = "\n" if stream.line_count else ""
        stream.write(f"{before}== {agent}: {purpose} ==\n")

    def stream_text(self, text: str) -> None:
        stream = self.query_one("#stream", Log)
        stream.display = True
        stream.write(text)

    def show_question(self, prompt: Prompt) -> None:
        self.query_one(TabbedContent).active = "talk"
        self.query_one(QuestionForm).ask(prompt)

    def on_question_answered(self, message: QuestionAnswered) -> None:
        if self.asker is not None:
            prompt = self.query_one(QuestionForm).prompt
            self.say(escape(f"  {prompt.position if prompt else ''}: {message.text}"))
            self.asker.answer(message.text)

    def on_question_left(self, message: QuestionLeft) -> None:
        if self.asker is not None:
            self.asker.leave()

    def _stopped(self, exc: BaseException) -> None:
        self.running = None
        self.asker = None
        self.query_one(QuestionForm).close()
        self.say(f"[yellow]stopped:[/yellow] {escape(str(exc))}")
        self.refresh_status()

    def _ran(self, results: list[Any]) -> None:
        self.running = None
        self.asker = None
        self.query_one(QuestionForm).close()
        for result in results:
            self._show_result(result)
        self.refresh_status()
        if results:  # its documents load once the new status is in (refresh_status)
            self.query_one(PhaseStepper).index = self._phase_index(results[-1].phase)
            if self.streamed:  # the written document replaces the text as it came
                self.query_one(TabbedContent).active = "document"

    def _show_result(self, result: Any) -> None:
        for warning in result.warnings:
            self.say(f"[yellow]warning:[/yellow] {escape(warning)}")
        self.say(f"[b]{escape(result.message)}[/b]")
        if result.checklist is not None:
            for item in result.checklist.items:
                if item.status != "PASS":
                    detail = f" ({item.detail})" if item.detail else ""
                    self.say(escape(f"  {item.status:7} {item.text}{detail}"))
        if result.outcome is not None:
            self.say(escape(f"  dev: {result.outcome.generation.status} - "
                            f"{result.outcome.generation.detail}"))
            self.say(escape(f"  qa:  {result.outcome.gates.status} - "
                            f"{result.outcome.gates.detail}"))
        if result.next_action is not None:
            self.say(escape(f"next: {next_step(result.next_action)}"))

    def action_approve(self) -> None:
        from bmadgen.tui.screens.modals import ConfirmScreen

        if self.running is not None or self.status is None:
            self.notify("wait for the run to finish", severity="warning")
            return
        waiting = [p for p in self.status.phases if p.status == "awaiting_approval"]
        if not waiting:
            self.notify("no phase awaits approval", severity="warning")
            return
        phase = waiting[0]

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._approve(phase.phase)

        self.app.push_screen(ConfirmScreen(
            f"Approve {phase.title}?",
            f"Commits {', '.join(phase.documents)} (checklist {phase.checklist}) and writes "
            "the handoff for the next phase."), confirmed)

    def _approve(self, phase: str) -> None:
        from bmadgen.services import workflow

        self.running = phase

        def approve(session: Any) -> tuple[Any, str | None]:
            result = workflow.approve_phase(session, phase)
            return result, workflow.phase_handoff(session, phase)

        def approved(done: tuple[Any, str | None]) -> None:
            result, handoff = done
            self.running = None
            self._show_result(result)
            if handoff:
                self.say(f"[b]Handoff[/b]: {escape(handoff)}")
            self.notify(result.message, title="approved")
            self.refresh_status()

        jobs.start(self, approve, approved, project=self.project, name=f"approve {phase}",
                   group="phase", failed=self._stopped)

    def action_rollback(self) -> None:
        from bmadgen.services import workflow
        from bmadgen.tui.screens.modals import ConfirmScreen

        phase = self.selected_phase()
        if self.running is not None or phase is None:
            self.notify("select a phase in the stepper (and wait for any run to finish)",
                        severity="warning")
            return

        def rolled_back(result: Any) -> None:
            self._show_result(result)
            self.refresh_status()

        def confirmed(yes: bool | None) -> None:
            if yes:
                jobs.start(self, lambda session: workflow.rollback_phase(session, phase),
                           rolled_back, project=self.project, name=f"roll back {phase}")

        self.app.push_screen(ConfirmScreen(
            f"Roll back {phase}?", "It reopens the phase; every later phase with output "
            "becomes stale until it is run again."), confirmed)

    # ------------------------------------------------------------ prototype, other screens

    def action_open_page(self) -> None:
        pages = self.query_one("#pages", OptionList)
        if not self.pages:
            self.notify("no prototype pages yet: run the prototype phase", severity="warning")
            return
        index = pages.highlighted if pages.highlighted is not None else 0
        page = self.pages[index]
        self.app.open_url(page.resolve().as_uri())
        self.notify(f"opened {page.name} in the browser")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list.id == "pages":
            self.action_open_page()

    def action_slices(self) -> None:
        from bmadgen.tui.screens.slices import SlicesScreen

        self.app.push_screen(SlicesScreen(self.project))

    def action_gates(self) -> None:
        from bmadgen.tui.screens.gates import GatesScreen

        self.app.push_screen(GatesScreen(self.project))

    def action_memory(self) -> None:
        from bmadgen.tui.screens.memory import MemoryScreen

        self.app.push_screen(MemoryScreen(self.project))

    def action_usage(self) -> None:
        from bmadgen.tui.screens.usage import UsageScreen

        self.app.push_screen(UsageScreen(self.project))

    def action_back(self) -> None:
        if self.running is not None:
            if self.query_one(QuestionForm).prompt is None:  # writing files, running gates
                self.notify(f"{self.running} is running: wait for it to finish",
                            severity="warning")
                return
            if self.asker is not None:  # at a question: stop there, answers kept
                self.asker.leave()
        self.app.pop_screen()

