"""The session every service takes: settings, the store, the project and its folder, resolved
once by one rule that every face shares.

The project a command acts on: `project` given by the face (`--project`), else the project
marker (`.bmadgen/project.json`) found upwards from the working directory, else the project
used last.

The folder it acts on: `folder` given by the face (`--dir`), else the explicit project's folder,
else the folder holding the marker, else the working directory when it holds an app spec or an
app, else the last-used project's folder, else the working directory.

The store is opened on first use, so commands that never touch it (generation in a plain
folder, `answers sample`, sandbox management) work even when the store cannot be opened.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bmadgen.errors import NotFound
from bmadgen.models import Project
from bmadgen.settings import Settings, get_settings
from bmadgen.store import Store


class Session:
    """What a face resolved for one command (CLI) or one connection (TUI, MCP)."""

    def __init__(self, *, settings: Settings | None = None, project: str | None = None,
                 folder: Path | None = None, cwd: Path | None = None,
                 store: Store | None = None) -> None:
        self.settings = settings if settings is not None else get_settings()
        self.project_ref = project
        self.folder_ref = Path(folder).expanduser() if folder is not None else None
        self.cwd = Path(cwd) if cwd is not None else Path.cwd()
        self._store = store
        self._owns_store = store is None
        self._project: Project | None = None

    # ------------------------------------------------------------ store

    @property
    def store(self) -> Store:
        if self._store is None:
            from bmadgen.store import open_store
            from bmadgen.store.db import DB_FILENAME

            self._store = open_store(self.settings.data_home() / DB_FILENAME)
        return self._store

    def close(self) -> None:
        if self._store is not None and self._owns_store:
            self._store.close()
        self._store = None

    # ------------------------------------------------------------ project

    def project(self) -> Project:
        """The project the command acts on (NotFound when there is none)."""
        if self._project is None:
            from bmadgen import projects

            self._project = projects.resolve_current(self.store, self.project_ref, self.cwd)
        return self._project

    def project_or_none(self) -> Project | None:
        """The project, or None when no project is current (an explicit one must exist)."""
        try:
            return self.project()
        except NotFound:
            if self.project_ref:
                raise
            return None

    def use(self, project: Project) -> None:
        """Act on `project` from now on (after creating it, say)."""
        self._project = project

    @contextmanager
    def rehearse(self) -> Iterator[None]:
        """Run service calls as a dry run: every change they make to the store is checked by
        the code that makes it, then rolled back; the session's project is left as it was."""
        project = self._project
        try:
            with self.store.rehearsal():
                yield
        finally:
            self._project = project

    # ------------------------------------------------------------ folder

    def marker_folder(self) -> Path | None:
        from bmadgen import projects

        marker = projects.find_marker(self.cwd)
        return marker.parent.parent if marker is not None else None

    def folder(self) -> Path:
        """The project (app) folder, by the rule in this module's docstring."""
        if self.folder_ref is not None:
            return self.folder_ref
        if self.project_ref:
            explicit = self.project()
            if explicit.path:
                return Path(explicit.path)
        marker = self.marker_folder()
        if marker is not None:
            return marker
        from bmadgen.appspec import SPEC_FILENAME

        if (self.cwd / SPEC_FILENAME).is_file() or (self.cwd / "app").is_dir():
            return self.cwd
        from bmadgen.errors import BmadgenError

        try:
            last_used = self.project_or_none()
        except BmadgenError:  # an unreadable store must not stop work that needs no store
            last_used = None
        if last_used is not None and last_used.path:
            return Path(last_used.path)
        return self.cwd


@contextmanager
def open_session(*, project: str | None = None, folder: Path | None = None,
                 cwd: Path | None = None, settings: Settings | None = None) -> Iterator[Session]:
    """A session for one command; the store (if it was opened) is closed at the end."""
    session = Session(settings=settings, project=project, folder=folder, cwd=cwd)
    try:
        yield session
    finally:
        session.close()
