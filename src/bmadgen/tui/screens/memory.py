"""Memory and tasks: search the project memory (ranked as `memory search`), add a memory; the
tasks by status with priority, progress, notes and blockers, and update them."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    Checkbox,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
    TextArea,
)

from bmadgen.models import IMPORTANCE_LEVELS, PRIORITY_LEVELS
from bmadgen.tui import jobs
from bmadgen.tui.formatting import when
from bmadgen.tui.screens.modals import FormScreen, field

TASK_FILTERS = ("active", "completed", "all")


class MemoryScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search"),
        Binding("n", "add_memory", "Add memory"),
        Binding("t", "tasks", "Tasks"),
        Binding("f", "filter_tasks", "Task filter"),
        Binding("e", "update_task", "Update task"),
        Binding("c", "complete_task", "Complete task"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, project: str) -> None:
        super().__init__()
        self.project = project
        self.memories: list[Any] = []
        self.tasks: list[Any] = []
        self.task_filter = "active"

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="memory-tabs"):
            with TabPane("Memory", id="memory-tab"):
                yield Input(placeholder="search the memory (Enter); empty lists the newest",
                            id="query")
                yield Static("", id="search-info", classes="hint")
                table: DataTable[str] = DataTable(id="memories", cursor_type="row")
                table.add_columns("score", "importance", "kind", "title", "when")
                yield table
                yield VerticalScroll(Static("", id="memory-detail"), id="memory-detail-box")
            with TabPane("Tasks", id="tasks-tab"):
                yield Static("", id="tasks-info", classes="hint")
                tasks: DataTable[str] = DataTable(id="tasks", cursor_type="row")
                tasks.add_columns("id", "status", "priority", "progress", "title", "blockers")
                yield tasks
                yield VerticalScroll(Static("", id="task-detail"), id="task-detail-box")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"bmadgen: {self.project}: memory and tasks"
        self.run_search("")
        self.load_tasks()

    # ------------------------------------------------------------ memory

    def action_search(self) -> None:
        self.query_one(TabbedContent).active = "memory-tab"
        self.query_one("#query", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "query":
            self.run_search(event.value.strip())

    def run_search(self, query: str) -> None:
        from bmadgen.services import memory

        def search(session: Any) -> tuple[str, Any]:
            if query:
                return query, memory.search(session, query, limit=50)
            return query, memory.list_memories(session, limit=50)

        jobs.start(self, search, self._show_memories, project=self.project,
                   name="search memory", group="memory", exclusive=True)

    def _show_memories(self, found: tuple[str, Any]) -> None:
        query, page = found
        self.memories = page.items
        table = self.query_one("#memories", DataTable)
        table.clear()
        for item in page.items:
            table.add_row(f"{item.score:.2f}" if item.score is not None else "-",
                          item.importance, item.kind, item.title or item.content[:60],
                          when(item.created_at))
        if query:
            how = ("every word matched" if getattr(page, "matched", "all") == "all"
                   else "no memory held every word, so any word counts")
            info = f"{page.total} found for '{query}' ({how}), best first"
        else:
            info = f"{page.total} memories, newest first"
        self.query_one("#search-info", Static).update(escape(info))
        self._show_memory(0)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "memories":
            self._show_memory(event.cursor_row)
        elif event.data_table.id == "tasks":
            self._show_task(event.cursor_row)

    def _show_memory(self, row: int) -> None:
        detail = self.query_one("#memory-detail", Static)
        if not 0 <= row < len(self.memories):
            detail.update("")
            return
        item = self.memories[row]
        detail.update(escape(f"#{item.id} {item.title}\n\n{item.content}"))

    def action_add_memory(self) -> None:
        def added(memory: object) -> None:
            if memory is not None:
                self.notify(f"remembered #{memory.id}")  # type: ignore[attr-defined]
                self.run_search(self.query_one("#query", Input).value.strip())

        self.app.push_screen(AddMemoryScreen(self.project), added)

    # ------------------------------------------------------------ tasks

    def action_tasks(self) -> None:
        self.query_one(TabbedContent).active = "tasks-tab"
        self.query_one("#tasks", DataTable).focus()

    def action_filter_tasks(self) -> None:
        self.task_filter = TASK_FILTERS[(TASK_FILTERS.index(self.task_filter) + 1) % 3]
        self.action_tasks()
        self.load_tasks()

    def load_tasks(self) -> None:
        from bmadgen.services import tasks

        status = None if self.task_filter == "all" else self.task_filter
        jobs.start(self, lambda session: tasks.list_tasks(session, status=status, limit=500),
                   self._show_tasks, project=self.project, name="tasks", group="tasks",
                   exclusive=True)

    def _show_tasks(self, page: Any) -> None:
        self.tasks = page.items
        table = self.query_one("#tasks", DataTable)
        row = table.cursor_row
        table.clear()
        for task in page.items:
            table.add_row(str(task.id), task.status, task.priority, f"{task.progress}%",
                          task.title, str(len(task.open_blockers)) if task.open_blockers else "",
                          key=str(task.id))
        if 0 <= row < len(self.tasks):
            table.move_cursor(row=row)
        self.query_one("#tasks-info", Static).update(
            f"{page.total} tasks ({self.task_filter}; f changes the filter), by priority")
        self._show_task(table.cursor_row)

    def selected_task(self) -> Any | None:
        row = self.query_one("#tasks", DataTable).cursor_row
        return self.tasks[row] if 0 <= row < len(self.tasks) else None

    def _show_task(self, row: int) -> None:
        detail = self.query_one("#task-detail", Static)
        if not 0 <= row < len(self.tasks):
            detail.update("")
            return
        task = self.tasks[row]
        lines = [f"#{task.id} {task.title} ({task.priority}, {task.progress}%, {task.status})",
                 "", task.description]
        if task.open_blockers:
            lines += ["", "Blockers:"] + [f"- {b}" for b in task.open_blockers]
        if task.notes:
            lines += ["", "Notes:"] + [f"- {n.kind}: {n.text}" for n in task.notes]
        detail.update(escape("\n".join(lines)))

    def action_update_task(self) -> None:
        task = self.selected_task()
        if task is None:
            self.notify("select a task first (t)", severity="warning")
            return

        def updated(result: object) -> None:
            if result is not None:
                self.notify(f"task #{task.id} updated")
                self.load_tasks()

        self.app.push_screen(UpdateTaskScreen(self.project, task), updated)

    def action_complete_task(self) -> None:
        from bmadgen.services import tasks
        from bmadgen.tui.screens.modals import ConfirmScreen

        task = self.selected_task()
        if task is None:
            self.notify("select a task first (t)", severity="warning")
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                jobs.start(self, lambda session: tasks.complete(session, task.id),
                           self._completed, project=self.project, name="complete task")

        self.app.push_screen(ConfirmScreen(f"Complete task #{task.id}?", task.title), confirmed)

    def _completed(self, task: Any) -> None:
        self.notify(f"task #{task.id} completed")
        self.load_tasks()

    def action_back(self) -> None:
        self.app.pop_screen()


class AddMemoryScreen(FormScreen):
    def __init__(self, project: str) -> None:
        super().__init__()
        self.project = project

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label("Remember", classes="dialog-title")
            yield field("Text", TextArea(id="text"))
            yield field("Title (optional)", Input(id="title"))
            yield field("Importance", Select([(level, level) for level in IMPORTANCE_LEVELS],
                                             value="medium", allow_blank=False,
                                             id="importance"))
            with Horizontal(classes="buttons"):
                yield Button("Remember", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        from bmadgen.services import memory

        self.clear_problems()
        text = self.query_one("#text", TextArea).text.strip()
        if not text:
            self.refuse("text", "the text is empty: write what to remember")
            return
        title = self.query_one("#title", Input).value.strip()
        importance = str(self.query_one("#importance", Select).value)
        jobs.start(self, lambda session: memory.add(session, text, title=title,
                                                    importance=importance),
                   self.dismiss, project=self.project, name="add memory",
                   failed=lambda exc: self.refuse("text", str(exc)))


class UpdateTaskScreen(FormScreen):
    def __init__(self, project: str, task: Any) -> None:
        super().__init__()
        self.project = project
        self.target = task

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(f"Update task #{self.target.id}: {self.target.title}",
                        classes="dialog-title")
            yield field("Progress (0-100)", Input(str(self.target.progress), id="progress"))
            yield field("Priority", Select([(p, p) for p in PRIORITY_LEVELS],
                                           value=self.target.priority, allow_blank=False,
                                           id="priority"))
            yield field("Note (optional)", Input(id="note"))
            yield field("Blocker (optional)", Input(id="blocker"))
            yield Checkbox("Resolve the open blockers", id="unblock")
            with Horizontal(classes="buttons"):
                yield Button("Update", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submit()

    def submit(self) -> None:
        from bmadgen.services import tasks

        self.clear_problems()
        raw = self.query_one("#progress", Input).value.strip()
        try:
            progress = int(raw)
        except ValueError:
            self.refuse("progress", f"{raw!r} is not a whole number from 0 to 100")
            return
        if not 0 <= progress <= 100:
            self.refuse("progress", f"{progress} is outside 0 to 100")
            return
        note = self.query_one("#note", Input).value.strip() or None
        blocker = self.query_one("#blocker", Input).value.strip() or None
        priority = str(self.query_one("#priority", Select).value)
        unblock = self.query_one("#unblock", Checkbox).value
        task_id = self.target.id
        jobs.start(self, lambda session: tasks.update(
            session, task_id, progress=progress, note=note, blocker=blocker, unblock=unblock,
            priority=priority), self.dismiss, project=self.project, name="update task",
            failed=lambda exc: self.refuse("progress", str(exc)))
