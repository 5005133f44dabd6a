"""The workflow engine: what `bmadgen new`, `phase ...` and the TUI call to move the phases.

A phase run: check its inputs (earlier phases approved, their documents present), elicit the
answers it still lacks (`questions`), let the phase's agent fill its document template through
the provider, add the phase's own files and steps (`artifacts`), write the files, score the
checklist, and wait for approval. Approval commits the phase's documents (one git commit per
phase), records their hashes for drift detection, and leaves a handoff and the key decisions
in the project memory (`handoffs`). Results and errors say what to do next as a `NextAction`,
never as a command line.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, cast

from pydantic import BaseModel

from bmadgen import appspec, definitions, memory, pathguard, projects, tasks, vcs
from bmadgen.agents import checklists, runner
from bmadgen.agents.checklists import ChecklistResult
from bmadgen.agents.provider import Provider, ProviderFactory, ProviderScope, get_provider
from bmadgen.definitions import Phase, ProjectType, Question, Workflow
from bmadgen.errors import Conflict, EnvironmentUnavailable, GatesFailed, NotFound
from bmadgen.fsutil import disk_nearly_full, os_error
from bmadgen.models import NextAction, Project
from bmadgen.outcomes import DevelopmentOutcome
from bmadgen.plan import Plan
from bmadgen.store import Store
from bmadgen.validation import identifier
from bmadgen.workflow import answers as answers_mod
from bmadgen.workflow import artifacts, drift, handoffs, history, secrets, state
from bmadgen.workflow.drift import DriftFinding
from bmadgen.workflow.folder import (
    create_project_folder,
    ignore_locally,
    init_repo,
    project_folder,
    remove_created,
    write_file,
)
from bmadgen.workflow.questions import elicit
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
    next_action: NextAction
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
    next_action: NextAction | None = None
    # Sentences for a person, e.g. an answer that looks like an API key and is about to be
    # committed (the key itself is never repeated here).
    warnings: list[str] = []
    # From the person's other projects, never enforced: a feature that failed a gate in more
    # than one of them (its stories say so too), the budget suggested for the phase.
    suggestions: list[history.Suggestion] = []


# ------------------------------------------------------------------ helpers


def _plan(store: Store, project: Project, ptype: ProjectType) -> Plan:
    return Plan(project_name=project.name, project_type=ptype,
                answers=answers_mod.stored(store, project.id))


def _prepare(store: Store, project: Project) -> tuple[Workflow, ProjectType, Path]:
    """The workflow, project type and folder, with the state rows present and drift applied:
    what every command that changes a phase starts from."""
    flow = definitions.workflow()
    ptype = definitions.project_type(project.type)
    folder = project_folder(project)
    state.ensure(store, project.id, flow)
    drift.detect(store, project.id, folder, flow)
    return flow, ptype, folder


def _next_action(states: list[PhaseState]) -> NextAction:
    for st in states:
        if st.status == "awaiting_approval":
            return NextAction(kind="approve_phase", phase=st.phase)
    for st in states:
        if st.status != "approved":
            return NextAction(kind="run_phase", phase=st.phase)
    return NextAction(kind="done", detail="every phase is approved")


def _current_next_action(store: Store, project: Project) -> NextAction:
    return _next_action(state.all_states(store, project.id))


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
                       hint="pick another name, or continue it inside its folder",
                       action=NextAction(kind="run_phase"))
    folder = Path(folder).resolve()
    summary = (given or {}).get("vision", {}).get("summary", "")
    created = create_project_folder(folder)  # a one-line error when it cannot be made
    try:
        init_repo(folder)  # first: without git nothing else is created
        project = projects.create(store, name, type=ptype.id, description=summary, path=folder)
    except BaseException:
        remove_created(folder, created)  # no side effects when it could not be made
        raise
    try:
        projects.write_marker(folder, project)
        # The marker names this machine's store (its id means nothing elsewhere): git ignores
        # it in this clone, so `git status` is clean after `new` and nothing local is shared.
        ignore_locally(folder, projects.MARKER_RELPATH)
    except OSError as exc:
        raise os_error(exc, f"write the project marker in {folder}") from exc
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
    folder = project_folder(project)
    state.ensure(store, project.id, flow)
    findings = drift.detect(store, project.id, folder, flow)
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
    return WorkflowStatus(project=project.name, type=project.type, folder=str(folder),
                          phases=views, next_action=_next_action(states), drift=findings)


# ------------------------------------------------------------------ run


def _check_inputs(store: Store, project: Project, flow: Workflow, phase: Phase,
                  folder: Path) -> None:
    current = state.get(store, project.id, phase.id)
    if current.status == "approved":
        raise Conflict(f"phase {phase.id} is already approved", hint="roll it back first",
                       action=NextAction(kind="rollback_phase", phase=phase.id))
    for earlier in flow.phases[: flow.index(phase.id)]:
        st = state.get(store, project.id, earlier.id)
        if st.status != "approved":
            raise Conflict(f"phase {phase.id} needs {earlier.id} approved first "
                           f"({earlier.id} is {st.status})",
                           action=_current_next_action(store, project))
    for relpath in phase.requires:
        if not (folder / relpath).exists():
            producer = flow.producer_of(relpath)
            raise NotFound(f"{relpath} is missing; phase {phase.id} reads it",
                           hint="roll back the phase that writes it and run it again",
                           action=NextAction(kind="rollback_phase",
                                             phase=producer.id if producer else phase.id))


def _ours(st: PhaseState, relpath: str) -> set[str]:
    """The contents (hashes) of `relpath` that bmadgen wrote or meant to write for a phase:
    as last written, as approved, and as a run recorded just before it wrote them (a run
    killed before it recorded its state leaves those)."""
    return {h for h in (st.written_hashes.get(relpath), st.approved_hashes.get(relpath)) if h} \
        | set(st.pending_hashes.get(relpath, []))


def _refuse_overwriting_edits(folder: Path, phase: Phase, st: PhaseState) -> None:
    edited = []
    for relpath in drift.expand(folder, phase.produces):
        digest = drift.file_hash(folder, relpath)
        if digest is not None and digest.startswith(drift.REFUSED):  # not even --force helps
            pathguard.inside(folder, relpath, "the project folder", links=False)
        if digest is not None and digest not in _ours(st, relpath):
            edited.append(relpath)
    if edited:
        # Approving keeps the edits only when the phase awaits approval; suggesting it in any
        # other state would send the person to a command that refuses and points back here.
        awaiting = st.status == "awaiting_approval"
        raise Conflict(
            f"running {phase.id} would overwrite changes not made by bmadgen: {', '.join(edited)}",
            hint="commit or move them, pass --force to replace them"
                 + (", or approve them" if awaiting else ""),
            action=NextAction(kind="approve_phase", phase=phase.id) if awaiting else None,
        )


PENDING_KEPT = 8  # contents remembered per file across runs that were killed before the end


def _record_pending(store: Store, project: Project, phase: Phase, st: PhaseState,
                    files: dict[str, str]) -> None:
    """Before writing, record the hashes about to be written (with those of earlier runs that
    never finished), so a crash between the files and the state leaves files the next run
    knows as its own."""
    pending = {k: list(v) for k, v in st.pending_hashes.items()}
    for relpath, content in files.items():
        digest = hashlib.sha256(content.encode("utf-8")).hexdigest()
        kept = [h for h in pending.get(relpath, []) if h != digest]
        pending[relpath] = (kept + [digest])[-PENDING_KEPT:]
    state.update(store, project.id, phase.id, pending_hashes=pending)


def _remove_outdated(folder: Path, phase: Phase, st: PhaseState, files: dict[str, str]) -> None:
    """Files bmadgen wrote for this phase before that the new run no longer makes (a dropped
    feature's prototype page) are removed; files a person added are kept."""
    ours = set(st.written_hashes) | set(st.approved_hashes) | set(st.pending_hashes)
    for relpath in drift.expand(folder, phase.produces):
        if relpath in ours and relpath not in files:
            try:
                (folder / relpath).unlink(missing_ok=True)
            except OSError as exc:
                raise os_error(exc, f"remove {relpath}") from exc


def _score(store: Store, project: Project, phase: Phase, plan: Plan, folder: Path,
           outcome: DevelopmentOutcome | None) -> ChecklistResult:
    context = checklists.CheckContext(
        folder=folder, documents=drift.expand(folder, phase.produces),
        feature_names=plan.feature_names, story_refs=tasks.refs(store, project.id),
        outcome=outcome)
    return checklists.score(definitions.checklist(phase.checklist), context)


def run_phase(store: Store, project: Project, phase_id: str | None = None, *,
              answers_path: Path | None = None, asker: Asker | None = None,
              reask: bool = False, force: bool = False,
              provider: str | Provider | ProviderFactory | None = None,
              progress: Callable[[Any], None] | None = None) -> PhaseResult:
    """Run one phase. `provider` is a provider or its name (the settings' by default);
    `progress` receives the quality gates' events during development."""
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
    scope = ProviderScope(store=store, project_id=project.id, folder=folder, phase=phase.id,
                          agent=phase.agent, requires=tuple(phase.requires))
    # A name (the settings' when None), a provider made already (an MCP client's drafts), or a
    # factory that makes one for this phase run (the LLM provider, bound to its scope).
    made: Provider
    if provider is None or isinstance(provider, str):
        made = get_provider(provider)
    elif hasattr(provider, "fill"):
        made = cast(Provider, provider)
    else:
        made = cast(ProviderFactory, provider)(scope)
    bind = getattr(made, "bind", None)
    run = artifacts.PhaseRun(store=store, project=project, folder=folder, plan=plan,
                             provider=bind(scope) if callable(bind) else made,
                             progress=progress)
    template = definitions.doc_template(phase.template)
    document = runner.run_agent(definitions.agent(phase.agent), template, plan, run.provider,
                                notes=history.story_notes(store, project))
    files = {document.relpath: document.markdown, **artifacts.extra_files(phase.id, run)}
    # The multi-step write: record what is about to be written, write the files (each one
    # atomically), then record the state. A crash anywhere in between leaves files the next
    # run recognises (see `_ours`), so it recovers without --force.
    _record_pending(store, project, phase, st, files)
    _remove_outdated(folder, phase, st, files)
    for relpath, content in files.items():
        write_file(folder, relpath, content)
    write_file(folder, ANSWERS_RELPATH, answers_mod.dump(plan.answers, flow))
    outcome = artifacts.run_steps(phase.id, run)
    result = _score(store, project, phase, plan, folder, outcome)
    state.update(store, project.id, phase.id, status="awaiting_approval",
                 awaiting_at=time.time(), stale_reason=None,
                 written_hashes=drift.hashes(folder, phase), pending_hashes={},
                 checklist=result.model_dump(),
                 outcome=outcome.model_dump() if outcome else None)
    return PhaseResult(
        phase=phase.id, status="awaiting_approval", documents=sorted(files), checklist=result,
        outcome=outcome,
        message=f"{phase.title} written; checklist {result.summary}. Review it, then approve it",
        next_action=NextAction(kind="approve_phase", phase=phase.id),
        warnings=_secret_warnings(plan, folder, [*files, ANSWERS_RELPATH]),
        suggestions=history.phase_suggestions(store, project, phase.id, template, plan,
                                              llm=getattr(made, "name", "") == "llm"),
    )


def _secret_warnings(plan: Plan, folder: Path, files: list[str]) -> list[str]:
    """Answers that look like keys, and the files (committed on approval) they are in."""
    return secrets.warnings(secrets.find(plan.answers, folder, files))


def runnable_phase(store: Store, project: Project, phase_id: str | None = None) -> Phase:
    """The phase (the next one not approved by default) when it could run now: the earlier
    phases approved and the documents it reads present; else the error `run_phase` raises."""
    flow, _, folder = _prepare(store, project)
    phase = flow.phase(phase_id if phase_id is not None else _next_runnable(store, project))
    _check_inputs(store, project, flow, phase, folder)
    return phase


def plan_of(store: Store, project: Project) -> Plan:
    """What the project's answers and type imply (the plan every agent writes from)."""
    return _plan(store, project, definitions.project_type(project.type))


def _next_runnable(store: Store, project: Project) -> str:
    for st in state.all_states(store, project.id):
        if st.status != "approved":
            return st.phase
    raise Conflict("every phase is approved", hint="roll one back to change it",
                   action=NextAction(kind="rollback_phase"))


# ------------------------------------------------------------------ approve


def approve_phase(store: Store, project: Project, phase_id: str | None = None) -> PhaseResult:
    flow, ptype, folder = _prepare(store, project)
    if phase_id is None:
        waiting = [s for s in state.all_states(store, project.id)
                   if s.status == "awaiting_approval"]
        if not waiting:
            raise Conflict("no phase is awaiting approval",
                           action=NextAction(kind="show_status"))
        phase_id = waiting[0].phase
    phase = flow.phase(phase_id)
    st = state.get(store, project.id, phase.id)
    if st.status != "awaiting_approval":
        raise Conflict(f"phase {phase.id} is {st.status}, not awaiting approval",
                       action=_current_next_action(store, project))
    for relpath in phase.produces:
        if not (folder / relpath).exists():
            raise NotFound(f"{relpath} is missing",
                           action=NextAction(kind="run_phase", phase=phase.id))
    spec = None
    if appspec.SPEC_FILENAME in phase.produces:
        spec = appspec.load(folder / appspec.SPEC_FILENAME)  # lists every problem with its path
    plan = _plan(store, project, ptype)
    result = _score(store, project, phase, plan, folder, st.outcome)
    if result.score == "FAIL":
        _refuse_failed_checklist(phase, result, st.outcome)
    agent = definitions.agent(phase.agent)
    paths = [p.rstrip("/") for p in phase.produces] + [ANSWERS_RELPATH]
    message = (f"{phase.id}: {phase.title} approved\n\nAgent: {agent.title} ({agent.id})\n"
               f"Checklist: {result.summary}\n")
    warnings = _secret_warnings(plan, folder, drift.expand(folder, paths))
    sha = _commit(folder, message, paths)
    state.update(store, project.id, phase.id, status="approved", approved_at=time.time(),
                 approved_hashes=drift.hashes(folder, phase), commit_sha=sha,
                 stale_reason=None, checklist=result.model_dump())
    handoffs.record(store, project, flow, phase, commit_sha=sha, checklist=result,
                    approved=handoffs.Approved(plan=plan, outcome=st.outcome, spec=spec))
    return PhaseResult(phase=phase.id, status="approved",
                       documents=drift.expand(folder, phase.produces), checklist=result,
                       commit_sha=sha,
                       message=f"{phase.title} approved and committed ({(sha or '')[:8]})",
                       next_action=_current_next_action(store, project), warnings=warnings)


def _refuse_failed_checklist(phase: Phase, result: ChecklistResult,
                             outcome: DevelopmentOutcome | None) -> None:
    failed = [f"{i.id}: {i.detail or i.text}" for i in result.items if i.status == "FAIL"]
    if any(i.id == GATES_ITEM and i.status == "FAIL" for i in result.items):
        run_id = outcome.gates.run_id if outcome else None
        raise GatesFailed(f"the {phase.id} phase cannot be approved: required quality gates "
                          "failed", details=failed,
                          hint="fix or waive them, then run the phase again; the gate run "
                               "shows them",
                          action=NextAction(kind="show_gates", phase=phase.id, run_id=run_id))
    raise Conflict(f"the {phase.id} checklist fails", details=failed,
                   hint="fix the documents, or run the phase again with --force",
                   action=NextAction(kind="run_phase", phase=phase.id))


def _commit(folder: Path, message: str, paths: list[str]) -> str | None:
    """One commit of the phase's documents; the existing head when nothing changed."""
    import git

    try:
        return vcs.commit(folder, message, paths) or vcs.head_sha(folder)
    except git.GitCommandError as exc:  # e.g. a .gitignore rule that hides a document
        reason = " ".join(str(exc.stderr or exc).split())
        if disk_nearly_full(folder) is not None or "No space left" in reason:
            raise EnvironmentUnavailable(
                f"git could not commit {', '.join(paths)}: the disk holding {folder} is full",
                hint="free some space on it, then approve again; nothing was approved") from exc
        raise Conflict(f"git could not commit {', '.join(paths)}: {reason}",
                       hint="check the folder's .gitignore and `git status`; nothing was "
                            "approved") from exc


# ------------------------------------------------------------------ rollback


def rollback_phase(store: Store, project: Project, phase_id: str) -> PhaseResult:
    flow, _, _ = _prepare(store, project)
    phase = flow.phase(phase_id)
    st = state.get(store, project.id, phase.id)
    if st.status == "pending":
        raise Conflict(f"phase {phase.id} has not run yet; there is nothing to roll back",
                       action=NextAction(kind="run_phase", phase=phase.id))
    state.update(store, project.id, phase.id, status="in_progress",
                 stale_reason="rolled back; run it again", elicit_position=None)
    state.record_event(store, project.id, phase.id, "rollback")
    later = [p.id for p in flow.phases[flow.index(phase.id) + 1:]]
    stale = state.mark_stale(store, project.id, later, f"{phase.id} was rolled back")
    return PhaseResult(phase=phase.id, status="in_progress", documents=[], stale=stale,
                       message=f"{phase.title} reopened; stale: {', '.join(stale) or 'none'}. "
                               "Change answers if needed, then run it again",
                       next_action=NextAction(kind="run_phase", phase=phase.id))


# ------------------------------------------------------------------ unattended / guided run


def run_through(store: Store, project: Project, *, asker: Asker | None,
                approve: Callable[[PhaseResult], bool], until: str | None = None,
                on_result: Callable[[PhaseResult], None] | None = None,
                progress: Callable[[Any], None] | None = None,
                provider: str | ProviderFactory | None = None) -> list[PhaseResult]:
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
            result = run_phase(store, project, phase.id, asker=asker, progress=progress,
                               provider=provider)
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
