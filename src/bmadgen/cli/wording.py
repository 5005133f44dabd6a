"""How the CLI words what the services return as data: a next action becomes a command line.

Services never name `bmadgen ...` commands; they return a `NextAction` (in results and on
errors). This is the one place that turns it into the command a person types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bmadgen.errors import BmadgenError
    from bmadgen.models import NextAction


def command(action: NextAction) -> str:
    """The command line (or, where there is none, the instruction) for `action`."""
    phase = action.phase or "PHASE"
    kind = action.kind
    if kind == "create_project":
        return "bmadgen new NAME --type TYPE"
    if kind in ("answer", "run_phase"):
        return f"bmadgen phase run {phase}"
    if kind == "approve_phase":
        return f"bmadgen phase approve {phase}"
    if kind == "rollback_phase":
        return f"bmadgen phase rollback {phase}"
    if kind == "show_status":
        return "bmadgen phase status"
    if kind == "generate":
        return "bmadgen generate"
    if kind == "resolve_conflicts":
        return "resolve the conflict markers, then git commit"
    if kind == "show_gates":
        return f"bmadgen gate show {action.run_id}" if action.run_id else "bmadgen gate show"
    if kind == "fix_or_waive_gates":
        target = action.slice or "SLICE"
        return f"bmadgen gate run (after a fix) or bmadgen gate waive {target} --gate GATE " \
               "--reason '...'"
    if kind == "build_gate_image":
        return "bmadgen sandbox image build"
    if kind == "run_gates":
        return "bmadgen gate run"
    if kind == "diff_slice":
        return f"bmadgen slice diff {action.slice or 'SLICE'}"
    if kind == "list_projects":
        return "bmadgen project list"
    if kind == "list_tasks":
        return "bmadgen task list"
    if kind == "list_sandboxes":
        return "bmadgen sandbox list"
    if kind == "sample_answers":
        return f"bmadgen answers sample --type {action.project_type or 'TYPE'}"
    if kind == "doctor":
        return "bmadgen doctor"
    if kind == "done":
        return "every phase is approved"
    return action.detail or kind


def error_line(exc: BmadgenError) -> str:
    """The one line the CLI prints for an error: its hint completed with the worded action."""
    if exc.action is None:
        return exc.one_line()
    words = command(exc.action)
    if exc.hint and words in exc.hint:
        return exc.one_line()
    saved = exc.hint
    exc.hint = f"{saved}: {words}" if saved else words
    try:
        return exc.one_line()
    finally:
        exc.hint = saved
