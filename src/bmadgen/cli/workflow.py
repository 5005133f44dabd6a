"""CLI face of the workflow: `new`, `phase ...`, `doc ...`, `answers ...`.

Thin: each command parses its options, calls one function of bmadgen.services.workflow, and
renders the result (rich for people, `--json` for scripts). Services are imported inside the
commands so `bmadgen --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from bmadgen.cli import common, wording
from bmadgen.cli.common import JSON_OPTION, PROJECT_OPTION
from bmadgen.cli.gates import gate_progress_printer

phase_app = typer.Typer(help="Run, approve and roll back the five phases of a project.",
                        no_args_is_help=True)
doc_app = typer.Typer(help="List, show, and read the git history and diffs of the documents.",
                      no_args_is_help=True)
answers_app = typer.Typer(help="Answers files for unattended runs, and a project's answers.",
                          no_args_is_help=True)

PHASES_HELP = "vision, requirements, prototype, architecture or development"
ANSWERS_OPTION = typer.Option(None, "--answers",
                              help="Answers file (YAML); see `bmadgen answers sample`.")
DIR_OPTION = typer.Option(None, "--dir", help="Project folder (default: ./NAME); must be new or "
                                              "empty.")
PROVIDER_OPTION = typer.Option(None, "--provider",
                               help="Who drafts the documents: offline (the default, from the "
                                    "answers) or llm (the models in the config file; docs/llm.md).")
NO_CACHE_OPTION = typer.Option(False, "--no-cache",
                               help="Ask the model again even when the same request was "
                                    "answered before.")
STREAM_OPTION = typer.Option(None, "--stream/--no-stream",
                             help="Show the model's text on stderr as it is written (default: "
                                  "when stderr is a terminal and --json is not given).")


def register(app: typer.Typer) -> None:
    app.command("new")(new)
    app.add_typer(phase_app, name="phase")
    app.add_typer(doc_app, name="doc")
    app.add_typer(answers_app, name="answers")


class TerminalAsker:
    """Asks elicitation questions at the terminal; each answer is saved as it is given."""

    def __init__(self, *, to_stderr: bool = False):
        self.to_stderr = to_stderr
        self.current_phase = ""

    def ask(self, phase: str, question: Any, expected: str, default: str | None) -> str:
        if phase != self.current_phase:
            self.current_phase = phase
            typer.echo(f"\n{phase}: a few questions (lists: separate items with ';')",
                       err=self.to_stderr)
        text = f"{question.prompt} [{expected}]"
        try:
            return str(typer.prompt(text, default=default, err=self.to_stderr))
        except (typer.Abort, KeyboardInterrupt):
            typer.echo(f"\nstopped at {phase}.{question.key}; the answers given so far are saved. "
                       "Run `bmadgen phase run` in the project folder to continue here.", err=True)
            raise

    def tell(self, message: str) -> None:
        typer.echo(f"  not accepted: {message}", err=True)


def _warn(result: Any) -> None:
    """A result's warnings (an answer that looks like a key ...) on stderr, in every mode."""
    for warning in result.warnings:
        typer.echo(f"warning: {warning}", err=True)


def _print_result(result: Any, *, review_items: bool = True) -> None:
    """One line per phase step; the checklist items that did not pass below it."""
    _warn(result)
    if result.status == "approved":
        typer.echo(f"{result.phase:13} approved  commit {(result.commit_sha or '')[:8]}")
        return
    score = result.checklist.summary if result.checklist is not None else ""
    documents = ", ".join(result.documents) if result.documents else ""
    typer.echo(f"{result.phase:13} {result.status:9} {score} {documents}".rstrip())
    if result.status == "in_progress":
        typer.echo(f"{'':13} {result.message}: {wording.command(result.next_action)}")
    if result.checklist is not None:
        for item in result.checklist.items:
            if item.status == "PASS" or (item.status == "REVIEW" and not review_items):
                continue
            detail = f" ({item.detail})" if item.detail else ""
            typer.echo(f"{'':13} {item.status:7} {item.text}{detail}")
    for suggestion in result.suggestions:
        typer.echo(f"{'':13} suggestion (from your past projects, not enforced): "
                   f"{suggestion.detail}")
    if result.outcome is not None:
        typer.echo(f"{'':13} dev: {result.outcome.generation.status} - "
                   f"{result.outcome.generation.detail}")
        typer.echo(f"{'':13} qa:  {result.outcome.gates.status} - {result.outcome.gates.detail}")


def _print_unattended(result: Any) -> None:
    _print_result(result, review_items=False)


def _approval_prompt(*, to_stderr: bool):
    def confirm(result: Any) -> bool:
        return bool(typer.confirm(f"Approve {result.phase}?", default=True, err=to_stderr))

    return confirm


def new(
    name: str = typer.Argument(..., help="Project name: lowercase letters, digits and '_'."),
    type: str | None = typer.Option(None, "--type", "-t",
                                    help="ecommerce, saas, marketplace, blog or portfolio "
                                         "(with --idea, the analyst proposes one when omitted)."),
    directory: Path | None = DIR_OPTION,
    answers: Path | None = ANSWERS_OPTION,
    idea: str | None = typer.Option(None, "--idea",
                                    help="A paragraph describing the idea: the analyst (a "
                                         "model) drafts the answers from it, for you to confirm "
                                         "or edit (--yes accepts them)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Approve every phase without asking."),
    until: str | None = typer.Option(None, "--until", help=f"Stop after this phase: "
                                                              f"{PHASES_HELP}."),
    provider: str | None = PROVIDER_OPTION,
    no_cache: bool = NO_CACHE_OPTION,
    stream: bool | None = STREAM_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a project folder and walk it through the five phases.

    With --answers and --yes it runs unattended and offline: brief, PRD, front-end spec,
    prototype, architecture and app spec, each phase committed to the folder's git repository.
    Without them it asks each question and each approval in the terminal; quitting keeps the
    answers given so far (`bmadgen phase run` resumes at the same question). With --idea a
    model drafts the answers (and, with --provider llm, the documents).
    """
    from bmadgen.errors import InvalidInput
    from bmadgen.services import llm, workflow

    if idea is not None and answers is not None:
        raise InvalidInput("give --idea or --answers, not both")
    if type is None and idea is None:
        raise InvalidInput("--type is required (or describe the project with --idea)",
                           hint="types: ecommerce, saas, marketplace, blog, portfolio")

    def announce(project: Any) -> None:
        typer.echo(f"created {project.name} ({project.type}) in {project.path}")

    on_token = token_printer(stream, as_json)
    with common.session() as session:
        chosen = llm.provider_factory(session, provider, use_cache=not no_cache,
                                      on_token=on_token)
        draft = None
        if idea is not None:
            draft = llm.draft_answers(session, idea, type, use_cache=not no_cache)
            if not yes:
                draft = _confirm_draft(draft)
            elif not as_json:
                typer.echo(f"answers drafted from the idea ({draft.type}):\n{draft.text}",
                           err=True)
        outcome = workflow.new_project(
            session, name, draft.type if draft else str(type), folder=directory,
            answers=answers, until=until,
            asker=TerminalAsker(to_stderr=as_json),
            approve=workflow.approve_all if yes else _approval_prompt(to_stderr=as_json),
            on_created=None if as_json else announce,
            on_result=_warn if as_json else (_print_unattended if yes else _print_result),
            progress=gate_progress_printer(plain=yes), provider=chosen,
            answers_text=draft.text if draft else None,
            claim_calls=draft.calls if draft else None,
        )
    if as_json:
        common.print_json(outcome)
        return
    _print_where(outcome.status)


def token_printer(stream: bool | None, as_json: bool) -> Any:
    """Where the model's text goes as it is written: stderr, or nowhere."""
    if stream is None:
        stream = not as_json and sys.stderr.isatty()
    if not stream:
        return None

    def show(text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()

    return show


def _edit(text: str) -> str | None:
    """`text` edited in $VISUAL or $EDITOR (vi by default); None when it was not changed."""
    import os
    import shlex
    import subprocess
    import tempfile

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.TemporaryDirectory(prefix="bmadgen-edit-") as temp:
        path = Path(temp) / "answers.yaml"
        path.write_text(text, encoding="utf-8")
        subprocess.run([*shlex.split(editor), str(path)], check=False)
        edited = path.read_text(encoding="utf-8")
    return None if edited == text else edited


def _confirm_draft(draft: Any) -> Any:
    """Show the drafted answers; accept them, edit them in $EDITOR, or stop."""
    from bmadgen.services import llm

    while True:
        typer.echo(f"\nThe analyst drafted these answers ({draft.type}):\n\n{draft.text}")
        choice = typer.prompt("Use them? [y]es, [e]dit, [n]o", default="y").strip().lower()
        if choice.startswith("y"):
            return draft
        if choice.startswith("n"):
            raise typer.Abort()
        edited = _edit(draft.text)
        if edited is not None:
            draft = llm.check_answers_text(edited, draft.type).model_copy(
                update={"calls": draft.calls})


def _print_where(summary: Any) -> None:
    folder = Path(summary.folder)
    typer.echo(f"\nproject folder: {folder}")
    for phase in summary.phases:
        if phase.status == "pending":
            continue
        for relpath in phase.documents:
            where = folder / relpath.rstrip("/")
            if relpath.endswith("/"):
                where = where / "index.html"
            typer.echo(f"  {phase.phase:13} {phase.status:18} {where}")
    typer.echo(f"next: {wording.command(summary.next_action)}")


# ------------------------------------------------------------------ phase


def _status_table(summary: Any) -> None:
    from rich.table import Table

    table = Table("phase", "agent", "status", "checklist")
    for p in summary.phases:
        table.add_row(p.phase, p.agent_title, p.status, p.checklist or "")
    common.console().print(table)
    # Reasons are sentences: printed whole under the table, never squeezed into a column.
    for p in summary.phases:
        note = p.stale_reason or (f"paused at {p.elicit_position}" if p.elicit_position else "")
        if note:
            typer.echo(f"{p.phase} ({p.status}): {note}")
    typer.echo(f"next: {wording.command(summary.next_action)}")


@phase_app.command("status")
def phase_status(project: str | None = PROJECT_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Each phase's status, checklist score and why it is stale (drift is checked first)."""
    from bmadgen.services import workflow

    with common.session(project) as session:
        summary = workflow.status(session)
    if as_json:
        common.print_json(summary)
        return
    for finding in summary.drift:
        typer.echo(f"drift: {finding.reason}; stale: {', '.join(finding.stale) or 'none'}",
                   err=True)
    _status_table(summary)


@phase_app.command("run")
def phase_run(
    phase: str | None = typer.Argument(None, help=f"{PHASES_HELP} (default: the next one)."),
    answers: Path | None = ANSWERS_OPTION,
    reask: bool = typer.Option(False, "--reask", help="Ask this phase's questions again."),
    force: bool = typer.Option(False, "--force",
                               help="Replace documents that were edited by hand."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Approve the phase after it runs."),
    provider: str | None = PROVIDER_OPTION,
    no_cache: bool = NO_CACHE_OPTION,
    stream: bool | None = STREAM_OPTION,
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Run a phase: ask what is missing, write its documents, score its checklist."""
    from bmadgen.services import llm, workflow

    with common.session(project) as session:
        chosen = llm.provider_factory(session, provider, use_cache=not no_cache,
                                      on_token=token_printer(stream, as_json))
        results = workflow.run_phase(session, phase, answers=answers,
                                     asker=TerminalAsker(to_stderr=as_json), reask=reask,
                                     force=force, approve=yes,
                                     progress=gate_progress_printer(plain=False),
                                     provider=chosen)
    if as_json:
        for result in results:
            _warn(result)
        common.print_json(results if yes else results[0])
        return
    for result in results:
        _print_result(result)


@phase_app.command("approve")
def phase_approve(
    phase: str | None = typer.Argument(None, help="Default: the phase awaiting approval."),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Approve a phase awaiting approval: commit its documents, write its handoff."""
    from bmadgen.services import workflow

    with common.session(project) as session:
        result = workflow.approve_phase(session, phase)
    if as_json:
        _warn(result)
        common.print_json(result)
    else:
        _print_result(result)


@phase_app.command("rollback")
def phase_rollback(
    phase: str = typer.Argument(..., help=PHASES_HELP),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Reopen a phase; every later phase with output becomes stale."""
    from bmadgen.services import workflow

    with common.session(project) as session:
        result = workflow.rollback_phase(session, phase)
    if as_json:
        common.print_json(result)
    else:
        _print_result(result)


# ------------------------------------------------------------------ doc


@doc_app.command("list")
def doc_list(project: str | None = PROJECT_OPTION, as_json: bool = JSON_OPTION) -> None:
    """The project's documents, the phase that writes each, and whether it changed."""
    from bmadgen.services import workflow

    with common.session(project) as session:
        docs = workflow.list_documents(session)
    if as_json:
        common.print_json(docs)
        return
    from rich.table import Table

    table = Table("name", "path", "phase", "phase status", "edited since approval")
    for d in docs:
        table.add_row(d.name, d.path if d.exists else f"{d.path} (missing)", d.phase,
                      d.phase_status, "yes" if d.changed_since_approval else "")
    common.console().print(table)


@doc_app.command("show")
def doc_show(
    name: str = typer.Argument(..., help="brief, prd, front-end-spec, architecture, appspec, "
                                         "stories, or a path."),
    rev: str | None = typer.Option(None, "--rev", help="A git revision (default: the file "
                                                          "as it is now)."),
    project: str | None = PROJECT_OPTION,
) -> None:
    """Print a document (at a git revision with --rev)."""
    from bmadgen.services import workflow

    with common.session(project) as session:
        text = workflow.show_document(session, name, rev).text
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@doc_app.command("history")
def doc_history(
    name: str = typer.Argument(..., help="Document name or path."),
    limit: int = typer.Option(50, "--limit", min=1, max=500),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The git commits that changed a document, newest first."""
    from bmadgen.services import workflow

    with common.session(project) as session:
        commits = workflow.document_history(session, name, limit)
    if as_json:
        common.print_json(commits)
        return
    from rich.table import Table

    table = Table("commit", "date", "message")
    for c in commits:
        table.add_row(c.short, common.format_time(c.timestamp), c.message.splitlines()[0])
    common.console().print(table)


@doc_app.command("diff")
def doc_diff(
    name: str = typer.Argument(..., help="Document name or path."),
    rev_a: str | None = typer.Argument(None, help="From this revision (default: the last "
                                                     "commit)."),
    rev_b: str | None = typer.Argument(None, help="To this revision (default: the file now)."),
    project: str | None = PROJECT_OPTION,
) -> None:
    """A unified diff of a document between revisions, or against the file as it is now."""
    from bmadgen.services import workflow

    with common.session(project) as session:
        text = workflow.document_diff(session, name, rev_a, rev_b)
    if text:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


# ------------------------------------------------------------------ answers


@answers_app.command("sample")
def answers_sample(
    type: str = typer.Option(..., "--type", "-t",
                             help="ecommerce, saas, marketplace, blog or portfolio."),
) -> None:
    """Print a complete answers file for a project type, to edit and pass to --answers."""
    from bmadgen.services import workflow

    sys.stdout.write(workflow.answers_sample(type))


@answers_app.command("show")
def answers_show(project: str | None = PROJECT_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Print the answers a project has so far (as an answers file)."""
    from bmadgen.services import workflow

    with common.session(project) as session:
        given = workflow.answers_given(session)
    if as_json:
        common.print_json(given)
    else:
        sys.stdout.write(workflow.answers_text(given))


@answers_app.command("set")
def answers_set(
    key: str = typer.Argument(..., help="phase.key, e.g. requirements.features"),
    value: str = typer.Argument(..., help="The answer; separate list items with ';'."),
    project: str | None = PROJECT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Change one answer; run (or roll back and run) its phase to use it."""
    from bmadgen.services import workflow

    with common.session(project) as session:
        answer = workflow.set_answer(session, key, value)
    if as_json:
        common.print_json(answer)
    else:
        print(f"{answer.key} = {answer.value}")
