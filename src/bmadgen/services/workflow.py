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
from bmadgen.workflow import documents, drafting, engine
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


class FeatureInfo(BaseModel):
    name: str
    title: str
    description: str


class ProjectTypeInfo(BaseModel):
    """A project type as the gallery shows it: what it is and the features it starts with."""

    id: str
    title: str
    description: str
    stacks: list[str]
    features: list[FeatureInfo]


def approve_all(_result: PhaseResult) -> bool:
    return True


def phase_names() -> list[str]:
    return [p.id for p in definitions.workflow().phases]


def project_type_names() -> list[str]:
    return definitions.project_type_names()


def project_types() -> list[ProjectTypeInfo]:
    """Every project type with its features: the gallery a new project is chosen from."""
    types = []
    for name in definitions.project_type_names():
        ptype = definitions.project_type(name)
        types.append(ProjectTypeInfo(
            id=ptype.id, title=ptype.title, description=ptype.description,
            stacks=list(ptype.stacks),
            features=[FeatureInfo(name=f.name, title=f.title, description=f.description)
                      for f in ptype.features]))
    return types


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
    project = create_project(session, name, type, folder=folder, answers=answers,
                             answers_text=answers_text, claim_calls=claim_calls)
    if on_created is not None:
        on_created(project)
    results = engine.run_through(session.store, project, asker=asker, approve=approve,
                                 until=until, on_result=on_result, progress=progress,
                                 provider=provider)
    return NewProjectResult(project=project, results=results,
                            status=engine.status(session.store, project))


def create_project(session: Session, name: str, type: str, *, folder: Path | None = None,
                   answers: Path | None = None, answers_text: str | None = None,
                   claim_calls: list[int] | None = None) -> Project:
    """Create the project and its folder (a new git repository, default `cwd/name`) without
    running a phase: it becomes the session's project (the terminal wizard and an MCP client run
    the phases one at a time). `answers_text` are answers drafted from an idea (instead of an
    answers file); `claim_calls` are the model calls made for it before it existed."""
    target = folder if folder is not None else session.cwd / name
    if answers_text is not None:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="bmadgen-answers-") as temp:
            drafted = Path(temp) / "answers.yaml"
            drafted.write_text(answers_text, encoding="utf-8")
            project = engine.new_project(session.store, name, type, target, drafted)
    else:
        project = engine.new_project(session.store, name, type, target, answers)
    if claim_calls:
        from bmadgen.llm import records

        records.claim(session.store, claim_calls, project.id)
    session.use(project)
    return project


def check_name(name: str, what: str = "project name") -> str:
    """The name as it will be stored, or InvalidInput saying why it is refused (a form shows
    the reason beside the field before anything is created)."""
    from bmadgen.validation import identifier

    return identifier(name, what)


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


def phase_handoff(session: Session, phase: str) -> str | None:
    """The handoff the phase left when it was last approved (None before its approval)."""
    row = session.store.query_one(
        "SELECT content FROM handoffs WHERE project_id = ? AND phase = ? "
        "ORDER BY created_at DESC, id DESC LIMIT 1", (session.project().id, phase))
    return str(row["content"]) if row is not None else None


def prototype_pages(session: Session) -> list[Path]:
    """The prototype's HTML pages (empty before the prototype phase has run)."""
    folder = session.folder() / "prototype"
    return sorted(folder.glob("*.html")) if folder.is_dir() else []


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


# ------------------------------------------------------------------ a client's model writes


def next_question(session: Session, phase: str | None = None) -> drafting.QuestionView | None:
    """The first unanswered question of a phase (the next runnable one by default)."""
    return drafting.next_question(session.store, session.project(), phase)


def next_section(session: Session, phase: str | None = None, *,
                 budget_tokens: int = 2000) -> drafting.SectionTask | None:
    """The next section of a phase's document to write, with its instruction, the agent's
    persona and the project context cut to `budget_tokens`; None when all have content."""
    return drafting.next_section(session.store, session.project(), phase,
                                 budget_tokens=budget_tokens)


def submit_section(session: Session, key: str, content: Any,
                   phase: str | None = None) -> drafting.DraftState:
    """Keep one section's content, checked like a provider's output."""
    return drafting.submit_section(session.store, session.project(), phase, key, content)


def write_phase(session: Session, phase: str | None = None, *,
                force: bool = False) -> PhaseResult:
    """Write a phase's document from the submitted sections; it then awaits approval."""
    return drafting.write_phase(session.store, session.project(), phase, force=force)


class AgentBrief(BaseModel):
    agent: str
    name: str
    title: str
    persona: dict[str, str]
    phases: list[str]
    commands: list[str]
    context: str


def agent_names() -> list[str]:
    return definitions.agent_names()


def agent_brief(session: Session, agent: str, *, budget_tokens: int = 2000) -> AgentBrief:
    """An agent's persona and what it works on, with the project's context when there is a
    current project with a folder (else the persona alone)."""
    found = definitions.agent(agent)
    phases = [p for p in definitions.workflow().phases if p.agent == found.id]
    context = ""
    project = session.project_or_none()
    if project is not None and project.path:
        phase = phases[0] if phases else None
        context = drafting.project_context(session.store, project, phase,
                                           engine.plan_of(session.store, project),
                                           budget_tokens=budget_tokens)
    return AgentBrief(agent=found.id, name=found.name, title=found.title,
                      persona=dict(found.persona), phases=[p.id for p in phases],
                      commands=[f"{c.name}: {c.description}" for c in found.commands],
                      context=context)


class SectionText(BaseModel):
    document: str
    section: str
    text: str


class DocumentHit(BaseModel):
    document: str
    section: str
    score: int
    excerpt: str


def document_section(session: Session, name: str, section: str) -> SectionText:
    """One section of a document: the heading whose title (or its start) matches `section`,
    with everything under it down to the next heading of the same or a higher level."""
    text = documents.show_document(session.project(), name)
    title, body = documents.section_of(text, section, name)
    return SectionText(document=name, section=title, text=body)


def search_documents(session: Session, query: str, *, limit: int = 10) -> list[DocumentHit]:
    """The sections of the project's documents that hold the most of the query's words."""
    project = session.project()
    hits = []
    for info in documents.list_documents(session.store, project):
        if not info.exists or not info.path.endswith(".md"):
            continue
        text = documents.show_document(project, info.name)
        for score, title, body in documents.search_sections(text, query):
            hits.append(DocumentHit(document=info.name, section=title, score=score,
                                    excerpt=body[:400]))
    hits.sort(key=lambda hit: -hit.score)
    return hits[:limit]


def write_phase_with_model(session: Session, write: drafting.SectionWriter,
                           phase: str | None = None, *,
                           budget_tokens: int = 2000) -> PhaseResult:
    """Run a phase asking `write(section task, problem)` for the text of every section (the MCP
    face asks the client's model through sampling); it then awaits approval."""
    return drafting.write_phase_with(session.store, session.project(), phase, write,
                                     budget_tokens=budget_tokens)
