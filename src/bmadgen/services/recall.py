"""Recalling a project: its state, a handoff for the next session, and an export."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from bmadgen import export as exporter
from bmadgen import handoff as handoffs
from bmadgen import summary
from bmadgen.handoff import Handoff
from bmadgen.models import Project
from bmadgen.services.session import Session
from bmadgen.summary import HandoffSummary, ProjectState


class HandoffResult(BaseModel):
    summary: HandoffSummary
    recorded: Handoff | None


class ExportResult(BaseModel):
    project: Project
    format: str
    text: str
    output: str | None


def state(session: Session) -> ProjectState:
    """Active tasks by priority, recently completed ones, the most important memories."""
    return summary.project_state(session.store, session.project())


def handoff(session: Session, *, brief: bool = False, record: bool = True) -> HandoffResult:
    """A Markdown handoff; stored (handoffs table and a memory) unless `record` is False."""
    project = session.project()
    result = summary.build_handoff(session.store, project, brief=brief)
    recorded = handoffs.record(session.store, project.id, result.markdown) if record else None
    return HandoffResult(summary=result, recorded=recorded)


def export(session: Session, fmt: str = "md", output: Path | None = None) -> ExportResult:
    """The project's tasks, memories and handoffs as Markdown or JSON (written atomically to
    `output` when given)."""
    project = session.project()
    text = exporter.export_project(session.store, project, fmt, output)
    return ExportResult(project=project, format=fmt, text=text,
                        output=str(output) if output is not None else None)


class StoreStats(BaseModel):
    store: str
    size_bytes: int
    projects: int
    active_projects: int
    tasks: int
    active_tasks: int
    memories: int
    handoffs: int
    current_project: str | None


def stats(session: Session) -> StoreStats:
    """What the store holds, across projects."""
    store = session.store
    counts = {table: int(store.scalar(f"SELECT count(*) FROM {table}"))
              for table in ("projects", "tasks", "memories", "handoffs")}
    current = session.project_or_none()
    return StoreStats(
        store=str(store.path), size_bytes=store.path.stat().st_size if store.path.exists() else 0,
        active_projects=int(store.scalar("SELECT count(*) FROM projects WHERE status = 'active'")),
        active_tasks=int(store.scalar("SELECT count(*) FROM tasks WHERE status = 'active'")),
        current_project=current.name if current is not None else None, **counts)
