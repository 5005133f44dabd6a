"""Tasks: a priority-ordered to-do list per project, with progress, notes and blockers.

This module owns the tasks table. A task may carry a `ref`, a stable name other modules find
it by; the refs bmadgen itself writes are made here (`slice_ref`, `story_ref`), so a
convention such as `slice:<feature>` is spelled in one place.
"""

from __future__ import annotations

import time

from bmadgen.errors import Conflict, InvalidInput, NotFound
from bmadgen.models import (
    MAX_DESCRIPTION,
    MAX_NOTE,
    MAX_TITLE,
    PRIORITY_LEVELS,
    NextAction,
    Page,
    Task,
    TaskNote,
)
from bmadgen.store import Store
from bmadgen.validation import MAX_PAGE, choice, clean_line, clean_text, page_bounds

PRIORITY_ORDER = "CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"
MAX_LIMIT = MAX_PAGE
TASK_STATUSES = ("active", "completed")
SLICE_REF_PREFIX = "slice:"


def slice_ref(feature: str) -> str:
    """The ref of a feature slice's story task."""
    return f"{SLICE_REF_PREFIX}{feature}"


def story_ref(feature: str, number: int) -> str:
    """The ref of the `number`th story task (from 1) under a slice's story task."""
    return f"story:{feature}:{number}"


def add(
    store: Store,
    project_id: int,
    title: str,
    *,
    description: str = "",
    priority: str = "medium",
    parent_id: int | None = None,
    ref: str | None = None,
    notes: list[str] | None = None,
) -> Task:
    title = clean_line(title, "task title", max_len=MAX_TITLE)
    notes = [clean_text(text, "note", max_len=MAX_NOTE) for text in notes or []]
    description = clean_text(description, "description", max_len=MAX_DESCRIPTION, required=False)
    priority = choice(priority, "priority", PRIORITY_LEVELS)
    now = time.time()
    with store.write() as conn:
        if parent_id is not None and not conn.execute(
            "SELECT 1 FROM tasks WHERE id = ? AND project_id = ?", (parent_id, project_id)
        ).fetchone():
            raise NotFound(f"no parent task {parent_id} in this project")
        cur = conn.execute(
            "INSERT INTO tasks (project_id, parent_id, title, description, priority, ref, "
            "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)",
            (project_id, parent_id, title, description, priority, ref, now, now),
        )
        task_id = int(cur.lastrowid or 0)
        conn.executemany(
            "INSERT INTO task_notes (task_id, kind, text, created_at) VALUES (?, 'note', ?, ?)",
            [(task_id, text, now) for text in notes])
    return get(store, project_id, task_id)


def get(store: Store, project_id: int, task_id: int) -> Task:
    found = _load(store, "project_id = ? AND id = ?", (project_id, task_id))
    if not found:
        raise NotFound(f"no task {task_id} in this project", hint="list the tasks",
                       action=NextAction(kind="list_tasks"))
    return found[0]


def subtasks(store: Store, project_id: int, task_id: int, *, limit: int = 50) -> list[Task]:
    """The tasks whose parent is `task_id`, oldest first."""
    return _load(store, "project_id = ? AND parent_id = ?", (project_id, task_id), limit=limit)


def find_by_ref(store: Store, project_id: int, ref: str) -> Task | None:
    """The first task with `ref`, or None."""
    found = _load(store, "project_id = ? AND ref = ?", (project_id, ref), limit=1)
    return found[0] if found else None


def upsert_by_ref(store: Store, project_id: int, ref: str, title: str, *, description: str = "",
                  priority: str = "medium", parent_id: int | None = None) -> Task:
    """The task with `ref`, added when there is none, its title and description brought up to
    date when there is one (its priority, progress and notes are left as they are)."""
    current = find_by_ref(store, project_id, ref)
    if current is None:
        return add(store, project_id, title, description=description, priority=priority,
                   parent_id=parent_id, ref=ref)
    if current.title == title and current.description == description:
        return current
    return update(store, project_id, current.id, title=title, description=description)


def active_with_ref_prefix(store: Store, project_id: int, prefix: str) -> list[Task]:
    """The active tasks whose ref starts with `prefix`, oldest first."""
    return _load(store, "project_id = ? AND status = 'active' AND substr(ref, 1, ?) = ?",
                 (project_id, len(prefix), prefix))


def refs(store: Store, project_id: int) -> set[str]:
    """Every ref the project's tasks carry."""
    return {row["ref"] for row in store.query(
        "SELECT DISTINCT ref FROM tasks WHERE project_id = ? AND ref IS NOT NULL", (project_id,))}


def _load(store: Store, where: str, params: tuple, order: str = "id",
          limit: int = -1, offset: int = 0) -> list[Task]:
    """Tasks matching `where`, with their notes, in two queries (not one per task)."""
    rows = store.query(
        f"SELECT * FROM tasks WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    if not rows:
        return []
    ids = [row["id"] for row in rows]
    notes: dict[int, list[TaskNote]] = {task_id: [] for task_id in ids}
    marks = ",".join("?" * len(ids))
    for r in store.query(
        f"SELECT task_id, id, kind, text, created_at FROM task_notes WHERE task_id IN ({marks}) "
        "ORDER BY id",
        tuple(ids),
    ):
        notes[r["task_id"]].append(
            TaskNote(id=r["id"], kind=r["kind"], text=r["text"], created_at=r["created_at"])
        )
    return [
        Task(**dict(row), notes=notes[row["id"]], open_blockers=_open_blockers(notes[row["id"]]))
        for row in rows
    ]


def _open_blockers(notes: list[TaskNote]) -> list[str]:
    blockers: list[str] = []
    for note in notes:
        if note.kind == "blocker":
            blockers.append(note.text)
        elif note.kind == "resolved":
            blockers.clear()
    return blockers


def list_tasks(
    store: Store,
    project_id: int,
    *,
    status: str | None = None,
    priority: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Task]:
    """Tasks of a project: active first, then by priority, oldest first within a priority."""
    page_bounds(limit, offset)
    where = ["project_id = ?"]
    params: list[object] = [project_id]
    if status:
        where.append("status = ?")
        params.append(choice(status, "status", TASK_STATUSES))
    if priority:
        where.append("priority = ?")
        params.append(choice(priority, "priority", PRIORITY_LEVELS))
    clause = " AND ".join(where)
    total = store.scalar(f"SELECT count(*) FROM tasks WHERE {clause}", tuple(params))
    items = _load(store, clause, tuple(params), f"status, {PRIORITY_ORDER}, id", limit, offset)
    return Page[Task](items=items, total=total, limit=limit, offset=offset)


def completed_since(store: Store, project_id: int, since: float | None, *,
                    limit: int = 20) -> list[Task]:
    """Tasks completed after `since` (all when None), most recently completed first."""
    return _load(store, "project_id = ? AND status = 'completed' AND completed_at > ?",
                 (project_id, since if since is not None else float("-inf")),
                 "completed_at DESC, id DESC", limit)


def update(
    store: Store,
    project_id: int,
    task_id: int,
    *,
    progress: int | None = None,
    note: str | list[str] | None = None,
    blocker: str | list[str] | None = None,
    resolve_blockers: bool = False,
    priority: str | None = None,
    title: str | None = None,
    description: str | None = None,
) -> Task:
    current = get(store, project_id, task_id)
    changes: dict[str, object] = {}
    if progress is not None:
        if not 0 <= progress <= 100:
            raise InvalidInput(f"progress must be between 0 and 100, got {progress}")
        changes["progress"] = progress
    if priority is not None:
        changes["priority"] = choice(priority, "priority", PRIORITY_LEVELS)
    if title is not None:
        changes["title"] = clean_line(title, "task title", max_len=MAX_TITLE)
    if description is not None:
        changes["description"] = clean_text(description, "description", max_len=MAX_DESCRIPTION,
                                             required=False)
    # Resolving comes first, so `--unblock --blocker NEW` replaces the old blockers with NEW.
    notes: list[tuple[str, str]] = []
    if resolve_blockers and current.open_blockers:  # nothing blocked: nothing to resolve
        notes.append(("resolved", "blockers resolved"))
    notes += [("note", clean_text(text, "note", max_len=MAX_NOTE)) for text in _texts(note)]
    notes += [("blocker", clean_text(text, "blocker", max_len=MAX_NOTE))
              for text in _texts(blocker)]
    if not changes and not notes:
        if resolve_blockers:
            return current  # --unblock with nothing blocked: already as asked
        raise InvalidInput(
            "nothing to update", hint="pass --progress, --note, --blocker or --priority"
        )
    now = time.time()
    changes["updated_at"] = now
    with store.write() as conn:
        assignments = ", ".join(f"{column} = ?" for column in changes)
        conn.execute(f"UPDATE tasks SET {assignments} WHERE id = ?", (*changes.values(), task_id))
        for kind, text in notes:
            conn.execute(
                "INSERT INTO task_notes (task_id, kind, text, created_at) VALUES (?,?,?,?)",
                (task_id, kind, text, now),
            )
    return get(store, project_id, task_id)


def _texts(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def reopen(store: Store, project_id: int, task_id: int) -> Task:
    """A completed task made active again (its progress kept below 100)."""
    now = time.time()
    with store.write() as conn:
        task = get(store, project_id, task_id)
        if task.status == "active":
            raise Conflict(f"task {task_id} is not completed")
        conn.execute(
            "UPDATE tasks SET status = 'active', progress = min(progress, 99), "
            "completed_at = NULL, updated_at = ? WHERE id = ?", (now, task_id))
    return get(store, project_id, task_id)


def complete(store: Store, project_id: int, task_id: int) -> Task:
    now = time.time()
    with store.write() as conn:  # checked inside the transaction: two `done` cannot both pass
        task = get(store, project_id, task_id)
        if task.status == "completed":
            raise Conflict(f"task {task_id} is already completed")
        conn.execute(
            "UPDATE tasks SET status = 'completed', progress = 100, completed_at = ?, "
            "updated_at = ? WHERE id = ?",
            (now, now, task_id),
        )
    return get(store, project_id, task_id)
