"""What a phase makes besides its document, looked up by phase id.

`FILES` maps a phase to the extra files it writes next to its document (the prototype's pages,
the app spec); `STEPS` maps a phase to the work it does once its files are written (the
development phase's story tasks, dev and QA steps), returning the outcome its checklist
scores. A phase in neither writes its document only. The engine asks these tables; it has no
branch per phase.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bmadgen import appspec
from bmadgen.agents.provider import Provider
from bmadgen.models import Project
from bmadgen.outcomes import DevelopmentOutcome
from bmadgen.plan import Plan
from bmadgen.store import Store


@dataclass(frozen=True)
class PhaseRun:
    """One run of a phase, as the extra files and steps see it."""

    store: Store
    project: Project
    folder: Path
    plan: Plan
    provider: Provider
    progress: Callable[[Any], None] | None = None


def prototype_pages(run: PhaseRun) -> dict[str, str]:
    from bmadgen.workflow import prototype

    return prototype.build(run.plan)


def app_spec(run: PhaseRun) -> dict[str, str]:
    """The provider's app spec, validated as generation will read it, written once."""
    spec = run.provider.appspec(run.plan)
    appspec.parse(spec.model_dump(mode="json"), "the generated app spec")
    return {appspec.SPEC_FILENAME: appspec.dump(spec)}


def development_steps(run: PhaseRun) -> DevelopmentOutcome:
    from bmadgen.workflow import development

    return development.run_phase_steps(run.store, run.project, run.folder, run.plan,
                                       progress=run.progress)


FILES: dict[str, Callable[[PhaseRun], dict[str, str]]] = {
    "prototype": prototype_pages,
    "architecture": app_spec,
}
STEPS: dict[str, Callable[[PhaseRun], DevelopmentOutcome]] = {
    "development": development_steps,
}


def extra_files(phase_id: str, run: PhaseRun) -> dict[str, str]:
    make = FILES.get(phase_id)
    return make(run) if make else {}


def run_steps(phase_id: str, run: PhaseRun) -> DevelopmentOutcome | None:
    steps = STEPS.get(phase_id)
    return steps(run) if steps else None
