"""Creating a project from the gallery of project types, each shown with its features, or from
an idea (a paragraph) when a model is configured: the analyst drafts the answers, the person
confirms or edits them (`DraftScreen`), then the project is created, as
`bmadgen new NAME --idea "..."` does. Without a model the gallery is the way in, and the dialog
says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from bmadgen.errors import BmadgenError
from bmadgen.tui import jobs
from bmadgen.tui.screens.modals import FormScreen, field


class NewProjectScreen(FormScreen):
    """Returns the new project's name (or None when cancelled)."""

    def __init__(self) -> None:
        super().__init__()
        from bmadgen.services import llm, workflow
        from bmadgen.services.session import open_session

        self.types = workflow.project_types()
        with open_session() as session:  # the settings only: the store is not opened
            self.model = llm.idea_model(session)

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
            if self.model:
                yield field(f"Or an idea (one paragraph; the analyst drafts the answers with "
                            f"{self.model})", TextArea(id="idea", soft_wrap=True),
                            hint="Given, it is used instead of an answers file: you confirm "
                                 "or edit the drafted answers before the project is created.")
                yield Checkbox("The analyst proposes the type (else the one highlighted "
                               "above)", value=True, id="propose-type")
            else:
                yield Static("Creating from an idea needs a model; none is configured, so "
                             "pick a type.", classes="field-hint")
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
        idea = self.query_one("#idea", TextArea).text.strip() if self.model else ""
        if idea:
            if answers is not None:
                self.refuse("answers", "give an idea or an answers file, not both")
                return
            proposed = self.query_one("#propose-type", Checkbox).value
            self.draft(name, idea, None if proposed else ptype, folder)
            return
        self.query_one("#ok", Button).disabled = True

        def create(session: Any) -> Any:
            return workflow.create_project(session, name, ptype, folder=folder, answers=answers)

        jobs.start(self, create, lambda project: self.dismiss(project.name), project=None,
                   name="create project", failed=self._failed)

    def draft(self, name: str, idea: str, ptype: str | None, folder: Path | None) -> None:
        """The analyst drafts the answers (a model call, in a worker); the person confirms or
        edits them; then the project is created with them."""
        from bmadgen.services import llm, workflow

        self.query_one("#ok", Button).disabled = True
        self.query_one("#form-error", Static).update(f"The analyst drafts the answers with "
                                                     f"{self.model} ...")

        def confirmed(draft: object) -> None:
            if not isinstance(draft, llm.IdeaDraft):  # cancelled: the form stays as it was
                self.query_one("#ok", Button).disabled = False
                self.query_one("#form-error", Static).update("")
                return
            self.query_one("#form-error", Static).update(f"Creating {name} ...")

            def create(session: Any) -> Any:
                return workflow.create_project(session, name, draft.type, folder=folder,
                                               answers_text=draft.text,
                                               claim_calls=draft.calls)

            jobs.start(self, create, lambda project: self.dismiss(project.name),
                       project=None, name="create project", failed=self._failed)

        def drafted(draft: Any) -> None:
            self.app.push_screen(DraftScreen(draft), confirmed)

        jobs.start(self, lambda session: llm.draft_answers(session, idea, ptype), drafted,
                   project=None, name="draft answers", failed=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.query_one("#ok", Button).disabled = False
        self.query_one("#form-error", Static).update("")
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


class DraftScreen(FormScreen):
    """The answers the analyst drafted from the idea, as an answers file to confirm or edit.
    Returns the (checked) draft, or None when cancelled. An edit that is not valid answers is
    refused beside the text with the reason; nothing typed is lost."""

    def __init__(self, draft: Any) -> None:  # services.llm.IdeaDraft
        super().__init__()
        self.drafted = draft

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide", id="draft"):
            yield Label(f"The analyst drafted these answers ({self.drafted.type}): confirm "
                        "or edit them", classes="dialog-title")
            yield field("Answers (YAML, as an answers file)",
                        TextArea(self.drafted.text, id="draft-text", soft_wrap=True),
                        hint="Create checks them first; Escape or Cancel goes back to the form.")
            with Horizontal(classes="buttons"):
                yield Button("Create", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def submit(self) -> None:
        from bmadgen.services import llm

        self.clear_problems()
        text = self.query_one("#draft-text", TextArea).text
        try:
            checked = llm.check_answers_text(text, self.drafted.type)
        except BmadgenError as exc:
            self.refuse_error("draft-text", exc)
            return
        self.dismiss(checked.model_copy(update={"calls": self.drafted.calls}))
