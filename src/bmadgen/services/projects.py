"""Projects: create, list, show, choose, update and archive."""

from __future__ import annotations

from pydantic import BaseModel, Field

from bmadgen import projects
from bmadgen.models import Page, Project
from bmadgen.services.session import Session


class ProjectProgress(BaseModel):
    """A project on the dashboard: where its workflow stands and when it last changed."""

    project: Project
    phase: str | None = Field(description="the first phase not approved; None when all are, "
                                          "or when the project has no phases")
    phase_status: str | None
    approved: int
    phases: int
    last_activity: float


def progress(session: Session, *, include_archived: bool = False,
             limit: int = 500) -> list[ProjectProgress]:
    """Each project (newest activity first) with its current phase: the first one not
    approved. Read from the store alone in one query (no folder, no workflow definitions), so a
    dashboard of hundreds of projects opens fast; a project's own `workflow.status` checks
    drift."""
    page = list_projects(session, include_archived=include_archived, limit=limit)
    phases: dict[int, list[tuple[str, str, float]]] = {}
    if page.items:
        marks = ",".join("?" * len(page.items))
        for row in session.store.query(
                f"SELECT project_id, phase, status, updated_at FROM workflow_phases "
                f"WHERE project_id IN ({marks}) ORDER BY project_id, position",
                tuple(p.id for p in page.items)):
            phases.setdefault(int(row["project_id"]), []).append(
                (str(row["phase"]), str(row["status"]), float(row["updated_at"])))
    rows = []
    for project in page.items:
        states = phases.get(project.id, [])
        current = next((st for st in states if st[1] != "approved"), None)
        rows.append(ProjectProgress(
            project=project, phase=current[0] if current else None,
            phase_status=current[1] if current else ("done" if states else None),
            approved=sum(1 for st in states if st[1] == "approved"), phases=len(states),
            last_activity=max([project.updated_at, *(st[2] for st in states)])))
    rows.sort(key=lambda row: row.last_activity, reverse=True)
    return rows


def create(session: Session, name: str, *, type: str = "generic",
           description: str = "") -> Project:
    """A project with no folder (workflow projects come from `workflow.new_project`)."""
    project = projects.create(session.store, name, type=type, description=description)
    session.use(project)
    return project


def list_projects(session: Session, *, include_archived: bool = False,
                  only_archived: bool = False, limit: int = 50,
                  offset: int = 0) -> Page[Project]:
    return projects.list_projects(session.store, include_archived=include_archived,
                                  only_archived=only_archived, limit=limit, offset=offset)


def show(session: Session, ref: str | None = None) -> Project:
    """`ref` (name or id), else the session's project."""
    if ref:
        return projects.get(session.store, ref)
    return session.project()


def use(session: Session, ref: str) -> Project:
    project = projects.use(session.store, ref)
    session.use(project)
    return project


def update(session: Session, ref: str | None = None, *, name: str | None = None,
           type: str | None = None, description: str | None = None) -> Project:
    current = show(session, ref)
    return projects.update(session.store, current.id, name=name, type=type,
                           description=description)


def archive(session: Session, ref: str) -> Project:
    return projects.archive(session.store, ref)
