"""Quality gates: run them on the app (in a sandbox), list, show, waive, and sandbox usage.

Gates report verdicts; this layer hands a full run's verdicts to the workflow, which writes
them to the slices' story tasks and the project memory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from bmadgen.gates.models import (
    GateEvent,
    GateResult,
    GateRunReport,
    GateRunSummary,
    GateSpec,
    SliceVerdict,
    Waiver,
)
from bmadgen.models import NextAction
from bmadgen.services.session import Session

__all__ = ["GateEvent", "GateResult", "GateRunReport", "GateRunSummary", "GateSpec",
           "SliceVerdict", "Waiver"]

Progress = Callable[[GateEvent], None]


class GateOverview(BaseModel):
    gates: list[GateSpec]
    runs: list[GateRunSummary]


class SandboxUsage(BaseModel):
    project: str
    runs: float
    cpu_s: float
    peak_memory_mb: float
    wall_s: float
    exec_count: float


def run(session: Session, *, slices: list[str] | None = None, gates: list[str] | None = None,
        sandbox: str | None = None, tier: str | None = None, use_cache: bool = True,
        fail_fast: bool = False, progress: Progress | None = None,
        junit: Path | None = None, sarif: Path | None = None) -> GateRunReport:
    """Run the stack's gates on the session's app folder; the backend and tier default to the
    settings. A full run (no slice or gate chosen) is the QA verdict of record. JUnit and SARIF
    reports are written when asked for."""
    from bmadgen.gates import reports
    from bmadgen.gates.service import run_gates

    project = session.project()
    if junit is not None:  # a report that cannot be written is refused before anything runs
        reports.check_target(junit, "JUnit report")
    if sarif is not None:
        reports.check_target(sarif, "SARIF report")
    report = run_gates(
        session.store, project, session.folder(), slices=slices or None, gates=gates or None,
        sandbox=sandbox or session.settings.sandbox, tier=tier or session.settings.tier,
        use_cache=use_cache, fail_fast=fail_fast, progress=progress,
    )
    if not gates and not slices:  # a full run is the QA verdict of record
        from bmadgen.workflow.qa import record_verdicts

        record_verdicts(session.store, project, report)
    if junit is not None:
        reports.write(junit, reports.to_junit(report), "JUnit report")
    if sarif is not None:
        reports.write(sarif, reports.to_sarif(report), "SARIF report")
    return report


def missing_gate_image(session: Session, sandbox: str | None = None) -> NextAction | None:
    """The `build_gate_image` action when the gates would run in Docker (sandbox auto or
    docker) and the engine answers but has no gate image; else None (also with no engine: the
    run says so itself)."""
    from bmadgen.errors import EnvironmentUnavailable
    from bmadgen.sandbox import engine

    if (sandbox or session.settings.sandbox) == "local":
        return None
    try:
        client = engine.connect()
    except EnvironmentUnavailable:
        return None
    try:
        engine.require_image(client, engine.image_name())
    except EnvironmentUnavailable as exc:
        return exc.action
    return None


def report_json(report: GateRunReport) -> str:
    """The report as the JSON document CI reads."""
    from bmadgen.gates import reports

    return reports.to_json(report)


def overview(session: Session, *, limit: int = 20) -> GateOverview:
    """The stack's gates and the project's recent gate runs."""
    from bmadgen.gates import records
    from bmadgen.gates.stack import gates_for

    project = session.project()
    return GateOverview(gates=gates_for(session.folder()),
                        runs=records.list_runs(session.store, project.id, limit=limit))


def show(session: Session, run_id: str | None = None) -> GateRunReport:
    """One gate run (by id or prefix; the latest by default)."""
    from bmadgen.gates import records

    return records.load_report(session.store, session.project().id, run_id)


def waive(session: Session, slice_name: str, gate: str, reason: str,
          who: str | None = None) -> Waiver:
    """Accept a failing gate for a slice ('app': every slice). When the folder holds the app,
    the gate and the slice are checked against it."""
    from bmadgen.gates.service import waive as record_waiver

    folder = session.folder()
    return record_waiver(session.store, session.project(), slice_name, gate, reason, who,
                         project_dir=folder if (folder / "app").is_dir() else None)


def usage(session: Session) -> SandboxUsage:
    """The project's sandbox usage: runs, CPU seconds, peak memory, wall time, execs."""
    from bmadgen.gates import records

    project = session.project()
    return SandboxUsage(project=project.name, **records.usage_totals(session.store, project.id))
