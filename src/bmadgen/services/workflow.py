"""The five phases: create a project and walk it through them, run, approve and roll back a
phase, answer questions, and read the documents.

Interaction is the face's: it passes an `Asker` (questions), an `approve` callback (approval
after each phase) and a `progress` callback (gate events during development). With none of
them, a run is unattended and every answer must come from an answers file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bmadgen import definitions
from bmadgen.agents.provider import ProviderFactory
from bmadgen.models import Project
from bmadgen.services.session import Session
from bmadgen.workflow import answers as answers_mod
from bmadgen.workflow import documents, engine
from bmadgen.workflow.documents import DocumentCommit, DocumentInfo
from bmadgen.workflow.engine import Asker, PhaseResult, WorkflowStatus

__all__ = ["Asker", "DocumentCommit", "DocumentInfo", "PhaseResult", "WorkflowStatus"]

Approve = Callable[[PhaseResult], bool]
OnResult = Callable[[PhaseResult], None]
Progress = Callable[[Any], None]


class NewProjectResult(BaseModel):
    project: Project
    results: list[PhaseResult]
    status: WorkflowStatus


class AnswerValue(BaseModel):
    key: str
    value: Any


class DocumentText(BaseModel):
    name: str
    rev: str | None
    text: str


def approve_all(_result: PhaseResult) -> bool:
    return True


def phase_names() -> list[str]:
    return [p.id for p in definitions.workflow().phases]


def project_type_names() -> list[str]:
    return definitions.project_type_names()


def new_project(session: Session, name: str, type: str, *, folder: Path | None = None,
                answers: Path | None = None, until: str | None = None,
                asker: Asker | None = None, approve: Approve = approve_all,
                on_created: Callable[[Project], None] | None = None,
                on_result: OnResult | None = None,
                progress: Progress | None = None,
                provider: ProviderFactory | str | None = None,
                answers_text: str | None = None,
                claim_calls: list[int] | None = None) -> NewProjectResult:
    """Create the project (its folder is a new git repository) and run the phases in order,
    asking `approve` after each, until `until` or the end. Everything given is checked before
    anything is created: an unknown `until` phase, the name, the type, the answers file (or
    `answers_text`, answers drafted from an idea). `provider` fills the documents (see
    `services.llm.provider_factory`); `claim_calls` are model calls made for this project
    before it existed."""
    if until is not None:
        definitions.workflow().phase(until)
    target = folder if folder is not None else session.cwd / name
    if answers_text is not None:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="bmadgen-answers-") as temp:
            drafted = Path(temp) / "answers.yaml"
            drafted.write_text(answers_text, encoding="utf-8")
            project = engine.new_project(session.store, name, type, target, drafted)
    else:
        project = engine.new_project(session.store, name, type, target, answers)
    session.use(project)
    if claim_calls:
        from bmadgen.llm import records

        records.claim(session.store, claim_calls, project.id)
    if on_created is not None:
        on_created(project)
    results = engine.run_through(session.store, project, asker=asker, approve=approve,
                                 until=until, on_result=on_result, progress=progress,
                                 provider=provider)
    return NewProjectResult(project=project, results=results,
                            status=engine.status(session.store, project))


def status(session: Session) -> WorkflowStatus:
    """Each phase's status (drift is checked first) and the next action."""
    return engine.status(session.store, session.project())


def run_phase(session: Session, phase: str | None = None, *, answers: Path | None = None,
              asker: Asker | None = None, reask: bool = False, force: bool = False,
              approve: bool = False, progress: Progress | None = None,
              provider: ProviderFactory | str | None = None) -> list[PhaseResult]:
    """Run a phase (the next one by default); with `approve`, approve it right after."""
    project = session.project()
    results = [engine.run_phase(session.store, project, phase, answers_path=answers, asker=asker,
                                reask=reask, force=force, progress=progress,
                                provider=provider)]
    if approve:
        results.append(engine.approve_phase(session.store, project, results[0].phase))
    return results


def approve_phase(session: Session, phase: str | None = None) -> PhaseResult:
    return engine.approve_phase(session.store, session.project(), phase)


def rollback_phase(session: Session, phase: str) -> PhaseResult:
    return engine.rollback_phase(session.store, session.project(), phase)


# ------------------------------------------------------------------ answers


def answers_sample(type: str) -> str:
    """A complete answers file for a project type, to edit and pass as `answers`."""
    return answers_mod.sample(definitions.project_type(type))


def answers_given(session: Session) -> dict[str, dict[str, Any]]:
    return answers_mod.stored(session.store, session.project().id)


def answers_text(answers: dict[str, dict[str, Any]]) -> str:
    """Answers as an answers file."""
    return answers_mod.dump(answers)


def set_answer(session: Session, key: str, value: str) -> AnswerValue:
    """Change one answer (`phase.key`), typed as at a prompt."""
    project = session.project()
    stored = answers_mod.set_one(session.store, project.id,
                                 definitions.project_type(project.type), key, value)
    return AnswerValue(key=key, value=stored)


# ------------------------------------------------------------------ documents


def list_documents(session: Session) -> list[DocumentInfo]:
    return documents.list_documents(session.store, session.project())


def show_document(session: Session, name: str, rev: str | None = None) -> DocumentText:
    return DocumentText(name=name, rev=rev,
                        text=documents.show_document(session.project(), name, rev))


def document_history(session: Session, name: str, limit: int = 50) -> list[DocumentCommit]:
    return documents.document_history(session.project(), name, limit)


def document_diff(session: Session, name: str, rev_a: str | None = None,
                  rev_b: str | None = None) -> str:
    """A unified diff of a document between revisions, or against the file as it is now."""
    return documents.document_diff(session.project(), name, rev_a, rev_b)
