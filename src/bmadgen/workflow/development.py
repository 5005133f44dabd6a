"""The development phase: the scrum master's story tasks, then the dev and QA steps.

`run_development_steps` calls generation (dev) and the quality gates (QA), and records the
gates' verdicts on the story tasks; generation and gates are imported inside it because they
pull in Jinja, git and the Docker SDK, which the other phases never need.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bmadgen import memory, tasks
from bmadgen.errors import BmadgenError
from bmadgen.models import Project, Task
from bmadgen.outcomes import DevelopmentOutcome, StepOutcome
from bmadgen.plan import Plan
from bmadgen.store import Store

if TYPE_CHECKING:
    from bmadgen.gates.models import GateEvent, GateRunReport


def create_story_tasks(store: Store, project: Project, plan: Plan) -> list[Task]:
    """One story task per feature (`tasks.slice_ref`) and one child task per story.

    Re-running the phase updates these tasks instead of adding duplicates.
    """
    from bmadgen.agents.runner import SUGGESTION_PREFIX
    from bmadgen.workflow.history import story_notes

    created = []
    notes = story_notes(store, project)
    for feature in plan.features:
        criteria = [c for s in feature.stories for c in s.story.acceptance]
        description = (
            f"Build and prove the {feature.name} slice ({', '.join(feature.requirement_ids)}).\n"
            + "".join(f"{SUGGESTION_PREFIX}{note}\n" for note in notes.get(feature.name, []))
            + "Acceptance criteria:\n" + "\n".join(f"- {c}" for c in criteria)
        )
        parent = tasks.upsert_by_ref(store, project.id, tasks.slice_ref(feature.name),
                                     f"Slice {feature.name}: {feature.title}",
                                     description=description, priority="high")
        created.append(parent)
        for number, planned in enumerate(feature.stories, start=1):
            story = planned.story
            text = (f"As a {story.role}, I want to {story.goal}, so that {story.benefit}. "
                    f"({planned.fr_id})\nAcceptance criteria:\n"
                    + "\n".join(f"- {c}" for c in story.acceptance))
            created.append(tasks.upsert_by_ref(
                store, project.id, tasks.story_ref(feature.name, number), f"Story: {story.title}",
                description=text, priority="high", parent_id=parent.id))
    _flag_dropped_slices(store, project, {f.name for f in plan.features})
    return created


DROPPED_NOTE = "this feature is no longer in the app spec (dropped by a later architecture run)"


def _flag_dropped_slices(store: Store, project: Project, kept: set[str]) -> None:
    """A slice task whose feature was dropped is kept (it may hold notes) but says so once."""
    for task in tasks.active_with_ref_prefix(store, project.id, tasks.SLICE_REF_PREFIX):
        if (task.ref or "").removeprefix(tasks.SLICE_REF_PREFIX) in kept:
            continue
        if not any(note.text == DROPPED_NOTE for note in task.notes):
            tasks.update(store, project.id, task.id, note=DROPPED_NOTE)


def _gates_summary(report: GateRunReport) -> str:
    """One line a person can act on: the verdict per slice, where the gates ran, the run id."""
    failing = [r.label for r in report.results
               if r.required and r.status not in ("passed", "not_run") and not r.waived_by]
    where = f"{report.backend} sandbox" + ("" if report.isolated else " (NOT ISOLATED)")
    verdicts = ", ".join(f"{v.slice} {v.verdict}" for v in report.verdicts)
    text = (f"{'passed' if report.passed else 'failed'} in the {where}: {verdicts or 'no slices'}"
            f" (gate run {report.run_id})")
    if failing:
        text += f"; failing: {', '.join(failing[:10])}"
    return text


def run_phase_steps(store: Store, project: Project, project_dir: Path, plan: Plan, *,
                    progress: Callable[[GateEvent], None] | None = None) -> DevelopmentOutcome:
    """The development phase after its document is written: story tasks, dev, QA, and the
    outcome kept in memory."""
    create_story_tasks(store, project, plan)
    outcome = run_development_steps(store, project, project_dir, progress=progress)
    memory.add(store, project.id, outcome_text(outcome), title="Development outcome",
               importance="high", kind="note")
    return outcome


def outcome_text(outcome: DevelopmentOutcome) -> str:
    return (f"Dev (generation): {outcome.generation.status}. {outcome.generation.detail}\n"
            f"QA (gates): {outcome.gates.status}. {outcome.gates.detail}")


def run_development_steps(store: Store, project: Project, project_dir: Path, *,
                          progress: Callable[[GateEvent], None] | None = None,
                          ) -> DevelopmentOutcome:
    """Dev: generate the app from appspec.yaml. QA: run the quality gates on it (all of them:
    the verdict of record) and record their verdicts."""
    from bmadgen.gates.service import run_gates
    from bmadgen.generate.service import generate_app
    from bmadgen.settings import get_settings
    from bmadgen.workflow.qa import record_verdicts

    try:
        generation = StepOutcome(status="done", detail=generate_app(project_dir).summary)
    except BmadgenError as exc:
        generation = StepOutcome(status="failed", detail=exc.one_line())
    if generation.status != "done":
        return DevelopmentOutcome(generation=generation, gates=StepOutcome(
            status="not_available", detail="gates not run: the application was not generated"))
    try:
        settings = get_settings()  # the backend and tier the person chose (BMADGEN_SANDBOX ...)
        report = run_gates(store, project, project_dir, progress=progress,
                           sandbox=settings.sandbox, tier=settings.tier)
    except BmadgenError as exc:
        return DevelopmentOutcome(generation=generation,
                                  gates=StepOutcome(status="failed", detail=exc.one_line()))
    record_verdicts(store, project, report)
    return DevelopmentOutcome(generation=generation, gates=StepOutcome(
        status="done" if report.passed else "failed", detail=_gates_summary(report),
        run_id=report.run_id))
