"""Slices: the features of the app spec; generate the app, add a slice, regenerate one (the
person's edits merged in); the person's changes against the generated version as a diff, and
conflicts highlighted with how to resolve them."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Static

from bmadgen.errors import BmadgenError, Conflict
from bmadgen.tui import jobs
from bmadgen.tui.screens.modals import FormScreen, field


class SlicesScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("G", "generate", "Generate app"),
        Binding("n", "add_slice", "Add slice"),
        Binding("r", "regenerate", "Regenerate slice"),
        Binding("d", "diff", "Diff"),
        Binding("g", "gates", "Gates"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, project: str) -> None:
        super().__init__()
        self.project = project
        self.slices: list[Any] = []
        self.busy = False
        self.shown_diff: Any = None  # the SliceDiff on screen

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Slices: {self.project}", classes="screen-title")
        table: DataTable[str] = DataTable(id="slices", cursor_type="row")
        for label, width in (("slice", 14), ("title", 18), ("entities", 24), ("routes", 6),
                             ("generated", 9), ("files", 5), ("edited by you", 13)):
            table.add_column(label, width=width)
        yield table
        yield Static("", id="slices-status", classes="hint")
        with VerticalScroll(id="slice-detail"):
            yield Static("", id="slice-diff")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"bmadgen: {self.project}: slices"
        self.load()

    def load(self) -> None:
        from bmadgen.services import generation

        jobs.start(self, generation.list_slices, self._show, project=self.project,
                   name="list slices", group="slices", exclusive=True)

    def _show(self, slices: list[Any]) -> None:
        self.slices = slices
        table = self.query_one("#slices", DataTable)
        row = table.cursor_row
        table.clear()
        for item in slices:
            table.add_row(item.name, item.title, ", ".join(item.entities), str(len(item.routes)),
                          "yes" if item.generated else "no", str(item.files),
                          str(len(item.modified)) if item.modified else "", key=item.name)
        if 0 <= row < len(slices):
            table.move_cursor(row=row)
        generated = sum(1 for s in slices if s.generated)
        self.query_one("#slices-status", Static).update(
            f"{len(slices)} features in the app spec, {generated} generated. "
            + ("" if generated else "G generates the app."))
        table.focus()

    def selected(self) -> Any | None:
        row = self.query_one("#slices", DataTable).cursor_row
        return self.slices[row] if 0 <= row < len(self.slices) else None

    def _start(self, job: Any, done: Any, name: str) -> None:
        if self.busy:
            self.notify("wait for the running generation to finish", severity="warning")
            return
        self.busy = True
        self.query_one("#slices-status", Static).update(f"{name} ...")

        def finished(result: Any) -> None:
            self.busy = False
            done(result)
            self.load()

        def failed(exc: BaseException) -> None:
            self.busy = False
            if isinstance(exc, Conflict):
                self._show_conflict(exc)
            self.load()

        jobs.start(self, job, finished, project=self.project, name=name, group="generate",
                   failed=failed)

    def _show_generated(self, result: Any) -> None:
        self.notify(result.summary or "generated", title="generation")
        lines = [f"[b]{escape(result.summary)}[/b]"]
        if result.conflicted:
            lines.append("[red b]conflicts[/red b] (your edits and the new version clash): "
                         "edit these files where the conflict markers (<<<<<<< ======= "
                         ">>>>>>>) are, keep what you want, then commit:")
            lines += [f"  [red]{escape(path)}[/red]" for path in result.conflicted]
        if result.kept:
            lines.append("kept (your edits survived): " + escape(", ".join(result.kept[:20])))
        self.query_one("#slice-diff", Static).update("\n".join(lines))

    def _show_conflict(self, exc: BmadgenError) -> None:
        lines = [f"[red b]conflict:[/red b] {escape(exc.message)}"]
        lines += [f"  [red]{escape(detail)}[/red]" for detail in exc.details]
        if exc.hint:
            lines.append(f"how to resolve: {escape(exc.hint)}")
        self.query_one("#slice-diff", Static).update("\n".join(lines))

    def action_generate(self) -> None:
        from bmadgen.services import generation

        self._start(generation.generate, self._show_generated, "generate the app")

    def action_regenerate(self) -> None:
        from bmadgen.services import generation

        chosen = self.selected()
        if chosen is None:
            return
        self._start(lambda session: generation.regen_slice(session, chosen.name),
                    self._show_generated, f"regenerate {chosen.name}")

    def action_diff(self) -> None:
        from bmadgen.services import generation

        chosen = self.selected()
        if chosen is None:
            return

        def show(diff: Any) -> None:
            self.shown_diff = diff
            view = self.query_one("#slice-diff", Static)
            if not diff.diff:
                view.update(f"{chosen.name}: no change against the generated version")
                return
            view.update(Syntax(diff.diff, "diff", theme="ansi_dark", word_wrap=True))

        jobs.start(self, lambda session: generation.diff_slice(session, chosen.name), show,
                   project=self.project, name=f"diff {chosen.name}")

    def action_add_slice(self) -> None:
        def added(result: object) -> None:
            if result is not None:
                self._show_generated(result)
                self.load()

        self.app.push_screen(AddSliceScreen(self.project), added)

    def action_gates(self) -> None:
        from bmadgen.tui.screens.gates import GatesScreen

        self.app.push_screen(GatesScreen(self.project))

    def action_back(self) -> None:
        self.app.pop_screen()


class AddSliceScreen(FormScreen):
    """A new feature in the app spec and its generated slice (as `bmadgen slice add`)."""

    def __init__(self, project: str) -> None:
        super().__init__()
        self.project = project

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label("Add a slice", classes="dialog-title")
            yield field("Name", Input(placeholder="e.g. reviews", id="slice-name"))
            yield field("Title (optional)", Input(id="slice-title"))
            yield field("Entity (optional)", Input(placeholder="default: from the name",
                                                   id="entity"))
            yield field("Fields (optional)", Input(placeholder="name:type[?], separated by "
                                                   "spaces, e.g. rating:int body:text?",
                                                   id="fields"))
            with Horizontal(classes="buttons"):
                yield Button("Add", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submit()

    def submit(self) -> None:
        from bmadgen.services import generation

        self.clear_problems()
        name = self.valid_name("slice-name", "slice name")
        if name is None:
            return
        title = self.query_one("#slice-title", Input).value.strip()
        entity = self.query_one("#entity", Input).value.strip() or None
        fields = self.query_one("#fields", Input).value.split() or None

        def add(session: Any) -> Any:
            return generation.add_slice(session, name, entity=entity, fields=fields, title=title)

        def failed(exc: BaseException) -> None:
            text = exc.one_line() if isinstance(exc, BmadgenError) else str(exc)
            target = "fields" if "field" in text else "entity" if "entity" in text \
                else "slice-name"
            self.refuse(target, text)

        jobs.start(self, add, self.dismiss, project=self.project, name=f"add {name}",
                   failed=failed)
