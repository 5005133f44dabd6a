"""The records that cross module boundaries: services return these, faces render them."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

Importance = Literal["critical", "high", "medium", "low"]
Priority = Literal["critical", "high", "medium", "low"]
TaskStatus = Literal["active", "completed"]
ProjectStatus = Literal["active", "archived"]

IMPORTANCE_LEVELS: tuple[str, ...] = ("critical", "high", "medium", "low")
PRIORITY_LEVELS: tuple[str, ...] = ("critical", "high", "medium", "low")

# Limits on user text; documented in docs/user-guide.md.
MAX_NAME = 200
MAX_TITLE = 500
MAX_DESCRIPTION = 10_000
MAX_MEMORY = 50_000
MAX_NOTE = 10_000


class Project(BaseModel):
    id: int
    name: str
    type: str
    description: str
    path: str | None
    status: ProjectStatus
    created_at: float
    updated_at: float


class Memory(BaseModel):
    id: int
    project_id: int
    kind: str
    title: str
    content: str
    importance: Importance
    task_id: int | None = None
    file_path: str | None = None
    line_start: int | None = None
    line_end: int | None = None
    created_at: float
    score: float | None = Field(default=None, description="search rank, higher is better")


class TaskNote(BaseModel):
    id: int
    kind: Literal["note", "blocker", "resolved"]
    text: str
    created_at: float


class Task(BaseModel):
    id: int
    project_id: int
    parent_id: int | None
    title: str
    description: str
    status: TaskStatus
    priority: Priority
    progress: int
    ref: str | None = None
    created_at: float
    updated_at: float
    completed_at: float | None
    notes: list[TaskNote] = []
    open_blockers: list[str] = []


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list or search: the items plus what is needed to ask for the next."""

    items: list[T]
    total: int
    limit: int
    offset: int


class SearchPage(Page[Memory]):
    """A page of search results, saying which words were searched and whether all matched."""

    query: str
    words: list[str]
    matched: Literal["all", "any"] = Field(
        description="'all' when every word matched; 'any' when that found nothing and the "
        "search was retried with fewer words (see `matched_words`)"
    )
    matched_words: int = Field(
        default=0,
        description="how many of `words` each result holds at least (all of them when "
        "`matched` is 'all')",
    )
    ranked: int = Field(default=0, description="how many matches were ranked: all of them")


NextActionKind = Literal[
    "create_project",  # no project yet
    "answer",  # a question of `phase` waits for an answer
    "run_phase",  # run (or re-run) `phase`
    "approve_phase",  # `phase` awaits approval
    "rollback_phase",  # reopen `phase` before changing it
    "show_status",  # look at the phases (e.g. nothing awaits approval)
    "generate",  # generate the app from the app spec
    "resolve_conflicts",  # edit the files with conflict markers, then commit
    "show_gates",  # read gate run `run_id`
    "fix_or_waive_gates",  # a required gate fails: fix it or waive it
    "build_gate_image",  # the Docker engine answers but has no gate image
    "build_app_image",  # the generated app's container image is not built yet
    "run_gates",  # run the quality gates (e.g. none has run yet)
    "diff_slice",  # see what the person changed in `slice` against the generated version
    "list_projects",  # see which projects exist
    "list_tasks",  # see the project's tasks
    "list_sandboxes",  # see the sandboxes on the engine
    "sample_answers",  # get a complete answers file for `project_type`
    "doctor",  # check the machine and the store
    "done",  # every phase is approved
]


class NextAction(BaseModel):
    """What the person (or an agent) can do next, as data: the CLI words it as a command, the
    terminal wizard makes it a button, the MCP server returns it as is."""

    kind: NextActionKind
    phase: str | None = None
    slice: str | None = None
    run_id: str | None = None
    project_type: str | None = None
    detail: str = Field(default="", description="a sentence for a person, never a command")


def jsonable(value: Any) -> Any:
    """A result (pydantic models, and lists and dicts of them) as JSON-ready data: what the
    faces print (`--json`) or send (MCP)."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value
