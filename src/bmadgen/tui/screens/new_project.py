"""Creating a project from the gallery of project types, each shown with its features.

Creating one from an idea (a paragraph) needs a model; until one is configured the gallery is
the way in, and the dialog says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from bmadgen.errors import BmadgenError
from bmadgen.tui import jobs
from bmadgen.tui.screens.modals import FormScreen, field


class NewProjectScreen(FormScreen):
    """Returns the new project's name (or None when cancelled)."""

    def __init__(self) -> None:
        super().__init__()
        from bmadgen.services import workflow

        self.types = workflow.project_types()

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide", id="new-project"):
            yield Label("New project: pick a type from the gallery", classes="dialog-title")
            with Horizontal(id="gallery"):
                yield OptionList(*[Option(f"{t.title} ({t.id})", id=t.id) for t in self.types],
                                 id="types")
                yield VerticalScroll(Static("", id="type-features"), id="type-detail")
            yield field("Name", Input(placeholder="lowercase letters, digits and _",
                                      id="name"))
            yield field("Folder", Input(placeholder="default: ./NAME in the current folder",
                                        id="folder"))
            yield field("Answers file (optional)", Input(placeholder="a YAML answers file, "
                                                         "e.g. examples/ecommerce.answers.yaml",
                                                         id="answers"),
                        hint="A complete one (bmadgen answers sample): then no question is "
                             "asked. Empty: every question is asked here.")
            yield Static("Creating from an idea needs a model; none is configured, so pick "
                         "a type.", classes="field-hint")
            with Horizontal(classes="buttons"):
                yield Button("Create", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")
            yield Static("", classes="field-error", id="form-error")

    def on_mount(self) -> None:
        types = self.query_one("#types", OptionList)
        types.highlighted = 0
        types.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        chosen = next(t for t in self.types if t.id == event.option.id)
        lines = [f"[b]{chosen.title}[/b]: {chosen.description}", "",
                 f"stacks: {', '.join(chosen.stacks)}", "", "[b]features[/b]"]
        lines += [f"• {f.title} ({f.name}): {f.description}" for f in chosen.features]
        self.query_one("#type-features", Static).update("\n".join(lines))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submit()

    def chosen_type(self) -> str:
        index = self.query_one("#types", OptionList).highlighted
        return self.types[index or 0].id

    def submit(self) -> None:
        from bmadgen.services import workflow

        self.clear_problems()
        name = self.valid_name("name", "project name")
        if name is None:
            return
        folder_text = self.query_one("#folder", Input).value.strip()
        answers_text = self.query_one("#answers", Input).value.strip()
        answers = Path(answers_text).expanduser() if answers_text else None
        if answers is not None and not answers.is_file():
            self.refuse("answers", f"no file at {answers}")
            return
        folder = Path(folder_text).expanduser() if folder_text else None
        ptype = self.chosen_type()
        self.query_one("#ok", Button).disabled = True

        def create(session: Any) -> Any:
            return workflow.create_project(session, name, ptype, folder=folder, answers=answers)

        jobs.start(self, create, lambda project: self.dismiss(project.name), project=None,
                   name="create project", failed=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.query_one("#ok", Button).disabled = False
        if not isinstance(exc, BmadgenError):
            return
        text = exc.one_line()
        if "answers" in text:
            self.refuse("answers", text)
        elif "name" in text:
            self.refuse("name", text)
        elif "folder" in text or "directory" in text:
            self.refuse("folder", text)
        else:
            self.query_one("#form-error", Static).update(text)
