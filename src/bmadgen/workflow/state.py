"""The persisted state machine: one row per project and phase in `workflow_phases`.

    pending -> in_progress -> awaiting_approval -> approved
                   ^                                  |
                   +---- rollback / re-run <-- stale <+  (an upstream document changed)

Only the functions here change a phase's status, each inside one immediate transaction.
"""

from __future__ import annotations

import json
import time
from typing import Any, Literal

from pydantic import BaseModel

from bmadgen.definitions import Workflow
from bmadgen.errors import NotFound
from bmadgen.models import NextAction
from bmadgen.outcomes import DevelopmentOutcome
from bmadgen.store import Store

PhaseStatus = Literal["pending", "in_progress", "awaiting_approval", "approved", "stale"]


class PhaseState(BaseModel):
    phase: str
    position: int
    status: PhaseStatus
    stale_reason: str | None = None
    approved_hashes: dict[str, str] = {}
    written_hashes: dict[str, str] = {}
    # what a run was about to write when it recorded them (cleared when its state is
    # recorded): a run killed in between leaves files that are still bmadgen's own
    pending_hashes: dict[str, list[str]] = {}
    commit_sha: str | None = None
    checklist: dict[str, Any] | None = None
    outcome: DevelopmentOutcome | None = None  # the development phase's steps, read typed
    elicit_position: str | None = None
    started_at: float | None = None
    awaiting_at: float | None = None
    approved_at: float | None = None
    updated_at: float


_JSON_COLUMNS = ("approved_hashes", "written_hashes", "pending_hashes", "checklist", "outcome")


def _row(row: Any) -> PhaseState:
    data = dict(row)
    data.pop("project_id", None)
    for column in _JSON_COLUMNS:
        if data[column] is not None:
            data[column] = json.loads(data[column])
    return PhaseState(**data)


def ensure(store: Store, project_id: int, flow: Workflow) -> None:
    """Create the pending rows a project does not have yet (a new project, a new phase).

    Writes nothing when every row exists, so reading the status works on a read-only store."""
    have = {row[0] for row in store.query(
        "SELECT phase FROM workflow_phases WHERE project_id = ?", (project_id,))}
    if all(phase.id in have for phase in flow.phases):
        return
    now = time.time()
    with store.write() as conn:
        for position, phase in enumerate(flow.phases):
            conn.execute(
                "INSERT OR IGNORE INTO workflow_phases (project_id, phase, position, updated_at) "
                "VALUES (?,?,?,?)",
                (project_id, phase.id, position, now),
            )


def all_states(store: Store, project_id: int) -> list[PhaseState]:
    rows = store.query(
        "SELECT * FROM workflow_phases WHERE project_id = ? ORDER BY position", (project_id,)
    )
    return [_row(r) for r in rows]


def get(store: Store, project_id: int, phase: str) -> PhaseState:
    row = store.query_one(
        "SELECT * FROM workflow_phases WHERE project_id = ? AND phase = ?", (project_id, phase)
    )
    if row is None:
        raise NotFound(f"the project has no workflow state for phase {phase!r}",
                       hint="only projects created by the workflow have phases; create one",
                       action=NextAction(kind="create_project"))
    return _row(row)


def update(store: Store, project_id: int, phase: str, **changes: Any) -> PhaseState:
    for column in _JSON_COLUMNS:
        if column in changes and changes[column] is not None:
            changes[column] = json.dumps(changes[column], sort_keys=True)
    changes["updated_at"] = time.time()
    assignments = ", ".join(f"{column} = ?" for column in changes)
    with store.write() as conn:
        conn.execute(
            f"UPDATE workflow_phases SET {assignments} WHERE project_id = ? AND phase = ?",
            (*changes.values(), project_id, phase),
        )
    return get(store, project_id, phase)


def record_event(store: Store, project_id: int, phase: str, event: str) -> None:
    """Keep a phase event (a rollback) for the history insights read."""
    with store.write() as conn:
        conn.execute("INSERT INTO phase_events (project_id, phase, event, at) VALUES (?, ?, ?, ?)",
                     (project_id, phase, event, time.time()))


def mark_stale(store: Store, project_id: int, phases: list[str], reason: str) -> list[str]:
    """Flag the phases that have output (not pending, not in progress) as stale; keep the first
    reason a phase was given so the original cause stays visible."""
    marked = []
    now = time.time()
    with store.write() as conn:
        for phase in phases:
            cur = conn.execute(
                "UPDATE workflow_phases SET status = 'stale', stale_reason = ?, updated_at = ? "
                "WHERE project_id = ? AND phase = ? AND status IN ('approved', 'awaiting_approval')",
                (reason, now, project_id, phase),
            )
            if cur.rowcount:
                marked.append(phase)
    return marked
