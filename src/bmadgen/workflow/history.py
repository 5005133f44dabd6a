"""What the person's other projects suggest for a phase run, shown as suggestions (never
rules): a warning in the stories of a feature that failed the same gate in more than one of
them, and the budget for the phase from what their model calls in it cost."""

from __future__ import annotations

from bmadgen.definitions import DocTemplate, Section
from bmadgen.models import Project
from bmadgen.plan import Plan
from bmadgen.share import insights
from bmadgen.share.insights import Suggestion
from bmadgen.store import Store

__all__ = ["Suggestion", "phase_suggestions", "story_notes"]


def story_notes(store: Store, project: Project) -> dict[str, list[str]]:
    """Per feature (slice name), the sentences its stories carry."""
    return {feature: [w.detail for w in warnings]
            for feature, warnings in insights.feature_warnings(store, project.id).items()}


def _takes_suggestions(sections: list[Section]) -> bool:
    return any(s.suggestions or _takes_suggestions(s.sections) for s in sections)


def phase_suggestions(store: Store, project: Project, phase: str, template: DocTemplate,
                      plan: Plan, *, llm: bool) -> list[Suggestion]:
    """What a phase run shows beside its result: the warnings its document carries (when it
    writes stories), and with the LLM provider the budget suggested for the phase."""
    out: list[Suggestion] = []
    if _takes_suggestions(template.sections):
        warnings = insights.feature_warnings(store, project.id)
        for feature in plan.feature_names:
            out += warnings.get(feature, [])
    if llm:
        out += insights.phase_budget_suggestions(store, [phase], project.id)
    return out
