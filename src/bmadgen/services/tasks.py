"""Tasks: add, list, show, update (progress, notes, blockers, priority) and complete."""

from __future__ import annotations

from pydantic import BaseModel

from bmadgen import memory, tasks
from bmadgen.models import Memory, Page, Task
from bmadgen.services.session import Session


class TaskDetail(BaseModel):
    task: Task
    subtasks: list[Task]
    memories: list[Memory]


def add(session: Session, title: str, *, description: str = "", priority: str = "medium",
        parent_id: int | None = None, notes: list[str] | None = None) -> Task:
    return tasks.add(session.store, session.project().id, title, description=description,
                     priority=priority, parent_id=parent_id, notes=notes)


def list_tasks(session: Session, *, status: str | None = None, priority: str | None = None,
               limit: int = 50, offset: int = 0) -> Page[Task]:
    return tasks.list_tasks(session.store, session.project().id, status=status,
                            priority=priority, limit=limit, offset=offset)


def show(session: Session, task_id: int) -> Task:
    return tasks.get(session.store, session.project().id, task_id)


def detail(session: Session, task_id: int) -> TaskDetail:
    """A task with its subtasks and the memories linked to it."""
    project_id = session.project().id
    return TaskDetail(task=tasks.get(session.store, project_id, task_id),
                      subtasks=tasks.subtasks(session.store, project_id, task_id),
                      memories=memory.of_task(session.store, project_id, task_id))


def update(session: Session, task_id: int, *, progress: int | None = None,
           note: str | list[str] | None = None, blocker: str | list[str] | None = None,
           unblock: bool = False, priority: str | None = None, title: str | None = None,
           description: str | None = None, completed: bool | None = None) -> Task:
    """Change a task in one transaction: its fields and notes, then (with `completed`) complete
    or reopen it. Completing a completed task, or reopening an active one, changes nothing."""
    project_id = session.project().id
    fields = (progress, note, blocker, priority, title, description)
    with session.store.write():
        task = tasks.get(session.store, project_id, task_id)
        if completed is None or unblock or any(value is not None for value in fields):
            task = tasks.update(session.store, project_id, task_id, progress=progress,
                                note=note, blocker=blocker, resolve_blockers=unblock,
                                priority=priority, title=title, description=description)
        if completed is True and task.status == "active":
            task = tasks.complete(session.store, project_id, task_id)
        elif completed is False and task.status == "completed":
            task = tasks.reopen(session.store, project_id, task_id)
    return task


def complete(session: Session, task_id: int) -> Task:
    return tasks.complete(session.store, session.project().id, task_id)
