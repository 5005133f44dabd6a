"""What a person (or an agent) needs to pick a project up again: its state and a handoff.

`project_state` is the recall view (Memory Pickle's recall_state): active tasks by priority,
recently completed ones, the most important memories. `build_handoff` writes the Markdown
summary a session leaves for the next: done since the last handoff, in progress, blocked,
critical items, key decisions. Both read only; `bmadgen handoff` records the result through
`bmadgen.handoff.record`.
"""

from __future__ import annotations

import datetime as dt
import time

from pydantic import BaseModel

from bmadgen import tasks
from bmadgen.models import MAX_MEMORY, Memory, Project, Task
from bmadgen.store import Store

IMPORTANCE_ORDER = (
    "CASE importance WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"
)
_MEMORY_COLUMNS = ("id, project_id, kind, title, content, importance, task_id, file_path, "
                   "line_start, line_end, created_at")
# Items per handoff section, and characters per item: keeps a handoff under the memory limit.
FULL_ITEMS, BRIEF_ITEMS = 20, 5
ITEM_CHARS = 300


class ProjectState(BaseModel):
    project: Project
    active_tasks: list[Task]
    active_total: int
    recently_completed: list[Task]
    completed_total: int
    important_memories: list[Memory]
    memory_total: int


class HandoffSummary(BaseModel):
    project: Project
    since: float | None  # when the previous handoff was written; None for the first one
    done: list[Task]
    in_progress: list[Task]
    blocked: list[Task]
    critical_tasks: list[Task]
    critical_memories: list[Memory]
    decisions: list[Memory]
    markdown: str


def important_memories(store: Store, project_id: int, *, limit: int = 10,
                       kind: str | None = None, min_importance: str = "low",
                       since: float | None = None) -> list[Memory]:
    """Memories by importance (critical first), newest first within an importance."""
    where = ["project_id = ?", f"{IMPORTANCE_ORDER} <= {_rank(min_importance)}"]
    params: list[object] = [project_id]
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if since is not None:
        where.append("created_at > ?")
        params.append(since)
    rows = store.query(
        f"SELECT {_MEMORY_COLUMNS} FROM memories WHERE {' AND '.join(where)} "
        f"ORDER BY {IMPORTANCE_ORDER}, created_at DESC, id DESC LIMIT ?",
        (*params, limit),
    )
    return [Memory(**dict(row)) for row in rows]


def _rank(importance: str) -> int:
    return ("critical", "high", "medium", "low").index(importance)


def project_state(store: Store, project: Project, *, tasks_limit: int = 20,
                  completed_limit: int = 5, memories_limit: int = 10) -> ProjectState:
    active = tasks.list_tasks(store, project.id, status="active", limit=tasks_limit)
    completed_total = store.scalar(
        "SELECT count(*) FROM tasks WHERE project_id = ? AND status = 'completed'", (project.id,)
    )
    return ProjectState(
        project=project,
        active_tasks=active.items,
        active_total=active.total,
        recently_completed=tasks.completed_since(store, project.id, None, limit=completed_limit),
        completed_total=completed_total,
        # Notes the agents leave behind (handoffs) are summaries of the rest: not repeated here.
        important_memories=[
            m for m in important_memories(store, project.id, limit=memories_limit + 5)
            if m.kind != "handoff"
        ][:memories_limit],
        memory_total=store.scalar("SELECT count(*) FROM memories WHERE project_id = ?",
                                  (project.id,)),
    )


def last_handoff_time(store: Store, project_id: int) -> float | None:
    return store.scalar("SELECT max(created_at) FROM handoffs WHERE project_id = ?", (project_id,))


def build_handoff(store: Store, project: Project, *, brief: bool = False,
                  now: float | None = None) -> HandoffSummary:
    """The handoff summary for `project` as data plus Markdown; records nothing."""
    items = BRIEF_ITEMS if brief else FULL_ITEMS
    since = last_handoff_time(store, project.id)
    active = tasks.list_tasks(store, project.id, status="active", limit=500).items
    blocked = [t for t in active if t.open_blockers]
    in_progress = [t for t in active if not t.open_blockers]
    summary = HandoffSummary(
        project=project,
        since=since,
        done=tasks.completed_since(store, project.id, since, limit=items),
        in_progress=in_progress[:items],
        blocked=blocked[:items],
        critical_tasks=[t for t in active if t.priority == "critical"][:items],
        critical_memories=[
            m for m in important_memories(store, project.id, limit=items + 5,
                                          min_importance="critical")
            if m.kind != "handoff"
        ][:items],
        decisions=important_memories(store, project.id, limit=items, kind="decision"),
        markdown="",
    )
    markdown = render_handoff(summary, brief=brief, now=now,
                              more_in_progress=len(in_progress) - items,
                              more_blocked=len(blocked) - items)
    if len(markdown) > MAX_MEMORY:  # it is stored as a memory, which has this limit
        markdown = markdown[: MAX_MEMORY - 40] + "\n\n_(truncated)_\n"
    summary.markdown = markdown
    return summary


def _clip(text: str, limit: int = ITEM_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _when(ts: float | None) -> str:
    if ts is None:
        return "the start"
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _task_line(task: Task, *, brief: bool) -> str:
    line = f"- task #{task.id} {_clip(task.title)} ({task.priority}, {task.progress}%)"
    if not brief and task.description:
        line += f": {_clip(task.description)}"
    return line


def _memory_line(memory: Memory, *, brief: bool) -> str:
    head = _clip(memory.title) if memory.title else ""
    body = _clip(memory.content, 120 if brief else ITEM_CHARS)
    return f"- memory #{memory.id} {head + ': ' if head else ''}{body}"


def render_handoff(summary: HandoffSummary, *, brief: bool = False, now: float | None = None,
                   more_in_progress: int = 0, more_blocked: int = 0) -> str:
    """Markdown for a handoff. User text is inserted as plain text, one line per item."""
    lines = [f"# Handoff: {summary.project.name}", ""]
    lines.append(f"Written {_when(time.time() if now is None else now)}; covers changes since "
                 f"{_when(summary.since)}.")

    def section(title: str, entries: list[str], more: int = 0, empty: str = "none") -> None:
        lines.extend(["", f"## {title}", ""])
        lines.extend(entries or [f"_{empty}_"])
        if more > 0:
            lines.append(f"- ... and {more} more")

    section("Done since the last handoff", [_task_line(t, brief=brief) for t in summary.done])
    section("In progress", [_task_line(t, brief=brief) for t in summary.in_progress],
            more_in_progress)
    blocked = []
    for task in summary.blocked:
        blocked.append(_task_line(task, brief=brief))
        blocked.extend(f"  - blocked by: {_clip(text)}" for text in task.open_blockers[-3:])
    section("Blocked", blocked, more_blocked)
    critical = [_task_line(t, brief=brief) for t in summary.critical_tasks]
    critical += [_memory_line(m, brief=brief) for m in summary.critical_memories]
    section("Critical items", critical)
    section("Key decisions", [_memory_line(m, brief=brief) for m in summary.decisions])
    return "\n".join(lines) + "\n"
