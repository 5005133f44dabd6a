"""Handoffs: the summary one phase (or one session) leaves for the next."""

from __future__ import annotations

import time

from pydantic import BaseModel

from bmadgen import memory
from bmadgen.models import MAX_MEMORY
from bmadgen.store import Store
from bmadgen.validation import clean_text


class Handoff(BaseModel):
    id: int
    project_id: int
    phase: str | None
    content: str
    created_at: float
    memory_id: int


def record(store: Store, project_id: int, content: str, *, phase: str | None = None,
           importance: str = "high") -> Handoff:
    """Store a handoff and index it as a memory of kind 'handoff' so search finds it."""
    content = clean_text(content, "handoff", max_len=MAX_MEMORY)
    now = time.time()
    title = f"Handoff: {phase}" if phase else "Handoff"
    with store.write() as conn:
        cur = conn.execute(
            "INSERT INTO handoffs (project_id, phase, content, created_at) VALUES (?,?,?,?)",
            (project_id, phase, content, now),
        )
        handoff_id = int(cur.lastrowid or 0)
        mem = memory.add(store, project_id, content, title=title, importance=importance,
                         kind="handoff", now=now)
    return Handoff(id=handoff_id, project_id=project_id, phase=phase, content=content,
                   created_at=now, memory_id=mem.id)
