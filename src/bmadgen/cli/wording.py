"""How the CLI words what the services return as data: a next action becomes a command line.

Services never name `bmadgen ...` commands; they return a `NextAction` (in results and on
errors). This is the one place that turns it into the command a person types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bmadgen.errors import BmadgenError
    from bmadgen.models import NextAction


# The command (or, where there is none, the instruction) for each kind of next action; the
# action's own fields fill the braces.
COMMANDS: dict[str, str] = {
    "create_project": "bmadgen new NAME --type TYPE",
    "answer": "bmadgen phase run {phase}",
    "run_phase": "bmadgen phase run {phase}",
    "approve_phase": "bmadgen phase approve {phase}",
    "rollback_phase": "bmadgen phase rollback {phase}",
    "show_status": "bmadgen phase status",
    "generate": "bmadgen generate",
    "resolve_conflicts": "resolve the conflict markers, then git commit",
    "show_gates": "bmadgen gate show {run_id}",
    "fix_or_waive_gates": "bmadgen gate run (after a fix) or bmadgen gate waive {slice} "
                          "--gate GATE --reason '...'",
    "build_gate_image": "bmadgen sandbox image build",
    "build_app_image": "bmadgen app build",
    "run_gates": "bmadgen gate run",
    "diff_slice": "bmadgen slice diff {slice}",
    "list_projects": "bmadgen project list",
    "list_tasks": "bmadgen task list",
    "list_sandboxes": "bmadgen sandbox list",
    "sample_answers": "bmadgen answers sample --type {project_type}",
    "doctor": "bmadgen doctor",
    "done": "every phase is approved",
}


def command(action: NextAction) -> str:
    """The command line (or, where there is none, the instruction) for `action`."""
    template = COMMANDS.get(action.kind)
    if template is None:
        return action.detail or action.kind
    return template.format(phase=action.phase or "PHASE", slice=action.slice or "SLICE",
                           run_id=action.run_id or "",
                           project_type=action.project_type or "TYPE").rstrip()


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
