"""Projects: create, list, show, choose, update and archive."""

from __future__ import annotations

from bmadgen import projects
from bmadgen.models import Page, Project
from bmadgen.services.session import Session


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
