"""Tasks: add, list, show, update (progress, notes, blockers, priority) and complete."""

from __future__ import annotations

from bmadgen import tasks
from bmadgen.models import Page, Task
from bmadgen.services.session import Session


def add(session: Session, title: str, *, description: str = "", priority: str = "medium",
        parent_id: int | None = None) -> Task:
    return tasks.add(session.store, session.project().id, title, description=description,
                     priority=priority, parent_id=parent_id)


def list_tasks(session: Session, *, status: str | None = None, priority: str | None = None,
               limit: int = 50, offset: int = 0) -> Page[Task]:
    return tasks.list_tasks(session.store, session.project().id, status=status,
                            priority=priority, limit=limit, offset=offset)


def show(session: Session, task_id: int) -> Task:
    return tasks.get(session.store, session.project().id, task_id)


def update(session: Session, task_id: int, *, progress: int | None = None,
           note: str | None = None, blocker: str | None = None, unblock: bool = False,
           priority: str | None = None) -> Task:
    return tasks.update(session.store, session.project().id, task_id, progress=progress,
                        note=note, blocker=blocker, resolve_blockers=unblock, priority=priority)


def complete(session: Session, task_id: int) -> Task:
    return tasks.complete(session.store, session.project().id, task_id)
