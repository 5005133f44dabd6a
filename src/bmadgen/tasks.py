"""Tasks: a priority-ordered to-do list per project, with progress, notes and blockers."""

from __future__ import annotations

import time

from bmadgen.errors import Conflict, InvalidInput, NotFound
from bmadgen.models import (
    MAX_DESCRIPTION,
    MAX_NOTE,
    MAX_TITLE,
    PRIORITY_LEVELS,
    Page,
    Task,
    TaskNote,
)
from bmadgen.store import Store
from bmadgen.validation import choice, clean_text

PRIORITY_ORDER = "CASE priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END"
MAX_LIMIT = 500


def add(
    store: Store,
    project_id: int,
    title: str,
    *,
    description: str = "",
    priority: str = "medium",
    parent_id: int | None = None,
    ref: str | None = None,
) -> Task:
    title = clean_text(title, "task title", max_len=MAX_TITLE)
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
    return get(store, project_id, task_id)


def get(store: Store, project_id: int, task_id: int) -> Task:
    row = store.query_one(
        "SELECT * FROM tasks WHERE id = ? AND project_id = ?", (task_id, project_id)
    )
    if row is None:
        raise NotFound(f"no task {task_id} in this project", hint="`bmadgen task list` shows them")
    notes = [
        TaskNote(**dict(r))
        for r in store.query(
            "SELECT id, kind, text, created_at FROM task_notes WHERE task_id = ? ORDER BY id",
            (task_id,),
        )
    ]
    return Task(**dict(row), notes=notes, open_blockers=_open_blockers(notes))


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
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    if offset < 0:
        raise InvalidInput(f"offset must not be negative, got {offset}")
    where = ["project_id = ?"]
    params: list[object] = [project_id]
    if status:
        where.append("status = ?")
        params.append(choice(status, "status", ("active", "completed")))
    if priority:
        where.append("priority = ?")
        params.append(choice(priority, "priority", PRIORITY_LEVELS))
    clause = " AND ".join(where)
    total = store.query_one(f"SELECT count(*) FROM tasks WHERE {clause}", tuple(params))[0]
    rows = store.query(
        f"SELECT id FROM tasks WHERE {clause} ORDER BY status, {PRIORITY_ORDER}, id "
        "LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    items = [get(store, project_id, r["id"]) for r in rows]
    return Page[Task](items=items, total=total, limit=limit, offset=offset)


def update(
    store: Store,
    project_id: int,
    task_id: int,
    *,
    progress: int | None = None,
    note: str | None = None,
    blocker: str | None = None,
    resolve_blockers: bool = False,
    priority: str | None = None,
    title: str | None = None,
    description: str | None = None,
) -> Task:
    get(store, project_id, task_id)
    changes: dict[str, object] = {}
    if progress is not None:
        if not 0 <= progress <= 100:
            raise InvalidInput(f"progress must be between 0 and 100, got {progress}")
        changes["progress"] = progress
    if priority is not None:
        changes["priority"] = choice(priority, "priority", PRIORITY_LEVELS)
    if title is not None:
        changes["title"] = clean_text(title, "task title", max_len=MAX_TITLE)
    if description is not None:
        changes["description"] = clean_text(description, "description", max_len=MAX_DESCRIPTION,
                                             required=False)
    notes: list[tuple[str, str]] = []
    if note is not None:
        notes.append(("note", clean_text(note, "note", max_len=MAX_NOTE)))
    if blocker is not None:
        notes.append(("blocker", clean_text(blocker, "blocker", max_len=MAX_NOTE)))
    if resolve_blockers:
        notes.append(("resolved", "blockers resolved"))
    if not changes and not notes:
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


def complete(store: Store, project_id: int, task_id: int) -> Task:
    task = get(store, project_id, task_id)
    if task.status == "completed":
        raise Conflict(f"task {task_id} is already completed")
    now = time.time()
    with store.write() as conn:
        conn.execute(
            "UPDATE tasks SET status = 'completed', progress = 100, completed_at = ?, "
            "updated_at = ? WHERE id = ?",
            (now, now, task_id),
        )
    return get(store, project_id, task_id)
