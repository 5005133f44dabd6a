"""What an approved phase leaves for the next one: a handoff (what it produced, its key facts,
what comes next) and the decisions worth remembering, both in the project memory.

The key facts of each phase are drawn by a function looked up by phase id in `FACTS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bmadgen import definitions, handoff, memory
from bmadgen.agents.checklists import ChecklistResult
from bmadgen.appspec import AppSpec
from bmadgen.definitions import Phase, Workflow
from bmadgen.models import Project
from bmadgen.outcomes import DevelopmentOutcome
from bmadgen.plan import Plan
from bmadgen.store import Store


@dataclass(frozen=True)
class Approved:
    """What the facts of an approved phase are drawn from."""

    plan: Plan
    outcome: DevelopmentOutcome | None = None
    spec: AppSpec | None = None  # the approved app spec, for a phase that writes one


Facts = tuple[str, list[str]]  # a line for the handoff, and the decisions to remember


def _vision(approved: Approved) -> Facts:
    plan = approved.plan
    users = "; ".join(plan.answer("vision", "users", []))
    return f"Summary: {plan.answer('vision', 'summary', '')} Users: {users}.", []


def _requirements(approved: Approved) -> Facts:
    plan = approved.plan
    features = ", ".join(plan.feature_names)
    counts = (f"{len(plan.functional_requirements)} FRs and "
              f"{len(plan.non_functional_requirements)} NFRs")
    return (f"{counts} over the slices {features}.",
            [f"Feature slices for the first version: {features}"])


def _prototype(approved: Approved) -> Facts:
    plan = approved.plan
    style = plan.answer("prototype", "style", "clean")
    layout = plan.answer("prototype", "layout", "top-nav")
    features = ", ".join(plan.feature_names)
    return (f"Prototype pages for {features}; {style} style, {layout} navigation.",
            [f"Interface: {style} style with {layout} navigation"])


def _architecture(approved: Approved) -> Facts:
    spec = approved.spec
    if spec is None:
        return "", []
    entities = sum(len(f.entities) for f in spec.features)
    endpoints = sum(len(f.endpoints) for f in spec.features)
    auth = approved.plan.answer("architecture", "auth", "none")
    return ((f"App spec: {len(spec.features)} features, {entities} entities, {endpoints} "
             f"endpoints on {spec.stack.name}."),
            [(f"Stack: {spec.stack.name} with {spec.stack.database}; authentication: {auth}; "
              f"vertical slices: {', '.join(approved.plan.feature_names)}")])


def _development(approved: Approved) -> Facts:
    outcome = approved.outcome
    generation = outcome.generation.status if outcome else "not run"
    gates = outcome.gates.status if outcome else "not run"
    features = ", ".join(approved.plan.feature_names)
    return f"Story tasks for {features}; generation {generation}; gates {gates}.", []


FACTS: dict[str, Callable[[Approved], Facts]] = {
    "vision": _vision,
    "requirements": _requirements,
    "prototype": _prototype,
    "architecture": _architecture,
    "development": _development,
}


def handoff_text(flow: Workflow, phase: Phase, commit_sha: str | None,
                 checklist: ChecklistResult, facts: str) -> str:
    agent = definitions.agent(phase.agent)
    index = flow.index(phase.id)
    following = flow.phases[index + 1] if index + 1 < len(flow.phases) else None
    nxt = (f"Next: {following.title} by the {definitions.agent(following.agent).title}, reading "
           f"{', '.join(following.requires)}." if following else "All phases are done.")
    return (f"{phase.title} approved ({agent.title}). Documents: {', '.join(phase.produces)} "
            f"(commit {(commit_sha or '')[:8]}). Checklist: {checklist.summary}. {facts} {nxt}")


def record(store: Store, project: Project, flow: Workflow, phase: Phase, *,
           commit_sha: str | None, checklist: ChecklistResult, approved: Approved) -> None:
    """The handoff of an approved phase, and its decisions as memories."""
    facts, decisions = FACTS.get(phase.id, lambda _approved: ("", []))(approved)
    handoff.record(store, project.id, handoff_text(flow, phase, commit_sha, checklist, facts),
                   phase=phase.id)
    for decision in decisions:
        memory.add(store, project.id, decision, title=f"{phase.title} decision",
                   importance="high", kind="decision")
