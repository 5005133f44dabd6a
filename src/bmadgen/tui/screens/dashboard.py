"""The dashboard: every project with its phase, status and last activity; create one from the
gallery, open one, archive one."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from bmadgen.tui import jobs
from bmadgen.tui.formatting import phase_label, when


class DashboardScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new_project", "New project"),
        Binding("o", "open_project", "Open"),
        Binding("a", "archive", "Archive"),
        Binding("r", "refresh", "Refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.projects: list[str] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Projects", classes="screen-title")
        table: DataTable[str] = DataTable(id="projects", cursor_type="row", zebra_stripes=True)
        table.add_columns("project", "type", "phase", "status", "done", "last activity")
        yield table
        yield Static("loading projects ...", id="dashboard-empty", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.action_refresh()

    def on_screen_resume(self) -> None:
        if self.loaded:
            self.action_refresh()

    def action_refresh(self) -> None:
        from bmadgen.services import projects

        jobs.start(self, lambda session: projects.progress(session), self._show,
                   project=None, name="load projects", group="dashboard", exclusive=True)

    def _show(self, rows: list) -> None:  # list[ProjectProgress]
        table = self.query_one("#projects", DataTable)
        selected = self.selected()
        table.clear()
        self.projects = []
        for row in rows:
            project = row.project
            table.add_row(project.name, project.type, row.phase or ("all" if row.phases else "-"),
                          phase_label(row.phase_status),
                          f"{row.approved}/{row.phases}" if row.phases else "-",
                          when(row.last_activity), key=project.name)
            self.projects.append(project.name)
        if selected in self.projects:
            table.move_cursor(row=self.projects.index(selected))
        hint = self.query_one("#dashboard-empty", Static)
        hint.update("" if rows else "No project yet: press n to create one from the gallery.")
        hint.display = not rows
        self.loaded = True
        table.focus()

    def selected(self) -> str | None:
        table = self.query_one("#projects", DataTable)
        if not self.projects or table.cursor_row < 0 or table.cursor_row >= len(self.projects):
            return None
        return self.projects[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_project()

    def action_open_project(self) -> None:
        name = self.selected()
        if name is None:
            self.notify("No project selected: press n to create one.", severity="warning")
            return
        self.app.open_project(name)  # type: ignore[attr-defined]

    def action_new_project(self) -> None:
        from bmadgen.tui.screens.new_project import NewProjectScreen

        def created(name: object) -> None:
            if isinstance(name, str):
                self.app.open_project(name, run_next=True)  # type: ignore[attr-defined]

        self.app.push_screen(NewProjectScreen(), created)

    def _archived(self, project: Any) -> None:
        self.notify(f"{project.name} archived")
        self.action_refresh()

    def action_archive(self) -> None:
        from bmadgen.tui.screens.modals import ConfirmScreen

        name = self.selected()
        if name is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                from bmadgen.services import projects

                jobs.start(self, lambda session: projects.archive(session, name),
                           self._archived, project=None, name="archive project")

        self.app.push_screen(ConfirmScreen(f"Archive {name}?",
                                           "It leaves the dashboard; its folder and memory "
                                           "stay (bmadgen project list --all shows it)."),
                             confirmed)
