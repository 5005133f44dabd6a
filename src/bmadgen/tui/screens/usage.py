"""Usage: model calls, tokens and cost per phase, agent and model, and the budget left; and the
sandboxes' usage while gates ran."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from bmadgen.tui import jobs


class UsageScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back"), Binding("r", "refresh", "Refresh")]

    def __init__(self, project: str) -> None:
        super().__init__()
        self.project = project

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Usage: {self.project}", classes="screen-title")
        yield Static("Model usage", classes="section-title")
        yield Static("loading ...", id="model-usage", classes="hint")
        yield Static("Sandboxes (quality gates)", classes="section-title")
        table: DataTable[str] = DataTable(id="sandbox-usage", cursor_type="row")
        table.add_columns("runs", "CPU s", "peak memory MB", "wall s", "commands")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"bmadgen: {self.project}: usage"
        self.action_refresh()

    def action_refresh(self) -> None:
        from bmadgen.services import gates
        from bmadgen.tui.usage import model_usage

        def load(session: Any) -> tuple[Any, Any]:
            return model_usage(session), gates.usage(session)

        jobs.start(self, load, self._show, project=self.project, name="usage")

    def _show(self, loaded: tuple[Any, Any]) -> None:
        from bmadgen.tui.usage import describe

        models, sandbox = loaded
        self.query_one("#model-usage", Static).update(
            "No model is configured: every phase ran with the offline provider, which makes "
            "no calls and costs nothing. Calls, tokens, cost per phase, agent and model, and "
            "the budget left appear here once a model is configured."
            if models is None else describe(models))
        table = self.query_one("#sandbox-usage", DataTable)
        table.clear()
        table.add_row(f"{sandbox.runs:g}", f"{sandbox.cpu_s:.1f}",
                      f"{sandbox.peak_memory_mb:.0f}", f"{sandbox.wall_s:.1f}",
                      f"{sandbox.exec_count:g}")

    def action_back(self) -> None:
        self.app.pop_screen()
