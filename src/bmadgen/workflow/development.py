"""The development phase: the scrum master's story tasks, then the dev and QA steps.

`run_development_steps` is the seam to generation (dev) and the quality gates (QA): both
are imported lazily, and a module that does not exist yet gives a "not available yet"
outcome instead of an error, so the workflow runs end to end while they are being built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from bmadgen import tasks
from bmadgen.errors import BmadgenError
from bmadgen.models import Project, Task
from bmadgen.store import Store
from bmadgen.workflow.plan import Plan

StepStatus = Literal["done", "failed", "not_available"]


class StepOutcome(BaseModel):
    status: StepStatus
    detail: str = ""


class DevelopmentOutcome(BaseModel):
    generation: StepOutcome
    gates: StepOutcome


def _task_by_ref(store: Store, project_id: int, ref: str) -> int | None:
    row = store.query_one(
        "SELECT id FROM tasks WHERE project_id = ? AND ref = ? ORDER BY id LIMIT 1",
        (project_id, ref),
    )
    return int(row["id"]) if row else None


def _upsert(store: Store, project_id: int, ref: str, title: str, description: str,
            parent_id: int | None = None) -> Task:
    existing = _task_by_ref(store, project_id, ref)
    if existing is None:
        return tasks.add(store, project_id, title, description=description, priority="high",
                         parent_id=parent_id, ref=ref)
    current = tasks.get(store, project_id, existing)
    if current.title == title and current.description == description:
        return current
    return tasks.update(store, project_id, existing, title=title, description=description)


def create_story_tasks(store: Store, project: Project, plan: Plan) -> list[Task]:
    """One story task per feature (ref slice:<feature>) and one child task per story.

    Re-running the phase updates these tasks instead of adding duplicates.
    """
    created = []
    for feature in plan.features:
        criteria = [c for s in feature.stories for c in s.story.acceptance]
        description = (
            f"Build and prove the {feature.name} slice ({', '.join(feature.requirement_ids)}).\n"
            "Acceptance criteria:\n" + "\n".join(f"- {c}" for c in criteria)
        )
        parent = _upsert(store, project.id, f"slice:{feature.name}",
                         f"Slice {feature.name}: {feature.title}", description)
        created.append(parent)
        for number, planned in enumerate(feature.stories, start=1):
            story = planned.story
            text = (f"As a {story.role}, I want to {story.goal}, so that {story.benefit}. "
                    f"({planned.fr_id})\nAcceptance criteria:\n"
                    + "\n".join(f"- {c}" for c in story.acceptance))
            created.append(_upsert(store, project.id, f"story:{feature.name}:{number}",
                                   f"Story: {story.title}", text, parent_id=parent.id))
    _flag_dropped_slices(store, project, {f.name for f in plan.features})
    return created


DROPPED_NOTE = "this feature is no longer in the app spec (dropped by a later architecture run)"


def _flag_dropped_slices(store: Store, project: Project, kept: set[str]) -> None:
    """A slice task whose feature was dropped is kept (it may hold notes) but says so once."""
    rows = store.query(
        "SELECT id, ref FROM tasks WHERE project_id = ? AND status = 'active' AND ref LIKE "
        "'slice:%'", (project.id,))
    for row in rows:
        if row["ref"].removeprefix("slice:") in kept:
            continue
        task = tasks.get(store, project.id, row["id"])
        if not any(note.text == DROPPED_NOTE for note in task.notes):
            tasks.update(store, project.id, task.id, note=DROPPED_NOTE)


def _unavailable(exc: ModuleNotFoundError, modules: tuple[str, ...]) -> bool:
    return exc.name in modules


def _summary(result: Any) -> str:
    """A line about a step's result, read duck-typed so the seam does not depend on the shape
    of the generation and gate models."""
    for attribute in ("summary", "message"):
        value = getattr(result, attribute, None)
        if isinstance(value, str) and value:
            return value
    results = getattr(result, "results", None)
    if isinstance(results, list):
        failed = [getattr(r, "label", getattr(r, "gate", "?")) for r in results
                  if getattr(r, "status", "passed") not in ("passed", "not_run")
                  and getattr(r, "required", True) and not getattr(r, "waived_by", None)]
        verdict = "passed" if getattr(result, "passed", not failed) else "failed"
        return f"{verdict}: {len(results) - len(failed)}/{len(results)} gate results pass" + (
            f"; failing: {', '.join(failed[:10])}" if failed else "")
    return type(result).__name__ if result is not None else "ok"


def run_development_steps(store: Store, project: Project, project_dir: Path) -> DevelopmentOutcome:
    """Dev: generate the app from appspec.yaml. QA: run the quality gates on it."""
    try:
        from bmadgen.generate.service import generate_app
    except ModuleNotFoundError as exc:
        if not _unavailable(exc, ("bmadgen.generate", "bmadgen.generate.service")):
            raise
        generation = StepOutcome(status="not_available",
                                 detail="generation (bmadgen.generate.service) is not available yet")
    else:
        try:
            generation = StepOutcome(status="done", detail=_summary(generate_app(project_dir)))
        except BmadgenError as exc:
            generation = StepOutcome(status="failed", detail=exc.one_line())
    if generation.status != "done":
        return DevelopmentOutcome(generation=generation, gates=StepOutcome(
            status="not_available", detail="gates not run: the application was not generated"))
    try:
        from bmadgen.gates.service import run_gates
    except ModuleNotFoundError as exc:
        if not _unavailable(exc, ("bmadgen.gates", "bmadgen.gates.service")):
            raise
        return DevelopmentOutcome(generation=generation, gates=StepOutcome(
            status="not_available", detail="gates (bmadgen.gates.service) are not available yet"))
    try:
        result = run_gates(store, project, project_dir)
    except BmadgenError as exc:
        return DevelopmentOutcome(generation=generation,
                                  gates=StepOutcome(status="failed", detail=exc.one_line()))
    passed = getattr(result, "passed", True)
    return DevelopmentOutcome(generation=generation, gates=StepOutcome(
        status="done" if passed else "failed", detail=_summary(result)))
