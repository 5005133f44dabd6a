"""What a person's own history says, read from their store: project types and stacks, the
features that recur, the gates that fail most and on which slices, mutation scores over time,
time per phase, the phases rolled back most, and LLM cost when it is recorded.

Everything is read from what the other parts record; a source with nothing in it is reported
as "no data yet", never filled in. Suggestions are derived from the same numbers and labelled
as suggestions.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel

from bmadgen.store import Store

NO_DATA = "no data yet"
MUTATION_GATE = "mutation"


class Count(BaseModel):
    name: str
    count: int


class Recurring(BaseModel):
    feature: str
    projects: list[str]


class GateFailure(BaseModel):
    gate: str
    slice: str  # "" for an app-wide gate
    failures: int
    results: int  # results of this gate on this slice, failed or not
    projects: list[str]


class MutationPoint(BaseModel):
    project: str
    slice: str
    score: float
    at: float


class PhaseTime(BaseModel):
    phase: str
    projects: int
    median_s: float


class Cost(BaseModel):
    name: str
    cost_usd: float
    calls: int


class CostSummary(BaseModel):
    available: bool
    note: str
    total_usd: float | None = None
    by_phase: list[Cost] = []
    by_agent: list[Cost] = []


class PhaseBudget(BaseModel):
    phase: str
    median_usd: float  # the median of the past projects' LLM spend in this phase
    projects: int  # how many projects had calls in it


class Budgets(BaseModel):
    available: bool
    note: str
    by_phase: list[PhaseBudget] = []


class Suggestion(BaseModel):
    kind: str  # "stack", "gate_warning", "budget"
    project_type: str | None = None
    feature: str | None = None
    gate: str | None = None
    projects: list[str] = []
    phase: str | None = None
    usd: float | None = None
    detail: str


class Insights(BaseModel):
    projects: int
    types: list[Count]
    stacks: list[Count]
    recurring_features: list[Recurring]
    gate_failures: list[GateFailure]
    mutation_scores: list[MutationPoint]
    phase_times: list[PhaseTime]
    rollbacks: list[Count]
    cost: CostSummary
    budgets: Budgets
    suggestions: list[Suggestion]


def _answers(store: Store, phase: str, key: str) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for row in store.query("SELECT project_id, value FROM workflow_answers WHERE phase = ? "
                           "AND key = ? ORDER BY answered_at", (phase, key)):
        try:
            out[int(row["project_id"])] = json.loads(row["value"])
        except (TypeError, ValueError):
            continue
    return out


def _counts(values: list[str]) -> list[Count]:
    return [Count(name=name, count=n)
            for name, n in sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))]


def collect(store: Store) -> Insights:
    projects = {int(r["id"]): (r["name"], r["type"])
                for r in store.query("SELECT id, name, type FROM projects ORDER BY id")}
    stacks = _answers(store, "architecture", "stack")
    features = _answers(store, "requirements", "features")
    failures = _gate_failures(store, projects)
    budgets = phase_budgets(store)
    return Insights(
        projects=len(projects),
        types=_counts([t for _, t in projects.values()]),
        stacks=_counts([str(s) for pid, s in stacks.items() if pid in projects]),
        recurring_features=_recurring(features, projects),
        gate_failures=failures,
        mutation_scores=_mutation(store, projects),
        phase_times=_phase_times(store),
        rollbacks=_rollbacks(store),
        cost=llm_costs(store),
        budgets=budgets,
        suggestions=_suggestions(projects, stacks, failures)
        + [budget_suggestion(b) for b in budgets.by_phase],
    )


def _recurring(features: dict[int, Any], projects: dict[int, tuple[str, str]]) -> list[Recurring]:
    used: dict[str, list[str]] = defaultdict(list)
    for pid, names in features.items():
        if pid in projects and isinstance(names, list):
            for name in dict.fromkeys(str(n) for n in names):
                used[name].append(projects[pid][0])
    return [Recurring(feature=f, projects=sorted(p))
            for f, p in sorted(used.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            if len(p) > 1]


def _gate_failures(store: Store, projects: dict[int, tuple[str, str]]) -> list[GateFailure]:
    rows = store.query(
        "SELECT gate, slice, project_id, SUM(status = 'failed') AS failures, COUNT(*) AS results "
        "FROM gate_results WHERE status IN ('passed', 'failed') "
        "GROUP BY gate, slice, project_id")
    merged: dict[tuple[str, str], GateFailure] = {}
    for row in rows:
        key = (row["gate"], row["slice"])
        item = merged.setdefault(key, GateFailure(gate=key[0], slice=key[1], failures=0,
                                                  results=0, projects=[]))
        item.failures += int(row["failures"])
        item.results += int(row["results"])
        if int(row["failures"]) and int(row["project_id"]) in projects:
            item.projects.append(projects[int(row["project_id"])][0])
    failing = [g for g in merged.values() if g.failures]
    for g in failing:
        g.projects.sort()
    return sorted(failing, key=lambda g: (-g.failures, g.gate, g.slice))


def _mutation(store: Store, projects: dict[int, tuple[str, str]]) -> list[MutationPoint]:
    rows = store.query(
        "SELECT project_id, slice, score, created_at FROM gate_results WHERE gate = ? "
        "AND score IS NOT NULL AND cached = 0 ORDER BY created_at", (MUTATION_GATE,))
    return [MutationPoint(project=projects[int(r["project_id"])][0], slice=r["slice"],
                          score=float(r["score"]), at=float(r["created_at"]))
            for r in rows if int(r["project_id"]) in projects]


def _phase_times(store: Store) -> list[PhaseTime]:
    durations: dict[str, list[float]] = defaultdict(list)
    order: dict[str, int] = {}
    for row in store.query("SELECT phase, position, started_at, approved_at FROM "
                           "workflow_phases WHERE started_at IS NOT NULL AND approved_at IS NOT "
                           "NULL AND approved_at >= started_at"):
        durations[row["phase"]].append(float(row["approved_at"]) - float(row["started_at"]))
        order[row["phase"]] = int(row["position"])
    return [PhaseTime(phase=p, projects=len(d), median_s=statistics.median(d))
            for p, d in sorted(durations.items(), key=lambda kv: order[kv[0]])]


def _rollbacks(store: Store) -> list[Count]:
    rows = store.query("SELECT phase FROM phase_events WHERE event = 'rollback'")
    return _counts([r["phase"] for r in rows])


def _table_columns(store: Store, table: str) -> set[str]:
    return {str(r["name"]) for r in store.query(f"PRAGMA table_info({table})")}


def llm_costs(store: Store) -> CostSummary:
    """LLM cost per phase and agent, from the calls the LLM gateway records (`llm_calls`);
    "no data yet" while no call was recorded. Calls made before a project existed (drafting the
    answers of `new --idea`) count in the total, under no phase."""
    if not _table_columns(store, "llm_calls"):
        return CostSummary(available=False, note=NO_DATA)
    total = store.query_one("SELECT COUNT(*) AS n, SUM(cost_usd) AS usd FROM llm_calls")
    if total is None or not total["n"]:
        return CostSummary(available=False, note=NO_DATA)

    def by(column: str) -> list[Cost]:
        rows = store.query(f"SELECT {column} AS name, SUM(cost_usd) AS usd, COUNT(*) AS n "
                           f"FROM llm_calls GROUP BY {column} ORDER BY usd DESC, name")
        return [Cost(name=str(r["name"] or "-"), cost_usd=float(r["usd"] or 0),
                     calls=int(r["n"])) for r in rows]

    return CostSummary(available=True, note="", total_usd=float(total["usd"] or 0),
                       by_phase=by("phase"), by_agent=by("agent"))


def _suggestions(projects: dict[int, tuple[str, str]], stacks: dict[int, Any],
                 failures: list[GateFailure]) -> list[Suggestion]:
    out: list[Suggestion] = []
    last_stack: dict[str, str] = {}
    for pid in sorted(stacks):  # project ids grow with time: the last one wins
        if pid in projects:
            last_stack[projects[pid][1]] = str(stacks[pid])
    for project_type, stack in sorted(last_stack.items()):
        out.append(Suggestion(kind="stack", project_type=project_type,
                              detail=f"{project_type}: the {stack} stack was chosen last time"))
    out += _gate_warnings(failures)
    return out


def _gate_warnings(failures: list[GateFailure]) -> list[Suggestion]:
    """A feature (slice) that failed the same gate in more than one project."""
    return [Suggestion(kind="gate_warning", feature=f.slice, gate=f.gate,
                       projects=list(f.projects),
                       detail=f"{f.slice} failed the {f.gate} gate in {len(f.projects)} "
                              "projects; plan for it")
            for f in failures if f.slice and len(f.projects) > 1]


def feature_warnings(store: Store, project_id: int) -> dict[str, list[Suggestion]]:
    """Per feature (slice name), the gates it failed in more than one of the person's other
    projects (this project's own results do not count): what its stories warn about."""
    projects = {int(r["id"]): (r["name"], r["type"])
                for r in store.query("SELECT id, name, type FROM projects WHERE id != ? "
                                     "ORDER BY id", (project_id,))}
    out: dict[str, list[Suggestion]] = defaultdict(list)
    for warning in _gate_warnings(_gate_failures(store, projects)):
        out[str(warning.feature)].append(warning)
    return dict(out)


def phase_budgets(store: Store, exclude_project_id: int | None = None) -> Budgets:
    """Per phase, the median of what each past project's LLM calls in that phase cost (only
    the projects that made calls in it; calls under no phase or no project are left out);
    "no data yet" while there are none."""
    if not _table_columns(store, "llm_calls"):
        return Budgets(available=False, note=NO_DATA)
    rows = store.query(
        "SELECT phase, project_id, SUM(cost_usd) AS usd FROM llm_calls WHERE phase != '' "
        "AND project_id IS NOT NULL AND project_id != ? GROUP BY phase, project_id",
        (-1 if exclude_project_id is None else exclude_project_id,))
    spent: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        spent[str(row["phase"])].append(float(row["usd"] or 0))
    if not spent:
        return Budgets(available=False, note=NO_DATA)
    order = {str(r["phase"]): int(r["position"]) for r in store.query(
        "SELECT phase, MIN(position) AS position FROM workflow_phases GROUP BY phase")}
    return Budgets(available=True, note="", by_phase=[
        PhaseBudget(phase=phase, median_usd=round(statistics.median(values), 6),
                    projects=len(values))
        for phase, values in sorted(spent.items(),
                                    key=lambda kv: (order.get(kv[0], len(order)), kv[0]))])


def budget_suggestion(budget: PhaseBudget | None, phase: str | None = None) -> Suggestion:
    """The budget suggested for a phase from past spend, or "no data yet"."""
    name = budget.phase if budget is not None else str(phase)
    amount = f"${budget.median_usd:.2f}" if budget is not None else NO_DATA
    detail = f"suggested budget for {name} from past projects: {amount}"
    if budget is not None:
        detail += (f" (the median of {budget.projects} project"
                   f"{'s' if budget.projects != 1 else ''})")
    return Suggestion(kind="budget", phase=name,
                      usd=budget.median_usd if budget is not None else None, detail=detail)


def phase_budget_suggestions(store: Store, phases: list[str],
                             project_id: int) -> list[Suggestion]:
    """What `project_id` is shown for each of `phases`: the budget from the other projects'
    spend in it, or "no data yet"."""
    found = {b.phase: b for b in phase_budgets(store, exclude_project_id=project_id).by_phase}
    return [budget_suggestion(found.get(phase), phase) for phase in phases]
