"""The workflow service: what `bmadgen new`, `phase ...`, `doc ...` and the TUI call.

A phase run: check its inputs (earlier phases approved, their documents present), elicit the
answers it still lacks (each answer is saved as it is given, so quitting and coming back
resumes at the same question), let the phase's agent fill its document template through the
provider, write the documents, score the checklist, and wait for approval. Approval commits
the phase's documents (one git commit per phase), records their hashes for drift detection,
and writes a handoff and the key decisions to the project memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from bmadgen import definitions, handoff, memory, projects, tasks, vcs
from bmadgen.agents import checklists
from bmadgen.agents.checklists import ChecklistResult
from bmadgen.definitions import Phase, ProjectType, Question, Workflow
from bmadgen.errors import Conflict, EnvironmentUnavailable, GatesFailed, InvalidInput, NotFound
from bmadgen.fsutil import write_text_atomic
from bmadgen.models import Project
from bmadgen.plan import Plan
from bmadgen.store import Store
from bmadgen.validation import identifier
from bmadgen.workflow import answers as answers_mod
from bmadgen.workflow import drift, state
from bmadgen.workflow.development import DevelopmentOutcome
from bmadgen.workflow.drift import DriftFinding
from bmadgen.workflow.state import PhaseState, PhaseStatus

ANSWERS_RELPATH = ".bmadgen/answers.yaml"
GATES_ITEM = "gates"  # the development checklist item that the QA step's gates prove


class Asker(Protocol):
    """Where answers come from when a person is present (terminal, TUI)."""

    def ask(self, phase: str, question: Question, expected: str, default: str | None) -> str:
        """The raw answer; lists separated by ';'. Raise to stop (progress is kept)."""
        ...

    def tell(self, message: str) -> None:
        """Show a problem with the last answer before the question is asked again."""
        ...


class PhaseView(BaseModel):
    phase: str
    title: str
    agent: str
    agent_title: str
    status: PhaseStatus
    stale_reason: str | None
    checklist: str | None
    commit_sha: str | None
    elicit_position: str | None
    documents: list[str]


class WorkflowStatus(BaseModel):
    project: str
    type: str
    folder: str
    phases: list[PhaseView]
    next_action: str
    drift: list[DriftFinding]


class PhaseResult(BaseModel):
    phase: str
    status: PhaseStatus
    documents: list[str]
    checklist: ChecklistResult | None = None
    outcome: DevelopmentOutcome | None = None
    commit_sha: str | None = None
    stale: list[str] = []
    message: str


class DocumentInfo(BaseModel):
    name: str
    path: str
    phase: str
    exists: bool
    phase_status: PhaseStatus
    changed_since_approval: bool


class DocumentCommit(BaseModel):
    sha: str
    short: str
    message: str
    author: str
    timestamp: int


# ------------------------------------------------------------------ helpers


def _folder(project: Project) -> Path:
    if not project.path:
        raise NotFound(f"project {project.name!r} has no folder",
                       hint="create projects for the workflow with `bmadgen new NAME --type T`")
    folder = Path(project.path)
    if not folder.is_dir():
        raise NotFound(f"the folder of project {project.name!r} ({folder}) does not exist")
    return folder


def _plan(store: Store, project: Project, ptype: ProjectType) -> Plan:
    return Plan(project_name=project.name, project_type=ptype,
                answers=answers_mod.stored(store, project.id))


def _write(folder: Path, relpath: str, content: str) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of one."""
    target = (folder / relpath).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise InvalidInput(f"refusing to write outside the project folder: {relpath}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(target, content)
    except OSError as exc:
        raise EnvironmentUnavailable(f"cannot write {relpath}: {exc.strerror or exc}") from exc


def _prepare(store: Store, project: Project) -> tuple[Workflow, ProjectType, Path]:
    """The workflow, project type and folder, with the state rows present and drift applied:
    what every command that changes a phase starts from."""
    flow = definitions.workflow()
    ptype = definitions.project_type(project.type)
    folder = _folder(project)
    state.ensure(store, project.id, flow)
    _check_drift(store, project, flow)
    return flow, ptype, folder


def _check_drift(store: Store, project: Project, flow: Workflow) -> list[DriftFinding]:
    return drift.detect(store, project.id, _folder(project), flow)


def _next_action(states: list[PhaseState]) -> str:
    for st in states:
        if st.status == "awaiting_approval":
            return f"bmadgen phase approve {st.phase}"
    for st in states:
        if st.status != "approved":
            return f"bmadgen phase run {st.phase}"
    return "every phase is approved"


# ------------------------------------------------------------------ new project


def new_project(store: Store, name: str, type: str, folder: Path,
                answers_path: Path | None = None) -> Project:
    """Create the project, its folder (a git repository with the marker), its phase rows,
    and its starting tasks and memories. The answers file is checked before anything is made."""
    identifier(name, "project name")
    ptype = definitions.project_type(type)
    flow = definitions.workflow()
    given = answers_mod.load_file(answers_path, ptype, flow) if answers_path else None
    existing = store.query_one("SELECT path FROM projects WHERE name = ?", (name,))
    if existing is not None:
        raise Conflict(f"a project named {name!r} already exists (folder {existing['path']})",
                       hint="to continue it, run `bmadgen phase run` inside its folder; or pick "
                            "another name")
    folder = Path(folder).resolve()
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise Conflict(f"{folder} exists and is not an empty folder",
                       hint="pick another --dir or remove the folder")
    summary = (given or {}).get("vision", {}).get("summary", "")
    vcs.open_repo(folder, create=True)  # first: without git nothing else is created
    project = projects.create(store, name, type=ptype.id, description=summary, path=folder)
    projects.write_marker(folder, project)
    state.ensure(store, project.id, flow)
    if given:
        answers_mod.save(store, project.id, given, source="file")
    for task in ptype.tasks:
        tasks.add(store, project.id, task.title, description=task.description,
                  priority=task.priority, ref=f"start:{ptype.id}")
    for item in ptype.memories:
        memory.add(store, project.id, item.content, title=item.title, importance=item.importance,
                   kind="note")
    return project


# ------------------------------------------------------------------ status


def status(store: Store, project: Project) -> WorkflowStatus:
    flow = definitions.workflow()
    state.ensure(store, project.id, flow)
    findings = _check_drift(store, project, flow)
    states = state.all_states(store, project.id)
    views = []
    for st in states:
        phase = flow.phase(st.phase)
        agent = definitions.agent(phase.agent)
        views.append(PhaseView(
            phase=st.phase, title=phase.title, agent=agent.id, agent_title=agent.title,
            status=st.status, stale_reason=st.stale_reason,
            checklist=(ChecklistResult(**st.checklist).summary if st.checklist else None),
            commit_sha=st.commit_sha, elicit_position=st.elicit_position,
            documents=phase.produces,
        ))
    return WorkflowStatus(project=project.name, type=project.type, folder=str(_folder(project)),
                          phases=views, next_action=_next_action(states), drift=findings)


# ------------------------------------------------------------------ run


def _check_inputs(store: Store, project: Project, flow: Workflow, phase: Phase,
                  folder: Path) -> None:
    current = state.get(store, project.id, phase.id)
    if current.status == "approved":
        raise Conflict(f"phase {phase.id} is already approved",
                       hint=f"roll it back first: bmadgen phase rollback {phase.id}")
    for earlier in flow.phases[: flow.index(phase.id)]:
        st = state.get(store, project.id, earlier.id)
        if st.status != "approved":
            raise Conflict(f"phase {phase.id} needs {earlier.id} approved first "
                           f"({earlier.id} is {st.status})",
                           hint=_next_action(state.all_states(store, project.id)))
    for relpath in phase.requires:
        if not (folder / relpath).exists():
            producer = flow.producer_of(relpath)
            raise NotFound(f"{relpath} is missing; phase {phase.id} reads it",
                           hint=f"bmadgen phase rollback {producer.id if producer else phase.id}"
                                " and run it again")


def elicit(store: Store, project: Project, phase_id: str, ptype: ProjectType,
           asker: Asker | None, *, reask: bool = False) -> dict[str, Any]:
    """Ask this phase's unanswered questions (all of them with `reask`), saving each answer
    as soon as it is given."""
    questions = answers_mod.phase_questions().get(phase_id, [])
    have = answers_mod.stored(store, project.id).get(phase_id, {})
    for question in questions:
        if question.key in have and not reask:
            continue
        state.update(store, project.id, phase_id, elicit_position=f"{phase_id}.{question.key}")
        if asker is None:
            raise InvalidInput(
                f"no answer for {phase_id}.{question.key}",
                hint=f"pass --answers FILE (`bmadgen answers sample --type {ptype.id}`) or run "
                     "it in a terminal",
            )
        default = have.get(question.key)
        if default is None and question.type == "choice":
            default = (question.choices or ptype.choices(question.choices_from or ""))[0]
        expected = answers_mod.describe(question, ptype)
        while True:
            raw = asker.ask(phase_id, question, expected,
                            None if default is None else answers_mod.to_prompt_text(question, default))
            try:
                value = answers_mod.parse_typed(question, raw, ptype)
                break
            except ValueError as exc:
                asker.tell(f"{phase_id}.{question.key}: {exc}")
        answers_mod.save(store, project.id, {phase_id: {question.key: value}}, source="prompt")
        have[question.key] = value
    state.update(store, project.id, phase_id, elicit_position=None)
    return have


def _refuse_overwriting_edits(folder: Path, phase: Phase, st: PhaseState) -> None:
    edited = []
    for relpath in drift.expand(folder, phase.produces):
        digest = drift.file_hash(folder / relpath)
        if digest is not None and digest not in (st.written_hashes.get(relpath),
                                                 st.approved_hashes.get(relpath)):
            edited.append(relpath)
    if edited:
        raise Conflict(
            f"running {phase.id} would overwrite changes not made by bmadgen: {', '.join(edited)}",
            hint=f"approve them (bmadgen phase approve {phase.id}), commit or move them, or pass "
                 "--force to replace them",
        )


def _phase_files(store: Store, project: Project, phase: Phase, plan: Plan,
                 provider_name: str | None) -> dict[str, str]:
    from bmadgen.agents import provider as provider_mod
    from bmadgen.agents import runner

    provider = provider_mod.get_provider(provider_name)
    document = runner.run_agent(definitions.agent(phase.agent),
                                definitions.doc_template(phase.template), plan, provider)
    files = {document.relpath: document.markdown}
    if phase.id == "prototype":
        from bmadgen.workflow import prototype

        files.update(prototype.build(plan))
    elif phase.id == "architecture":
        files["appspec.yaml"] = _appspec_text(plan)
    return files


def _appspec_text(plan: Plan) -> str:
    import yaml

    from bmadgen import appspec

    text = appspec.dump(plan.appspec())
    appspec.parse(yaml.safe_load(text), "the generated app spec")  # what generation will read
    return text


def _remove_outdated(folder: Path, phase: Phase, st: PhaseState, files: dict[str, str]) -> None:
    """Files bmadgen wrote for this phase before that the new run no longer makes (a dropped
    feature's prototype page) are removed; files a person added are kept."""
    ours = set(st.written_hashes) | set(st.approved_hashes)
    for relpath in drift.expand(folder, phase.produces):
        if relpath in ours and relpath not in files:
            (folder / relpath).unlink(missing_ok=True)


def _score(store: Store, project: Project, phase: Phase, plan: Plan, folder: Path,
           outcome: dict[str, Any] | None) -> ChecklistResult:
    context = checklists.CheckContext(
        folder=folder, documents=drift.expand(folder, phase.produces),
        feature_names=plan.feature_names, story_refs=tasks.refs(store, project.id),
        outcome=outcome or {})
    return checklists.score(definitions.checklist(phase.checklist), context)


def run_phase(store: Store, project: Project, phase_id: str | None = None, *,
              answers_path: Path | None = None, asker: Asker | None = None,
              reask: bool = False, force: bool = False,
              provider: str | None = None,
              progress: Callable[[Any], None] | None = None) -> PhaseResult:
    """Run one phase. `progress` receives the quality gates' events during development."""
    flow, ptype, folder = _prepare(store, project)
    if phase_id is None:
        phase_id = _next_runnable(store, project)
    phase = flow.phase(phase_id)
    given = answers_mod.load_file(answers_path, ptype, flow) if answers_path else None
    _check_inputs(store, project, flow, phase, folder)
    st = state.get(store, project.id, phase.id)
    if not force:
        _refuse_overwriting_edits(folder, phase, st)
    if given:
        answers_mod.save(store, project.id, given, source="file")
    state.update(store, project.id, phase.id, status="in_progress", started_at=time.time())
    elicit(store, project, phase.id, ptype, asker, reask=reask)
    plan = _plan(store, project, ptype)
    files = _phase_files(store, project, phase, plan, provider)
    _remove_outdated(folder, phase, st, files)
    for relpath, content in files.items():
        _write(folder, relpath, content)
    _write(folder, ANSWERS_RELPATH, answers_mod.dump(plan.answers, flow))
    outcome = None
    if phase.id == "development":
        from bmadgen.workflow import development

        development.create_story_tasks(store, project, plan)
        outcome = development.run_development_steps(store, project, folder, progress=progress)
        memory.add(store, project.id, _outcome_text(outcome), title="Development outcome",
                   importance="high", kind="note")
    result = _score(store, project, phase, plan, folder,
                    outcome.model_dump() if outcome else None)
    state.update(store, project.id, phase.id, status="awaiting_approval",
                 awaiting_at=time.time(), stale_reason=None,
                 written_hashes=drift.hashes(folder, phase), checklist=result.model_dump(),
                 outcome=outcome.model_dump() if outcome else None)
    return PhaseResult(
        phase=phase.id, status="awaiting_approval", documents=sorted(files), checklist=result,
        outcome=outcome,
        message=f"{phase.title} written; checklist {result.summary}. "
                f"Review, then: bmadgen phase approve {phase.id}",
    )


def _outcome_text(outcome: DevelopmentOutcome) -> str:
    return (f"Dev (generation): {outcome.generation.status}. {outcome.generation.detail}\n"
            f"QA (gates): {outcome.gates.status}. {outcome.gates.detail}")


def _next_runnable(store: Store, project: Project) -> str:
    for st in state.all_states(store, project.id):
        if st.status != "approved":
            return st.phase
    raise Conflict("every phase is approved",
                   hint="roll one back to change it: bmadgen phase rollback PHASE")


# ------------------------------------------------------------------ approve


def approve_phase(store: Store, project: Project, phase_id: str | None = None) -> PhaseResult:
    flow, ptype, folder = _prepare(store, project)
    if phase_id is None:
        waiting = [s for s in state.all_states(store, project.id)
                   if s.status == "awaiting_approval"]
        if not waiting:
            raise Conflict("no phase is awaiting approval", hint="bmadgen phase status")
        phase_id = waiting[0].phase
    phase = flow.phase(phase_id)
    st = state.get(store, project.id, phase.id)
    if st.status != "awaiting_approval":
        raise Conflict(f"phase {phase.id} is {st.status}, not awaiting approval",
                       hint=_next_action(state.all_states(store, project.id)))
    for relpath in phase.produces:
        if not (folder / relpath).exists():
            raise NotFound(f"{relpath} is missing", hint=f"bmadgen phase run {phase.id}")
    if "appspec.yaml" in phase.produces:
        from bmadgen import appspec

        appspec.load(folder / "appspec.yaml")  # lists every problem with its path
    plan = _plan(store, project, ptype)
    result = _score(store, project, phase, plan, folder, st.outcome)
    if result.score == "FAIL":
        failed = [f"{i.id}: {i.detail or i.text}" for i in result.items if i.status == "FAIL"]
        if any(i.id == GATES_ITEM and i.status == "FAIL" for i in result.items):
            raise GatesFailed(f"the {phase.id} phase cannot be approved: required quality gates "
                              "failed", details=failed,
                              hint="`bmadgen gates` shows them; fix or waive, then run the "
                                   f"phase again: bmadgen phase run {phase.id}")
        raise Conflict(f"the {phase.id} checklist fails", details=failed,
                       hint=f"fix the documents or run the phase again: bmadgen phase run "
                            f"{phase.id} --force")
    agent = definitions.agent(phase.agent)
    paths = [p.rstrip("/") for p in phase.produces] + [ANSWERS_RELPATH]
    message = (f"{phase.id}: {phase.title} approved\n\nAgent: {agent.title} ({agent.id})\n"
               f"Checklist: {result.summary}\n")
    sha = _commit(folder, message, paths)
    state.update(store, project.id, phase.id, status="approved", approved_at=time.time(),
                 approved_hashes=drift.hashes(folder, phase), commit_sha=sha,
                 stale_reason=None, checklist=result.model_dump())
    facts, decisions = _facts(phase.id, plan, st.outcome)
    _record_handoff(store, project, flow, phase, sha, result, facts)
    for decision in decisions:
        memory.add(store, project.id, decision, title=f"{phase.title} decision",
                   importance="high", kind="decision")
    return PhaseResult(phase=phase.id, status="approved", documents=drift.expand(folder, phase.produces),
                       checklist=result, commit_sha=sha,
                       message=f"{phase.title} approved and committed ({(sha or '')[:8]})")


def _commit(folder: Path, message: str, paths: list[str]) -> str | None:
    """One commit of the phase's documents; the existing head when nothing changed."""
    import git

    try:
        return vcs.commit(folder, message, paths) or vcs.head_sha(folder)
    except git.GitCommandError as exc:  # e.g. a .gitignore rule that hides a document
        reason = " ".join(str(exc.stderr or exc).split())
        raise Conflict(f"git could not commit {', '.join(paths)}: {reason}",
                       hint="check the folder's .gitignore and `git status`; nothing was "
                            "approved") from exc


def _record_handoff(store: Store, project: Project, flow: Workflow, phase: Phase,
                    sha: str | None, result: ChecklistResult, facts: str) -> None:
    agent = definitions.agent(phase.agent)
    index = flow.index(phase.id)
    following = flow.phases[index + 1] if index + 1 < len(flow.phases) else None
    nxt = (f"Next: {following.title} by the {definitions.agent(following.agent).title}, reading "
           f"{', '.join(following.requires)}." if following else "All phases are done.")
    text = (f"{phase.title} approved ({agent.title}). Documents: {', '.join(phase.produces)} "
            f"(commit {(sha or '')[:8]}). Checklist: {result.summary}. {facts} {nxt}")
    handoff.record(store, project.id, text, phase=phase.id)


def _facts(phase_id: str, plan: Plan, outcome: dict[str, Any] | None) -> tuple[str, list[str]]:
    """A line of key facts for the handoff, and the decisions worth remembering."""
    features = ", ".join(plan.feature_names)
    if phase_id == "vision":
        users = "; ".join(plan.answer("vision", "users", []))
        return f"Summary: {plan.answer('vision', 'summary', '')} Users: {users}.", []
    if phase_id == "requirements":
        frs = len(plan.functional_requirements)
        nfrs = len(plan.non_functional_requirements)
        return (f"{frs} FRs and {nfrs} NFRs over the slices {features}.",
                [f"Feature slices for the first version: {features}"])
    if phase_id == "prototype":
        style = plan.answer("prototype", "style", "clean")
        layout = plan.answer("prototype", "layout", "top-nav")
        return (f"Prototype pages for {features}; {style} style, {layout} navigation.",
                [f"Interface: {style} style with {layout} navigation"])
    if phase_id == "architecture":
        spec = plan.appspec()
        entities = sum(len(f.entities) for f in spec.features)
        endpoints = sum(len(f.endpoints) for f in spec.features)
        auth = plan.answer("architecture", "auth", "none")
        return ((f"App spec: {len(spec.features)} features, {entities} entities, {endpoints} "
                f"endpoints on {spec.stack.name}."),
                [(f"Stack: {spec.stack.name} with {spec.stack.database}; authentication: {auth}; "
                 f"vertical slices: {features}")])
    steps = outcome or {}
    generation = (steps.get("generation") or {}).get("status", "not run")
    gates = (steps.get("gates") or {}).get("status", "not run")
    return f"Story tasks for {features}; generation {generation}; gates {gates}.", []


# ------------------------------------------------------------------ rollback


def rollback_phase(store: Store, project: Project, phase_id: str) -> PhaseResult:
    flow, _, _ = _prepare(store, project)
    phase = flow.phase(phase_id)
    st = state.get(store, project.id, phase.id)
    if st.status == "pending":
        raise Conflict(f"phase {phase.id} has not run yet; there is nothing to roll back",
                       hint=f"bmadgen phase run {phase.id}")
    state.update(store, project.id, phase.id, status="in_progress",
                 stale_reason="rolled back; run it again", elicit_position=None)
    later = [p.id for p in flow.phases[flow.index(phase.id) + 1:]]
    stale = state.mark_stale(store, project.id, later, f"{phase.id} was rolled back")
    return PhaseResult(phase=phase.id, status="in_progress", documents=[], stale=stale,
                       message=f"{phase.title} reopened; stale: {', '.join(stale) or 'none'}. "
                               f"Change answers if needed, then: bmadgen phase run {phase.id}")


# ------------------------------------------------------------------ unattended / guided run


def run_through(store: Store, project: Project, *, asker: Asker | None,
                approve: Callable[[PhaseResult], bool], until: str | None = None,
                on_result: Callable[[PhaseResult], None] | None = None,
                progress: Callable[[Any], None] | None = None) -> list[PhaseResult]:
    """Run the phases in order from the first one not approved, asking `approve` after each;
    stop when it says no, after `until`, or at the end."""
    flow = definitions.workflow()
    if until is not None:
        flow.phase(until)
    results = []
    for phase in flow.phases:
        st = state.get(store, project.id, phase.id)
        if st.status == "approved":
            continue
        if st.status != "awaiting_approval":
            result = run_phase(store, project, phase.id, asker=asker, progress=progress)
            results.append(result)
            if on_result:
                on_result(result)
        if not approve(results[-1] if results else PhaseResult(
                phase=phase.id, status="awaiting_approval", documents=[], message="")):
            break
        approved = approve_phase(store, project, phase.id)
        results.append(approved)
        if on_result:
            on_result(approved)
        if phase.id == until:
            break
    return results


# ------------------------------------------------------------------ documents


def _documents(folder: Path, flow: Workflow) -> list[tuple[str, str, Phase]]:
    """(name, relative path, producing phase) for every document, named by file stem."""
    out = []
    for phase in flow.phases:
        for relpath in drift.expand(folder, phase.produces):
            name = relpath if relpath.startswith("prototype/") else Path(relpath).stem
            out.append((name, relpath, phase))
    return out


def _resolve_document(project: Project, name: str) -> tuple[Path, str, Phase]:
    folder = _folder(project)
    docs = _documents(folder, definitions.workflow())
    for doc_name, relpath, phase in docs:
        if name in (doc_name, relpath):
            return folder, relpath, phase
    raise NotFound(f"no document {name!r}",
                   hint=f"documents are: {', '.join(d[0] for d in docs)}")


def list_documents(store: Store, project: Project) -> list[DocumentInfo]:
    flow = definitions.workflow()
    folder = _folder(project)
    _check_drift(store, project, flow)
    states = {s.phase: s for s in state.all_states(store, project.id)}
    out = []
    for name, relpath, phase in _documents(folder, flow):
        st = states[phase.id]
        approved = st.approved_hashes.get(relpath)
        out.append(DocumentInfo(
            name=name, path=relpath, phase=phase.id, exists=(folder / relpath).is_file(),
            phase_status=st.status,
            changed_since_approval=approved is not None
            and drift.file_hash(folder / relpath) != approved))
    return out


def show_document(project: Project, name: str, rev: str | None = None) -> str:
    folder, relpath, _ = _resolve_document(project, name)
    if rev:
        if rev.startswith("-"):
            raise InvalidInput(f"invalid revision {rev!r}")
        return vcs.file_at(folder, relpath, rev)
    path = folder / relpath
    if not path.is_file():
        raise NotFound(f"{relpath} does not exist yet")
    return path.read_text(encoding="utf-8", errors="replace")


def document_history(project: Project, name: str, limit: int = 50) -> list[DocumentCommit]:
    folder, relpath, _ = _resolve_document(project, name)
    return [DocumentCommit(sha=c.sha, short=c.short, message=c.message, author=c.author,
                           timestamp=c.timestamp) for c in vcs.history(folder, relpath, limit=limit)]


def document_diff(project: Project, name: str, rev_a: str | None = None,
                  rev_b: str | None = None) -> str:
    folder, relpath, _ = _resolve_document(project, name)
    return vcs.diff(folder, relpath, rev_a, rev_b)
