"""`bmadgen insights` over a store with three finished example projects, built by the test
through all five phases with the offline provider. Generation and the Docker gates have their
own tests; here development calls a gate runner that records its results through the real
store functions (bmadgen.gates.records), as the gates service does, without running Docker."""

from __future__ import annotations

import itertools
import json
import sys
import types

import pytest

from bmadgen.gates import records
from bmadgen.gates.models import GateResult, GateRunReport

from .conftest import build

_runs = itertools.count(1)
# Which gates fail in a project's first gate run (the run that development's fix then passes).
FIRST_RUN_FAILURES = {
    "shop": [("mutation", "catalog", 61.0), ("tests", "orders", 72.0)],
    "saasy": [("mutation", "billing", 58.0)],
    "books": [("mutation", "catalog", 70.0)],
}


def record_run(store, project, failures: list[tuple[str, str, float]]) -> GateRunReport:
    """Record one gate run the way the gates service does: start it, save a result per gate
    and slice (the tests and mutation gates of every feature), finish it."""
    run_id = f"run-{next(_runs)}"
    records.start_run(store, project.id, run_id, "test", True, "free")
    failed = {(gate, slice_): score for gate, slice_, score in failures}
    results = []
    for slice_ in features_of(store, project):
        for gate in ("tests", "mutation"):
            score = failed.get((gate, slice_), 90.0)
            results.append(GateResult(gate=gate, scope="slice", slice=slice_,
                                      status="failed" if (gate, slice_) in failed else "passed",
                                      score=score, threshold=80.0, percent=True, required=True))
    for result in results:
        records.save_result(store, project.id, run_id, result)
    report = GateRunReport(run_id=run_id, project=project.name, backend="test", isolated=True,
                           tier="free", started_at=0.0, finished_at=1.0, duration_s=1.0,
                           results=results, verdicts=[], passed=not failures)
    records.finish_run(store, report, "passed" if report.passed else "failed")
    return report


@pytest.fixture
def gate_runner(monkeypatch):
    """Development's seams: generation is skipped, the gates record a passing run."""
    generate = types.ModuleType("bmadgen.generate.service")
    generate.generate_app = lambda project_dir: types.SimpleNamespace(summary="not generated")
    gates = types.ModuleType("bmadgen.gates.service")
    gates.run_gates = lambda store, project, project_dir, progress=None, **_: record_run(
        store, project, [])
    monkeypatch.setitem(sys.modules, "bmadgen.generate.service", generate)
    monkeypatch.setitem(sys.modules, "bmadgen.gates.service", gates)


@pytest.fixture
def three_projects(store, tmp_path, gate_runner):
    from bmadgen.workflow import engine

    built = {}
    for name, type_ in (("shop", "ecommerce"), ("saasy", "saas"), ("books", "ecommerce")):
        project = build(store, name, type_, tmp_path / name, until="architecture")
        record_run(store, project, FIRST_RUN_FAILURES[name])
        engine.run_through(store, project, asker=None, approve=lambda _r: True)
        built[name] = project
    engine.rollback_phase(store, built["shop"], "requirements")
    engine.rollback_phase(store, built["saasy"], "requirements")
    engine.rollback_phase(store, built["books"], "prototype")
    return built


def features_of(store, project) -> list[str]:
    row = store.query_one("SELECT value FROM workflow_answers WHERE project_id = ? AND phase = "
                          "'requirements' AND key = 'features'", (project.id,))
    return json.loads(row["value"])


def test_insights_report_types_stacks_features_gates_and_costs(store, three_projects, cli):
    from bmadgen.workflow import state

    assert all(state.get(store, p.id, "development").approved_at
               for p in three_projects.values())  # finished, before the rollbacks
    code, out, _ = cli("insights", "--json")
    assert code == 0
    found = json.loads(out)
    assert found["projects"] == 3
    assert found["types"] == [{"name": "ecommerce", "count": 2}, {"name": "saas", "count": 1}]
    assert found["stacks"] == [{"name": "fastapi", "count": 3}]
    expected = {}
    for name, project in three_projects.items():
        for feature in features_of(store, project):
            expected.setdefault(feature, []).append(name)
    expected = {f: sorted(p) for f, p in expected.items() if len(p) > 1}
    assert {r["feature"]: r["projects"] for r in found["recurring_features"]} == expected
    assert expected == {f: ["books", "shop"] for f in ("catalog", "cart", "orders", "customers")}
    failing = {(g["gate"], g["slice"]): g for g in found["gate_failures"]}
    assert set(failing) == {("mutation", "catalog"), ("tests", "orders"),
                            ("mutation", "billing")}
    assert failing[("mutation", "catalog")]["projects"] == ["books", "shop"]
    assert failing[("mutation", "catalog")]["failures"] == 2
    assert found["gate_failures"][0]["gate"] == "mutation"  # the most failing first
    assert failing[("tests", "orders")]["failures"] == 1
    # shop: failed, then passed after the fix; books: passed twice
    assert failing[("tests", "orders")]["results"] == 4
    scores = [(m["project"], m["slice"], m["score"]) for m in found["mutation_scores"]]
    assert ("shop", "catalog", 61.0) in scores and ("saasy", "billing", 58.0) in scores
    assert ("books", "catalog", 70.0) in scores
    assert len(scores) == 2 * (4 + 4 + 4)  # two runs a project, a score per slice
    assert [m["at"] for m in found["mutation_scores"]] == sorted(
        m["at"] for m in found["mutation_scores"])
    assert [p["phase"] for p in found["phase_times"]] == [
        "vision", "requirements", "prototype", "architecture", "development"][
            :len(found["phase_times"])]
    assert found["phase_times"][0]["projects"] == 3
    assert found["rollbacks"] == [{"name": "requirements", "count": 2},
                                  {"name": "prototype", "count": 1}]
    assert found["cost"] == {"available": False, "note": "no data yet", "total_usd": None,
                             "by_phase": [], "by_agent": []}
    stack_hints = [s for s in found["suggestions"] if s["kind"] == "stack"]
    assert {s["project_type"] for s in stack_hints} == {"ecommerce", "saas"}
    warnings = [s for s in found["suggestions"] if s["kind"] == "gate_warning"]
    assert [(w["feature"], "mutation" in w["detail"]) for w in warnings] == [("catalog", True)]


def test_the_text_report_says_no_data_yet_for_cost(store, three_projects, cli):
    code, out, _ = cli("insights")
    assert code == 0
    assert "3 projects in this store" in out
    assert "mutation[catalog]: 2 of" in out
    assert "LLM cost and budget use: no data yet" in out
    assert "suggestions (from your history, not rules)" in out


def test_an_empty_store_has_no_data_anywhere(store, cli):
    code, out, _ = cli("insights", "--json")
    found = json.loads(out)
    assert code == 0 and found["projects"] == 0
    assert found["gate_failures"] == [] and found["cost"]["note"] == "no data yet"


def test_cost_is_read_from_the_calls_the_gateway_records(store):
    """Rows written by the LLM gateway's own recorder (llm.records) are what insights sums."""
    from bmadgen.llm.records import CallRecord, record
    from bmadgen.share.insights import llm_costs

    assert llm_costs(store).note == "no data yet"
    for phase, agent, usd in [("vision", "analyst", 0.25), ("requirements", "pm", 0.5),
                              ("requirements", "pm", 0.25)]:
        record(store, CallRecord(project_id=None, phase=phase, agent=agent, purpose="section",
                                 model="local/smollm2", outcome="ok", cost_usd=usd))
    cost = llm_costs(store)
    assert cost.available and cost.total_usd == pytest.approx(1.0)
    assert [(c.name, c.cost_usd, c.calls) for c in cost.by_phase] == [
        ("requirements", 0.75, 2), ("vision", 0.25, 1)]
    assert [c.name for c in cost.by_agent] == ["pm", "analyst"]
