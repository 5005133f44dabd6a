"""The project memory: remember, search (ranked), list, show and forget."""

from __future__ import annotations

from bmadgen import memory
from bmadgen.models import Memory, Page, SearchPage
from bmadgen.services.session import Session


def add(session: Session, text: str, *, title: str = "", importance: str = "medium",
        kind: str = "note", task_id: int | None = None, file_path: str | None = None,
        lines: str | None = None) -> Memory:
    project = session.project()
    return memory.add(session.store, project.id, text, title=title, importance=importance,
                      kind=kind, task_id=task_id, file_path=file_path, lines=lines)


def search(session: Session, query: str, *, importance: str | None = None, limit: int = 10,
           offset: int = 0) -> SearchPage:
    """Ranked by bm25, importance and recency; all words first, else any word."""
    project = session.project()
    return memory.search(session.store, project.id, query, importance=importance, limit=limit,
                         offset=offset)


def list_memories(session: Session, *, importance: str | None = None, kind: str | None = None,
                  limit: int = 20, offset: int = 0) -> Page[Memory]:
    project = session.project()
    return memory.list_memories(session.store, project.id, importance=importance, kind=kind,
                                limit=limit, offset=offset)


def show(session: Session, memory_id: int) -> Memory:
    return memory.get(session.store, session.project().id, memory_id)


def forget(session: Session, memory_id: int) -> Memory:
    return memory.forget(session.store, session.project().id, memory_id)
