"""Gates: run the stack's gates for the app or one slice, with a live log per gate; each
result's status, score and threshold; the verdict per slice (PASS, CONCERNS, FAIL, WAIVED);
the run history; and waiving a failing gate with a reason."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    RichLog,
    SelectionList,
    Static,
)

from bmadgen.errors import BmadgenError
from bmadgen.tui import jobs
from bmadgen.tui.formatting import STATUS_STYLES, VERDICT_STYLES, gate_line, score_text, when
from bmadgen.tui.screens.modals import FormScreen, field

ALL = "all gates"


def result_label(result: Any) -> str:
    return result.gate + (f"[{result.slice}]" if result.slice else "")


class GatesScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("R", "run_app", "Run all (app)"),
        Binding("r", "run_chosen", "Run chosen"),
        Binding("c", "cancel_run", "Cancel run"),
        Binding("w", "waive", "Waive"),
        Binding("h", "history", "Show run"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, project: str) -> None:
        super().__init__()
        self.project = project
        self.report: Any = None
        self.results: list[Any] = []
        self.runs: list[Any] = []
        self.logs: dict[str, list[str]] = {}
        self.running = False
        self.cancel_requested = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="gates-title", classes="screen-title")
        with Horizontal():
            with Vertical(id="gates-left"):
                results: DataTable[Text | str] = DataTable(id="gate-results", cursor_type="row")
                results.add_columns("gate", "status", "score", "threshold", "required",
                                    "waived")
                yield results
                verdicts: DataTable[Text | str] = DataTable(id="verdicts", cursor_type="row")
                verdicts.add_columns("slice", "verdict", "reasons")
                yield verdicts
                runs: DataTable[str] = DataTable(id="runs", cursor_type="row")
                runs.add_columns("run", "when", "backend", "status", "failed/total")
                yield runs
            with Vertical(id="gates-right"):
                yield Static("live log (the highlighted gate; all while running)",
                             classes="hint", id="log-title")
                yield RichLog(id="gate-log", wrap=True, markup=True)
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"bmadgen: {self.project}: gates"
        self.load()

    # ------------------------------------------------------------ loading

    def load(self, run_id: str | None = None) -> None:
        from bmadgen.services import gates

        def read(session: Any) -> tuple[Any, Any]:
            overview = gates.overview(session)
            try:
                report = gates.show(session, run_id)
            except BmadgenError:  # no run yet
                report = None
            return overview, report

        jobs.start(self, read, self._show, project=self.project, name="gates", group="load",
                   exclusive=True)

    def _show(self, loaded: tuple[Any, Any]) -> None:
        overview, report = loaded
        self.gate_names = [g.name for g in overview.gates]
        self.runs = overview.runs
        runs = self.query_one("#runs", DataTable)
        runs.clear()
        for run in overview.runs:
            runs.add_row(run.run_id, when(run.started_at),
                         run.backend + ("" if run.isolated else " (not isolated)"), run.status,
                         f"{run.failed}/{run.total}", key=run.run_id)
        self.show_report(report)

    def show_report(self, report: Any) -> None:
        self.report = report
        title = self.query_one("#gates-title", Static)
        if report is None:
            title.update(f"Gates: {self.project}: no run yet. R runs every gate on the app; "
                         "r runs the gates or slice you choose.")
            self.results = []
            self.query_one("#gate-results", DataTable).clear()
            self.query_one("#verdicts", DataTable).clear()
            return
        where = report.backend + ("" if report.isolated else " (NOT ISOLATED)")
        title.update(escape(f"Gates: {self.project}: run {report.run_id} in the {where} sandbox"
                            f", {'passed' if report.passed else 'failed'} in "
                            f"{report.duration_s:.1f} s"))
        self.results = report.results
        table = self.query_one("#gate-results", DataTable)
        table.clear()
        for result in report.results:
            self._add_result(table, result)
        verdicts = self.query_one("#verdicts", DataTable)
        verdicts.clear()
        for verdict in report.verdicts:
            verdicts.add_row(verdict.slice,
                             Text(verdict.verdict, style=VERDICT_STYLES.get(verdict.verdict, "")),
                             "; ".join(verdict.reasons))
        for note in report.notes:
            self.query_one("#gate-log", RichLog).write(escape(f"note: {note}"))

    def _add_result(self, table: DataTable[Any], result: Any) -> None:
        status = "waived" if result.waived_by else result.status
        table.add_row(result_label(result), Text(status, style=STATUS_STYLES.get(status, "")),
                      score_text(result.score, result.percent),
                      score_text(result.threshold, result.percent),
                      "yes" if result.required else "no",
                      escape(result.waived_by.reason) if result.waived_by else "",
                      key=result_label(result))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "gate-results" and not self.running and \
                0 <= event.cursor_row < len(self.results):
            result = self.results[event.cursor_row]
            log = self.query_one("#gate-log", RichLog)
            log.clear()
            label = result_label(result)
            for line in self.logs.get(label, []):
                log.write(escape(line))
            log.write(escape(f"{label}: {result.status} {result.detail}".rstrip()))
            for finding in result.findings[:50]:
                log.write(escape(f"  {finding}"))

    # ------------------------------------------------------------ running

    def action_run_app(self) -> None:
        self.start_run(slices=None, gates=None)

    def action_run_chosen(self) -> None:
        def chosen(choice: object) -> None:
            if isinstance(choice, tuple):
                self.start_run(slices=choice[0] or None, gates=choice[1] or None)

        slices = sorted({v.slice for v in self.report.verdicts}) if self.report else []
        self.app.push_screen(RunGatesScreen(getattr(self, "gate_names", []), slices), chosen)

    def start_run(self, *, slices: list[str] | None, gates: list[str] | None) -> None:
        from bmadgen.services import gates as gate_service

        if self.running:
            self.notify("gates are running", severity="warning")
            return
        self.running = True
        self.cancel_requested = False
        self.logs = {}
        log = self.query_one("#gate-log", RichLog)
        log.clear()
        what = ", ".join(gates or ["every gate"]) + " on " + ", ".join(slices or ["the app"])
        log.write(escape(f"running {what} ..."))
        table = self.query_one("#gate-results", DataTable)
        table.clear()
        self.results = []

        def progress(event: Any) -> None:  # on the worker thread
            self.app.call_from_thread(self._event, event)
            if self.cancel_requested and event.kind == "finished":  # between two gates
                raise jobs.Stopped(f"gate run cancelled after {result_label(event.result)}; "
                                   "its results are kept and the run is marked as stopped")

        def run(session: Any) -> Any:
            return gate_service.run(session, slices=slices, gates=gates, progress=progress)

        def done(report: Any) -> None:
            self.running = False
            self.notify(f"gates {'passed' if report.passed else 'failed'} (run {report.run_id})",
                        title="gates", severity="information" if report.passed else "warning")
            self.load(report.run_id)

        def failed(exc: BaseException) -> None:
            self.running = False
            log.write(escape(f"stopped: {exc}"))
            self.load()

        jobs.start(self, run, done, project=self.project, name="run gates", group="gates",
                   failed=failed)

    def _event(self, event: Any) -> None:
        line = gate_line(event)
        label = event.gate + (f"[{event.slice}]" if event.slice else "")
        self.logs.setdefault(label, []).append(line)
        self.query_one("#gate-log", RichLog).write(escape(line))
        if event.kind == "finished" and event.result is not None:
            self.results.append(event.result)
            self._add_result(self.query_one("#gate-results", DataTable), event.result)

    def action_cancel_run(self) -> None:
        """Stop the run after the gate that is running (a gate's command is not killed
        half-way; nothing in the project is written by gates)."""
        if not self.running:
            self.notify("no gate run to cancel", severity="warning")
            return
        self.cancel_requested = True
        self.query_one("#gate-log", RichLog).write("cancelling after the running gate ...")

    # ------------------------------------------------------------ history, waive

    def action_history(self) -> None:
        row = self.query_one("#runs", DataTable).cursor_row
        if 0 <= row < len(self.runs):
            self.load(self.runs[row].run_id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "runs":
            self.action_history()

    def action_waive(self) -> None:
        row = self.query_one("#gate-results", DataTable).cursor_row
        if self.running or not 0 <= row < len(self.results):
            self.notify("highlight a gate result to waive (after the run)", severity="warning")
            return
        result = self.results[row]

        def waived(waiver: object) -> None:
            if waiver is not None:
                self.notify(f"waived {result_label(result)}")
                self.load(self.report.run_id if self.report else None)

        self.app.push_screen(WaiveScreen(self.project, result.slice or "app", result.gate),
                             waived)

    def action_back(self) -> None:
        self.app.pop_screen()


class RunGatesScreen(FormScreen):
    """Which gates to run, on which slices (none chosen: all), as `bmadgen gate run`."""

    def __init__(self, gate_names: list[str], slices: list[str]) -> None:
        super().__init__()
        self.gate_names = gate_names
        self.slice_names = slices

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label("Run gates (space ticks; none ticked means all)", classes="dialog-title")
            yield field("Gates", SelectionList[str](*[(g, g) for g in self.gate_names],
                                                    id="gate-choice"))
            yield field("Slices", Input(", ".join(self.slice_names[:1]), id="slice-choice",
                                        placeholder="e.g. catalog, cart (empty: the app)"))
            with Horizontal(classes="buttons"):
                yield Button("Run", variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def submit(self) -> None:
        gates = list(self.query_one("#gate-choice", SelectionList).selected)
        raw = self.query_one("#slice-choice", Input).value
        slices = [s.strip() for s in raw.replace(",", " ").split() if s.strip()]
        unknown = [s for s in slices if self.slice_names and s not in self.slice_names]
        if unknown:
            self.refuse("slice-choice", f"no slice named {', '.join(unknown)}; slices: "
                                        f"{', '.join(self.slice_names)}")
            return
        self.dismiss((slices, gates))


class WaiveScreen(FormScreen):
    """Accept a failing gate for a slice, with the reason on record (as `bmadgen gate waive`)."""

    def __init__(self, project: str, slice_name: str, gate: str) -> None:
        super().__init__()
        self.project = project
        self.slice_name = slice_name
        self.gate = gate

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(f"Waive {self.gate} for {self.slice_name}", classes="dialog-title")
            yield field("Reason", Input(placeholder="why this is acceptable for now",
                                        id="reason"))
            with Horizontal(classes="buttons"):
                yield Button("Waive", variant="warning", id="ok")
                yield Button("Cancel", id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submit()

    def submit(self) -> None:
        from bmadgen.services import gates

        self.clear_problems()
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self.refuse("reason", "a reason is required: it stays on record with the waiver")
            return
        jobs.start(self, lambda session: gates.waive(session, self.slice_name, self.gate,
                                                     reason),
                   self.dismiss, project=self.project, name="waive",
                   failed=lambda exc: self.refuse("reason", str(exc)))
