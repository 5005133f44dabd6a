"""Gate runs, results, waivers and sandbox usage in the store."""

from __future__ import annotations

import functools
import json
import os
import socket
import time

from bmadgen.errors import NotFound
from bmadgen.gates.models import (
    Finding,
    GateResult,
    GateRunReport,
    GateRunSummary,
    GateSpec,
    Waiver,
)
from bmadgen.models import NextAction
from bmadgen.sandbox.base import SandboxUsage, pid_alive
from bmadgen.store import Store

REUSABLE = ("passed", "failed")  # errors and not-run results are never served from the cache


def start_run(store: Store, project_id: int, run_id: str, backend: str, isolated: bool,
              tier: str) -> None:
    with store.write() as conn:
        conn.execute(
            "INSERT INTO gate_runs (id, project_id, backend, isolated, tier, started_at, "
            "owner_pid, owner_host) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, project_id, backend, int(isolated), tier, time.time(), os.getpid(),
             socket.gethostname()),
        )


def close_abandoned_runs(store: Store, project_id: int) -> list[str]:
    """Mark as 'error' the runs still 'running' whose bmadgen process on this host is gone.

    A run killed mid-gate never reaches finish_run; its container is reaped by the sandbox,
    and this closes its record. (A reused pid keeps a dead run open until that process ends.)
    """
    host = socket.gethostname()
    rows = store.query(
        "SELECT id, owner_pid FROM gate_runs WHERE project_id = ? AND status = 'running' "
        "AND owner_host = ? AND owner_pid IS NOT NULL", (project_id, host))
    dead = [r["id"] for r in rows if not pid_alive(int(r["owner_pid"]))]
    for run_id in dead:
        abort_run(store, run_id)
    return dead


def save_result(store: Store, project_id: int, run_id: str, result: GateResult) -> None:
    with store.write() as conn:
        conn.execute(
            "INSERT INTO gate_results (run_id, project_id, gate, scope, slice, status, score, "
            "threshold, required, duration_s, findings_json, detail, cached, content_hash, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id, project_id, result.gate, result.scope, result.slice or "",
                result.status, result.score, result.threshold, int(result.required),
                result.duration_s,
                json.dumps([f.model_dump() for f in result.findings]),
                result.detail, int(result.cached), result.content_hash, time.time(),
            ),
        )


def finish_run(store: Store, report: GateRunReport, status: str) -> None:
    with store.write() as conn:
        conn.execute(
            "UPDATE gate_runs SET status = ?, finished_at = ?, report_json = ? WHERE id = ?",
            (status, report.finished_at, report.model_dump_json(), report.run_id),
        )


def abort_run(store: Store, run_id: str) -> None:
    with store.write() as conn:
        conn.execute(
            "UPDATE gate_runs SET status = 'error', finished_at = ? WHERE id = ?",
            (time.time(), run_id),
        )


def cached_result(store: Store, project_id: int, spec: GateSpec, slice_name: str | None,
                  content_hash: str) -> GateResult | None:
    row = store.query_one(
        "SELECT * FROM gate_results WHERE project_id = ? AND gate = ? AND slice = ? "
        "AND content_hash = ? AND status IN ('passed', 'failed') ORDER BY id DESC LIMIT 1",
        (project_id, spec.name, slice_name or "", content_hash),
    )
    if row is None:
        return None
    # The content hash covers the spec, so the row was made by this very spec.
    result = _row_to_result(row, percent=spec.percent)
    result.cached = True
    return result


def _row_to_result(row, *, percent: bool) -> GateResult:
    return GateResult(
        gate=row["gate"],
        scope=row["scope"],
        slice=row["slice"] or None,
        status=row["status"],
        score=row["score"],
        threshold=row["threshold"],
        percent=percent,
        required=bool(row["required"]),
        duration_s=row["duration_s"],
        findings=[Finding(**f) for f in json.loads(row["findings_json"])],
        detail=row["detail"],
        cached=bool(row["cached"]),
        content_hash=row["content_hash"],
    )


def list_runs(store: Store, project_id: int, *, limit: int = 20) -> list[GateRunSummary]:
    close_abandoned_runs(store, project_id)
    rows = store.query(
        "SELECT r.*, (SELECT count(*) FROM gate_results g WHERE g.run_id = r.id) AS total, "
        "(SELECT count(*) FROM gate_results g WHERE g.run_id = r.id AND g.status != 'passed') "
        "AS failed FROM gate_runs r WHERE r.project_id = ? ORDER BY r.started_at DESC LIMIT ?",
        (project_id, limit),
    )
    return [
        GateRunSummary(
            run_id=r["id"], backend=r["backend"], isolated=bool(r["isolated"]), tier=r["tier"],
            status=r["status"], started_at=r["started_at"],
            duration_s=(r["finished_at"] - r["started_at"]) if r["finished_at"] else None,
            failed=r["failed"], total=r["total"],
        )
        for r in rows
    ]


def load_report(store: Store, project_id: int, run_id: str | None) -> GateRunReport:
    """A finished run's report; the latest one when `run_id` is None (a prefix is enough)."""
    if run_id:  # a prefix compared as text: no LIKE, so `%` and `_` match only themselves
        row = store.query_one(
            "SELECT report_json FROM gate_runs WHERE project_id = ? AND substr(id, 1, ?) = ? "
            "ORDER BY started_at DESC LIMIT 1",
            (project_id, len(run_id), run_id.lower()),
        )
    else:
        row = store.query_one(
            "SELECT report_json FROM gate_runs WHERE project_id = ? AND report_json IS NOT NULL "
            "ORDER BY started_at DESC LIMIT 1",
            (project_id,),
        )
    if row is None or not row["report_json"]:
        raise NotFound(
            f"no finished gate run {run_id!r}" if run_id else "no gate run yet",
            hint="run the gates first", action=NextAction(kind="run_gates"),
        )
    report = GateRunReport.model_validate_json(row["report_json"])
    for result in report.results:
        if "percent" not in result.model_fields_set:  # stored before results said so
            result.percent = result.gate in _shipped_percent_gates()
    return report


@functools.cache
def _shipped_percent_gates() -> frozenset[str]:
    """The percent-scored gates of the stack every report older than `GateResult.percent` ran."""
    from bmadgen.gates.stack import DEFAULT_STACK, GATES_FILE, load_gates, stack_dir

    gates = load_gates(stack_dir(DEFAULT_STACK) / GATES_FILE).gates
    return frozenset(spec.name for spec in gates if spec.percent)


def save_waiver(store: Store, project_id: int, slice_name: str, gate: str, reason: str,
                who: str) -> Waiver:
    now = time.time()
    with store.write() as conn:
        conn.execute(
            "INSERT INTO gate_waivers (project_id, slice, gate, reason, who, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(project_id, slice, gate) DO UPDATE SET "
            "reason = excluded.reason, who = excluded.who, created_at = excluded.created_at",
            (project_id, slice_name, gate, reason, who, now),
        )
    return Waiver(slice=slice_name, gate=gate, reason=reason, who=who, created_at=now)


def waivers(store: Store, project_id: int) -> dict[tuple[str, str], Waiver]:
    rows = store.query("SELECT * FROM gate_waivers WHERE project_id = ?", (project_id,))
    return {
        (r["slice"], r["gate"]): Waiver(slice=r["slice"], gate=r["gate"], reason=r["reason"],
                                        who=r["who"], created_at=r["created_at"])
        for r in rows
    }


def record_usage(store: Store, project_id: int, run_id: str, backend: str, tier: str,
                 usage: SandboxUsage) -> None:
    with store.write() as conn:
        conn.execute(
            "INSERT INTO sandbox_usage (project_id, run_id, backend, tier, cpu_s, "
            "peak_memory_mb, wall_s, exec_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (project_id, run_id, backend, tier, usage.cpu_s, usage.peak_memory_mb, usage.wall_s,
             usage.exec_count, time.time()),
        )


def usage_totals(store: Store, project_id: int) -> dict[str, float]:
    row = store.query_one(
        "SELECT count(*) AS runs, coalesce(sum(cpu_s), 0) AS cpu_s, "
        "coalesce(max(peak_memory_mb), 0) AS peak_memory_mb, coalesce(sum(wall_s), 0) AS wall_s, "
        "coalesce(sum(exec_count), 0) AS exec_count FROM sandbox_usage WHERE project_id = ?",
        (project_id,),
    )
    assert row is not None  # an aggregate always answers one row
    return {key: round(float(row[key]), 3) for key in row.keys()}  # noqa: SIM118 - sqlite3.Row
