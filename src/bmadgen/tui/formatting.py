"""How values read on screen: times, phase states, verdicts."""

from __future__ import annotations

import time
from typing import Any

PHASE_MARKS = {
    "pending": "○",
    "in_progress": "◐",
    "awaiting_approval": "◉",
    "approved": "●",
    "stale": "⚠",
    "done": "●",
}

VERDICT_STYLES = {"PASS": "green", "CONCERNS": "yellow", "FAIL": "red", "WAIVED": "cyan"}
STATUS_STYLES = {"passed": "green", "failed": "red", "error": "red", "timeout": "red",
                 "not_run": "dim", "skipped": "dim", "waived": "cyan"}


def when(timestamp: float | None, now: float | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', else the date."""
    if not timestamp:
        return "-"
    age = (now if now is not None else time.time()) - timestamp
    if age < 60:
        return "just now"
    if age < 3600:
        return f"{int(age // 60)} min ago"
    if age < 86400:
        return f"{int(age // 3600)} h ago"
    return time.strftime("%Y-%m-%d", time.localtime(timestamp))


def phase_label(status: str | None) -> str:
    if status is None:
        return "no phases"
    return f"{PHASE_MARKS.get(status, '?')} {status.replace('_', ' ')}"


def score_text(score: float | None, percent: bool) -> str:
    if score is None:
        return "-"
    return f"{score:.0f}%" if percent else f"{score:g}"


def next_step(action: Any) -> str:  # a NextAction
    """What to do next, in the wizard's keys (the CLI words the same action as a command)."""
    phase = action.phase or "the next phase"
    steps = {
        "create_project": "create a project: n on the dashboard",
        "answer": f"answer the questions of {phase}: r",
        "run_phase": f"run {phase}: r",
        "approve_phase": f"review the document, then approve {phase}: a",
        "rollback_phase": f"roll back {phase} to change it: x",
        "generate": "generate the app: s, then g",
        "resolve_conflicts": "resolve the conflict markers in the slice's files: s",
        "run_gates": "run the quality gates: g",
        "show_gates": "see the gate run: g",
        "fix_or_waive_gates": "fix or waive the failing gates: g",
        "done": "every phase is approved: slices (s), gates (g)",
    }
    text = steps.get(action.kind, action.kind.replace("_", " "))
    return f"{text} ({action.detail})" if action.detail else text


def gate_line(event: Any) -> str:
    """One line of a live gate log for a gate event (plain text: escape it for markup)."""
    label = event.gate + (f"[{event.slice}]" if event.slice else "")
    if event.kind == "started":
        return f"gate {label} started"
    if event.kind == "finished" and event.result is not None:
        result = event.result
        score = score_text(result.score, result.percent)
        return (f"gate {label}: {result.status} (score {score}, threshold "
                f"{score_text(result.threshold, result.percent)}"
                f"{', cached' if result.cached else ''}) {result.detail}").rstrip()
    return f"note: {event.message}"
