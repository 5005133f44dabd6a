"""The MCP server: Memory Pickle's thirteen tools (same names and parameters, bmadgen's
semantics: persistent, ranked, paged), bmadgen's own read tools, the tools that let a client's
model write a phase section by section, a prompt per agent persona, and three resources.

Every tool opens a service session on the one store of this process (a call at a time: the
SDK runs tools in worker threads and a SQLite connection is not for two at once). A
`BmadgenError` becomes an error result (`isError`) carrying its one-line message and what to
do next, so a model can act on it and the server keeps serving; anything else is a bug the SDK
logs to stderr and reports as a failed call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.exceptions import MCPError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bmadgen import __version__
from bmadgen.errors import BmadgenError, EnvironmentUnavailable, InvalidInput
from bmadgen.mcp_server.paging import as_data, page, text_page
from bmadgen.models import NextAction
from bmadgen.services.session import Session

READER = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
WRITER = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False,
                         open_world_hint=False)
SWITCH = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True,
                         open_world_hint=False)

Level = Literal["critical", "high", "medium", "low"]
# Memory Pickle's project statuses; bmadgen keeps a project active or archived.
ProjectStatusName = Literal["planning", "in_progress", "blocked", "completed", "archived"]
Ref = int | str  # ids are numbers; Memory Pickle's clients send them as strings
DryRun = Annotated[bool, Field(description="Check everything and say what would happen; "
                                           "change nothing")]
ProjectRef = Annotated[Ref | None, Field(description="Project id or name; the current project "
                                                     "when omitted")]
PhaseArg = Annotated[str | None, Field(description="vision, requirements, prototype, "
                                                 "architecture or development; the next phase "
                                                 "not approved when omitted")]
# From this protocol version on a server cannot send requests (sampling) during a tool call.
NO_SAMPLING_PROTOCOL = "2026-07-28"
INSTRUCTIONS = (
    "bmadgen's project memory and workflow. Start with recall_state. remember_this and "
    "recall_context keep and find decisions (persistent, ranked); tasks track the work; "
    "generate_handoff_summary ends a session. To write a phase with your own model: "
    "next_question/answer_question, then next_section/submit_section until none is left, "
    "write_phase, and approve_phase once the person agrees. Lists page: follow next_offset."
)


class LineRange(BaseModel):
    """Memory Pickle's code location: lines `start_line`-`end_line` (1-based, inclusive)."""

    model_config = ConfigDict(extra="forbid")
    start_line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    file_path: str | None = Field(default=None, max_length=4096)

    @model_validator(mode="after")
    def _ordered(self) -> LineRange:
        if self.end_line < self.start_line:
            raise ValueError("end_line must not be before start_line")
        return self

    @property
    def span(self) -> str:
        return f"{self.start_line}-{self.end_line}"


def _number(value: Ref | None, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    text = value.strip().lstrip("#")
    if not (text.isascii() and text.isdigit()):
        raise InvalidInput(f"{what} {value!r} is not an id; ids are numbers such as 12")
    return int(text)


def _action_text(action: NextAction | None) -> str:
    if action is None:
        return ""
    words = action.kind.replace("_", " ")
    if action.phase:
        words += f" {action.phase}"
    return f" (next: {words}{'; ' + action.detail if action.detail else ''})"


class Backend:
    """The store this server serves and the rule for the project a call acts on."""

    def __init__(self, *, project: str | None = None, cwd: Path | None = None) -> None:
        self.project_ref = project
        self.cwd = cwd
        self._base = Session(project=project, cwd=cwd)
        self.lock = threading.Lock()

    @contextmanager
    def session(self, project: Ref | None = None, *, dry_run: bool = False
                ) -> Iterator[Session]:
        """A session for one call; with `dry_run`, every change it makes is rolled back."""
        ref = str(project) if project is not None else self.project_ref
        with self.lock:
            try:
                session = Session(settings=self._base.settings, project=ref,
                                  cwd=self._base.cwd, store=self._base.store)
                if dry_run:
                    with session.rehearse():
                        yield session
                else:
                    yield session
            except BmadgenError as exc:
                raise ToolError(exc.one_line() + _action_text(exc.action)) from exc

    def close(self) -> None:
        self._base.close()


def _result(value: Any, dry_run: bool = False, **extra: Any) -> dict[str, Any]:
    out = {"dry_run": True, "note": "[DRY RUN] checked; nothing was changed"} if dry_run else {}
    data = as_data(value)
    return {**out, **(data if isinstance(data, dict) else {"result": data}), **as_data(extra)}


def build_server(*, project: str | None = None, cwd: Path | None = None,
                 **server_options: Any) -> MCPServer:
    """The server over the store of the current settings. `project` is the default project of
    every call (else the usual rule: the marker above `cwd`, else the project used last)."""
    backend = Backend(project=project, cwd=cwd)
    server = MCPServer("bmadgen", instructions=INSTRUCTIONS, version=__version__,
                       **server_options)
    _memory_pickle_tools(server, backend)
    _bmadgen_tools(server, backend)
    _workflow_tools(server, backend)
    _prompts(server, backend)
    _resources(server, backend)
    return server


# ---------------------------------------------------------------- Memory Pickle's tools


def _memory_pickle_tools(server: MCPServer, backend: Backend) -> None:
    from bmadgen.services import memory, projects, recall, tasks

    @server.tool(annotations=READER, description=(
        "Project context: the current project, its active tasks by priority, recently "
        "completed ones, its most important memories, and the projects there are."))
    def recall_state(
        limit: Annotated[int, Field(ge=1, le=200)] = 20,
        project_id: ProjectRef = None,
        include_completed: bool = False,
        focus: Literal["tasks", "projects", "memories", "all"] = "all",
    ) -> dict[str, Any]:
        with backend.session(project_id) as session:
            out: dict[str, Any] = {}
            current = session.project_or_none()
            if focus in ("projects", "all"):
                found = projects.list_projects(session, limit=limit)
                out["projects"] = page(found.items, total=found.total, offset=0, limit=limit,
                                       max_chars=4000)
            if current is None:
                out["current_project"] = None
                out["next_action"] = as_data(NextAction(kind="create_project"))
                return out
            state = recall.state(session)
            out["current_project"] = as_data(state.project)
            if focus in ("tasks", "all"):
                shown = state.active_tasks[:limit]
                if include_completed:
                    shown += state.recently_completed[:limit]
                out["tasks"] = page(shown, total=len(shown), offset=0, limit=limit,
                                    max_chars=6000, active_total=state.active_total,
                                    completed_total=state.completed_total)
            if focus in ("memories", "all"):
                out["memories"] = page(state.important_memories[:limit],
                                       total=state.memory_total, offset=0, limit=limit,
                                       max_chars=5000)
            return out

    @server.tool(annotations=READER, description=(
        "Projects, most recently changed first; paged. status 'archived' lists archived "
        "ones, any other status the active ones."))
    def list_projects(
        status: ProjectStatusName | None = None,
        limit: Annotated[int, Field(ge=1, le=200)] = 50,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> dict[str, Any]:
        with backend.session() as session:
            found = projects.list_projects(session, only_archived=status == "archived",
                                           limit=limit, offset=offset)
            return page(found.items, total=found.total, offset=offset, limit=limit)

    @server.tool(annotations=WRITER, description=(
        "Create a project (no folder; see start_workflow_project for one that runs the "
        "phases) and make it the current project."))
    def create_project(
        name: Annotated[str, Field(min_length=1, max_length=200)],
        description: Annotated[str, Field(max_length=20000)] = "",
        status: ProjectStatusName = "planning",
        dry_run: DryRun = False,
    ) -> dict[str, Any]:
        with backend.session(dry_run=dry_run) as session:
            created = projects.create(session, name, description=description)
            if status == "archived":
                created = projects.archive(session, str(created.id))
            return _result(created, dry_run)

    @server.tool(annotations=WRITER, description=(
        "Change a project's name or description; status 'archived' archives it."))
    def update_project(
        project_id: Ref,
        name: Annotated[str | None, Field(min_length=1, max_length=200)] = None,
        description: Annotated[str | None, Field(max_length=20000)] = None,
        status: ProjectStatusName | None = None,
        dry_run: DryRun = False,
    ) -> dict[str, Any]:
        with backend.session(dry_run=dry_run) as session:
            ref = str(project_id)
            if name is not None or description is not None:
                changed = projects.update(session, ref, name=name, description=description)
                ref = str(changed.id)
            elif status is None:
                raise InvalidInput("nothing to update", hint="pass name, description or status")
            result = (projects.archive(session, ref) if status == "archived"
                      else projects.show(session, ref))
            return _result(result, dry_run)

    @server.tool(annotations=SWITCH, description=(
        "Make a project the current one: calls without project_id act on it (the CLI too)."))
    def set_current_project(project_id: Ref, dry_run: DryRun = False) -> dict[str, Any]:
        with backend.session(dry_run=dry_run) as session:
            return _result(projects.use(session, str(project_id)), dry_run)

    @server.tool(annotations=WRITER, description=(
        "Create a task in the current (or given) project; parent_id makes it a subtask, "
        "line_range points at code."))
    def create_task(
        title: Annotated[str, Field(min_length=1, max_length=200)],
        description: Annotated[str, Field(max_length=2000)] = "",
        priority: Level = "medium",
        project_id: ProjectRef = None,
        parent_id: Ref | None = None,
        line_range: LineRange | None = None,
        dry_run: DryRun = False,
    ) -> dict[str, Any]:
        with backend.session(project_id, dry_run=dry_run) as session:
            notes = [f"code: {line_range.file_path or '(no file)'} lines {line_range.span}"
                     ] if line_range else None
            created = tasks.add(session, title, description=description, priority=priority,
                                parent_id=_number(parent_id, "parent_id"), notes=notes)
            return _result(created, dry_run)

    @server.tool(annotations=WRITER, description=(
        "Update a task: title, description, priority, progress (0-100), notes (kept with a "
        "time), blockers (the list replaces the open ones; [] clears them), completed "
        "(true completes, false reopens)."))
    def update_task(
        task_id: Ref,
        title: Annotated[str | None, Field(min_length=1, max_length=200)] = None,
        description: Annotated[str | None, Field(max_length=2000)] = None,
        priority: Level | None = None,
        completed: bool | None = None,
        progress: Annotated[int | None, Field(ge=0, le=100)] = None,
        notes: str | list[str] | None = None,
        blockers: list[str] | None = None,
        dry_run: DryRun = False,
    ) -> dict[str, Any]:
        with backend.session(dry_run=dry_run) as session:
            number = _number(task_id, "task_id")
            assert number is not None
            changed = tasks.update(session, number, progress=progress, note=notes,
                                   blocker=blockers or None, unblock=blockers is not None,
                                   priority=priority, title=title, description=description,
                                   completed=completed)
            return _result(changed, dry_run)

    @server.tool(annotations=READER, description=(
        "One task with its notes, open blockers, subtasks and the memories linked to it."))
    def get_task(task_id: Ref) -> dict[str, Any]:
        with backend.session() as session:
            number = _number(task_id, "task_id")
            assert number is not None
            found = tasks.detail(session, number)
            return _result(found.task, subtasks=found.subtasks, memories=found.memories)

    @server.tool(annotations=READER, description=(
        "Tasks of the current (or given) project: active first, then by priority; paged."))
    def list_tasks(
        status: Literal["active", "completed"] | None = None,
        priority: Level | None = None,
        project_id: ProjectRef = None,
        completed: bool | None = None,
        limit: Annotated[int, Field(ge=1, le=200)] = 50,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> dict[str, Any]:
        if status is None and completed is not None:
            status = "completed" if completed else "active"
        with backend.session(project_id) as session:
            found = tasks.list_tasks(session, status=status, priority=priority, limit=limit,
                                     offset=offset)
            return page(found.items, total=found.total, offset=offset, limit=limit)

    @server.tool(annotations=WRITER, description=(
        "Remember a decision, fact or context in the project memory (kept across sessions, "
        "found by recall_context)."))
    def remember_this(
        content: Annotated[str, Field(min_length=1, max_length=50000)],
        importance: Level = "medium",
        title: Annotated[str, Field(max_length=500)] = "",
        task_id: Ref | None = None,
        project_id: ProjectRef = None,
        line_range: LineRange | None = None,
        dry_run: DryRun = False,
    ) -> dict[str, Any]:
        with backend.session(project_id, dry_run=dry_run) as session:
            if line_range is not None and not line_range.file_path:
                raise InvalidInput("line_range needs file_path for a memory")
            kept = memory.add(session, content, title=title, importance=importance,
                              task_id=_number(task_id, "task_id"),
                              file_path=line_range.file_path if line_range else None,
                              lines=line_range.span if line_range else None)
            return _result(kept, dry_run)

    @server.tool(annotations=READER, description=(
        "Find memories: ranked by relevance (all words first, then most of them; word forms "
        "match), importance and recency as tie-breakers. Without a query, the newest. Paged."))
    def recall_context(
        query: Annotated[str | None, Field(max_length=1000)] = None,
        project_id: ProjectRef = None,
        importance: Level | None = None,
        limit: Annotated[int, Field(ge=1, le=100)] = 10,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> dict[str, Any]:
        with backend.session(project_id) as session:
            if query is None or not query.strip():
                newest = memory.list_memories(session, importance=importance, limit=limit,
                                              offset=offset)
                return page(newest.items, total=newest.total, offset=offset, limit=limit,
                            order="newest first")
            found = memory.search(session, query, importance=importance, limit=limit,
                                  offset=offset)
            return page(found.items, total=found.total, offset=offset, limit=limit,
                        query=found.query, words=found.words, matched=found.matched,
                        matched_words=found.matched_words)

    @server.tool(annotations=READER, description=(
        "The project's tasks, memories and handoffs as Markdown or JSON; long exports come "
        "in parts (follow next_offset)."))
    def export_session(
        format: Literal["markdown", "json"] = "markdown",
        include_handoff: bool = True,
        raw_markdown: bool = False,
        project_id: ProjectRef = None,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> dict[str, Any]:
        with backend.session(project_id) as session:
            exported = recall.export(session, "json" if format == "json" else "md")
            text = exported.text
            if include_handoff and format == "markdown":
                text += "\n\n" + recall.handoff(session, brief=True, record=False).summary.markdown
            return text_page(text, offset=offset, project=exported.project.name,
                             format=format, raw=raw_markdown)

    @server.tool(annotations=READER, description=(
        "A handoff for the next session: done, in progress, blocked, critical tasks, key "
        "memories and decisions (Markdown)."))
    def generate_handoff_summary(
        project_id: ProjectRef = None,
        format: Literal["detailed", "brief"] = "detailed",
    ) -> dict[str, Any]:
        with backend.session(project_id) as session:
            made = recall.handoff(session, brief=format == "brief", record=False)
            return text_page(made.summary.markdown, project=made.summary.project.name)


# ---------------------------------------------------------------- bmadgen's own tools


def _project_reader(server: MCPServer, backend: Backend, name: str,
                    read: Callable[[Session], Any], description: str) -> None:
    """A read-only tool that answers what `read(session)` returns for the project (a list as
    one page)."""

    def tool(project_id: ProjectRef = None) -> dict[str, Any]:
        with backend.session(project_id) as session:
            found = read(session)
            if isinstance(found, list):
                return page(found, total=len(found), offset=0, limit=len(found))
            return _result(found)

    server.add_tool(tool, name=name, description=description, annotations=READER)


def _bmadgen_tools(server: MCPServer, backend: Backend) -> None:
    from bmadgen.services import gates, generation, workflow

    _project_reader(server, backend, "workflow_status", workflow.status,
                    "Each phase's status (drift checked first) and the next action.")
    _project_reader(server, backend, "list_documents", workflow.list_documents,
                    "The project's documents and their state.")
    _project_reader(server, backend, "get_app_spec", generation.app_spec,
                    "The app spec (appspec.yaml), validated.")
    _project_reader(server, backend, "list_slices", generation.list_slices,
                    "The app's feature slices.")

    @server.tool(annotations=READER, description=(
        "A document (brief, prd, front-end-spec, architecture ...) or one section of it (by "
        "heading title); long text comes in parts (follow next_offset)."))
    def get_document(name: str, section: str | None = None, project_id: ProjectRef = None,
                     offset: Annotated[int, Field(ge=0)] = 0) -> dict[str, Any]:
        with backend.session(project_id) as session:
            if section:
                part = workflow.document_section(session, name, section)
                return text_page(part.text, offset=offset, document=name, section=part.section)
            return text_page(workflow.show_document(session, name).text, offset=offset,
                             document=name)

    @server.tool(annotations=READER, description=(
        "The latest quality gate run (or run_id): each gate's verdict, per slice."))
    def last_gate_results(run_id: str | None = None,
                          project_id: ProjectRef = None) -> dict[str, Any]:
        with backend.session(project_id) as session:
            report = as_data(gates.show(session, run_id))
            results = report.pop("results", [])
            return page(results, total=len(results), offset=0, limit=len(results), run=report)

    @server.tool(annotations=READER, description=(
        "The sections of the project's documents that hold the most of the query's words."))
    def search_documents(query: Annotated[str, Field(min_length=1, max_length=1000)],
                         limit: Annotated[int, Field(ge=1, le=50)] = 10,
                         project_id: ProjectRef = None) -> dict[str, Any]:
        with backend.session(project_id) as session:
            found = workflow.search_documents(session, query, limit=limit)
            return page(found, total=len(found), offset=0, limit=limit)


# ---------------------------------------------------------------- a client's model writes


def _workflow_tools(server: MCPServer, backend: Backend) -> None:
    from bmadgen.services import workflow

    @server.tool(annotations=WRITER, description=(
        "Create a workflow project: a folder (a new git repository; `folder`, else the name "
        "in the server's working directory) that the five phases write into."))
    def start_workflow_project(
        name: Annotated[str, Field(min_length=1, max_length=200)],
        type: str = "generic",
        folder: str | None = None,
    ) -> dict[str, Any]:
        with backend.session() as session:
            created = workflow.create_project(
                session, name, type, folder=Path(folder).expanduser() if folder else None)
            return _result(created, next_action=workflow.status(session).next_action)

    @server.tool(annotations=READER, description=(
        "The next unanswered question of a phase; answer it with answer_question. "
        "{'question': null} when all are answered."))
    def next_question(phase: PhaseArg = None, project_id: ProjectRef = None) -> dict[str, Any]:
        with backend.session(project_id) as session:
            return {"question": as_data(workflow.next_question(session, phase))}

    @server.tool(annotations=WRITER, description=(
        "Answer a question: key as given by next_question (phase.key); lists separated by "
        "';'."))
    def answer_question(key: Annotated[str, Field(min_length=3, max_length=200)],
                        value: Annotated[str, Field(max_length=4000)],
                        project_id: ProjectRef = None) -> dict[str, Any]:
        with backend.session(project_id) as session:
            return _result(workflow.set_answer(session, key, value))

    @server.tool(annotations=READER, description=(
        "The next section of a phase's document to write: its instruction, the agent's "
        "persona and the project context within budget_tokens. {'section': null} when every "
        "section has content (then write_phase)."))
    def next_section(phase: PhaseArg = None,
                     budget_tokens: Annotated[int, Field(ge=200, le=8000)] = 2000,
                     project_id: ProjectRef = None) -> dict[str, Any]:
        with backend.session(project_id) as session:
            return {"section": as_data(workflow.next_section(session, phase,
                                                             budget_tokens=budget_tokens))}

    @server.tool(annotations=WRITER, description=(
        "Submit a section's content: text, a list of text, or a table {columns, rows}, as "
        "next_section's `expected` says. It is checked like a model provider's output; "
        "submitting a key again replaces it."))
    def submit_section(key: Annotated[str, Field(min_length=1, max_length=200)],
                       content: str | list[str] | dict[str, Any],
                       phase: PhaseArg = None, project_id: ProjectRef = None) -> dict[str, Any]:
        with backend.session(project_id) as session:
            return _result(workflow.submit_section(session, key, content, phase))

    @server.tool(annotations=WRITER, description=(
        "Write the phase's document from the submitted sections; it then awaits approval "
        "(the checklist result says what a reviewer will see)."))
    def write_phase(phase: PhaseArg = None, force: bool = False,
                    project_id: ProjectRef = None) -> dict[str, Any]:
        with backend.session(project_id) as session:
            return _result(workflow.write_phase(session, phase, force=force))

    @server.tool(annotations=WRITER, description=(
        "Write a phase with your own model through MCP sampling: the server asks you for each "
        "section (persona, instruction, context), checks the answer like a provider's output "
        "(a misfit is asked once more, saying why), and leaves the phase awaiting approval. "
        "The phase's questions must be answered first. Needs a client that supports sampling; "
        "otherwise use next_section and submit_section."))
    async def sample_phase(ctx: Context, phase: PhaseArg = None,
                           budget_tokens: Annotated[int, Field(ge=200, le=8000)] = 1500,
                           max_tokens: Annotated[int, Field(ge=100, le=8000)] = 1200,
                           project_id: ProjectRef = None) -> dict[str, Any]:
        capabilities = ctx.client_capabilities
        if capabilities is None or capabilities.sampling is None:
            raise ToolError("this client does not support MCP sampling; write the phase with "
                            "next_section and submit_section, then write_phase")
        if (ctx.protocol_version or "") >= NO_SAMPLING_PROTOCOL:
            raise ToolError(f"this connection speaks protocol {ctx.protocol_version}, where a "
                            "server cannot ask the client's model during a call (sampling was "
                            "dropped); write the phase with next_section and submit_section, "
                            "then write_phase")

        def write(task: Any, problem: str | None) -> str:
            return anyio.from_thread.run(_sample, ctx, task, problem, max_tokens)

        def run() -> dict[str, Any]:
            with backend.session(project_id) as session:
                return _result(workflow.write_phase_with_model(session, write, phase,
                                                               budget_tokens=budget_tokens))

        return await anyio.to_thread.run_sync(run)

    @server.tool(annotations=WRITER, description=(
        "Approve a phase awaiting approval: commits its documents and records a handoff."))
    def approve_phase(phase: PhaseArg = None, project_id: ProjectRef = None) -> dict[str, Any]:
        with backend.session(project_id) as session:
            return _result(workflow.approve_phase(session, phase))

    @server.tool(annotations=WRITER, description=(
        "Reopen a phase to change it; the later phases are marked stale."))
    def rollback_phase(phase: str, project_id: ProjectRef = None) -> dict[str, Any]:
        with backend.session(project_id) as session:
            return _result(workflow.rollback_phase(session, phase))


async def _sample(ctx: Context, task: Any, problem: str | None, max_tokens: int) -> str:
    """Ask the client's model for one section; its text answer."""
    from mcp.types import SamplingMessage, TextContent

    form = {"table": "Answer with one JSON object {\"columns\": [...], \"rows\": [[...]]} "
                     "and nothing else.",
            "bullet-list": "Answer with one item per line, each starting with '- '.",
            "numbered-list": "Answer with one item per line, each starting with '- '."}
    persona = "; ".join(f"{key}: {value}" for key, value in task.persona.items())
    text = (f"Write the section \"{task.title}\" of the {task.phase} document.\n"
            f"Instruction: {task.instruction or 'write what the title says'}\n"
            f"{form.get(task.type, 'Answer with the section text only, no heading.')}\n"
            + (f"Your previous answer did not fit: {problem}\n" if problem else "")
            + f"\nProject context:\n{task.context}")
    try:
        answer = await ctx.session.create_message(
            messages=[SamplingMessage(role="user", content=TextContent(type="text", text=text))],
            system_prompt=f"You are {task.persona.get('name', task.agent)}, the "
                          f"{task.persona.get('title', task.agent)} ({persona}).",
            max_tokens=max_tokens)
    except MCPError as exc:  # the client refused, or the connection cannot carry the request
        raise EnvironmentUnavailable(
            f"the client's model could not be asked for section {task.key!r}: {exc}",
            hint="write it with next_section and submit_section") from exc
    content = answer.content
    return content.text if isinstance(content, TextContent) else ""


# ---------------------------------------------------------------- prompts and resources


def _prompts(server: MCPServer, backend: Backend) -> None:
    from bmadgen.services import workflow

    def make(agent_id: str) -> None:
        def prompt(project_id: str | None = None) -> str:
            with backend.session(project_id) as session:
                brief = workflow.agent_brief(session, agent_id)
            persona = "\n".join(f"- {key}: {value}" for key, value in brief.persona.items())
            lines = [
                (f"You are {brief.name}, the {brief.title} of a BMAD team (agent "
                f"{brief.agent})."), "", "Persona:", persona, "",
                "You can: " + "; ".join(brief.commands),
            ]
            if brief.phases:
                lines += ["", (f"You own the phase(s): {', '.join(brief.phases)}. Write them "
                          "with the bmadgen tools: next_question and answer_question, then "
                          "next_section and submit_section until none is left, write_phase, "
                          "and approve_phase once the person agrees.")]
            if brief.context:
                lines += ["", "Project context:", brief.context]
            return "\n".join(lines)

        server.prompt(name=agent_id, description=f"Become the {agent_id} agent, with the "
                      "project's context")(prompt)

    for agent_id in workflow.agent_names():
        make(agent_id)


def _resources(server: MCPServer, backend: Backend) -> None:
    import json

    from bmadgen.services import recall

    def state_json() -> str:
        with backend.session() as session:
            if session.project_or_none() is None:
                return json.dumps({"current_project": None})
            return json.dumps(as_data(recall.state(session)), indent=1)

    def summary_md() -> str:
        with backend.session() as session:
            if session.project_or_none() is None:
                return "No current project."
            return recall.handoff(session, brief=True, record=False).summary.markdown

    def stats_json() -> str:
        with backend.session() as session:
            return json.dumps(as_data(recall.stats(session)), indent=1)

    server.resource("memory:///current-session", name="current-session",
                    description="The current project's state: tasks, memories",
                    mime_type="application/json")(state_json)
    server.resource("memory:///session-summary", name="session-summary",
                    description="A brief handoff of the current project",
                    mime_type="text/markdown")(summary_md)
    server.resource("memory:///system-stats", name="system-stats",
                    description="What the store holds, across projects",
                    mime_type="application/json")(stats_json)


# ---------------------------------------------------------------- transports


def serve_stdio(*, project: str | None = None) -> None:
    """Serve on standard input and output; logs go to standard error only."""
    build_server(project=project, log_level="WARNING").run("stdio")


def http_app(*, token: str, host: str = "127.0.0.1", port: int = 8765,
             project: str | None = None) -> Any:
    """The streamable HTTP app (Starlette), every request needing `Authorization: Bearer
    <token>`: a missing or wrong token gets 401."""
    from mcp.server.auth.provider import AccessToken, TokenVerifier
    from mcp.server.auth.settings import AuthSettings

    from bmadgen.services.mcp_access import token_matches

    class BearerToken(TokenVerifier):
        async def verify_token(self, given: str) -> AccessToken | None:
            if token_matches(given, token):
                return AccessToken(token=given, client_id="bmadgen", scopes=[])
            return None

    base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    server = build_server(
        project=project, log_level="WARNING", token_verifier=BearerToken(),
        auth=AuthSettings(issuer_url=base, resource_server_url=None))  # type: ignore[arg-type]
    return server.streamable_http_app(host=host)


def serve_http(*, token: str, host: str, port: int, project: str | None = None) -> None:
    import uvicorn

    app = http_app(token=token, host=host, port=port, project=project)
    uvicorn.run(app, host=host, port=port, log_level="warning")
