"""One rule for showing a score: the gate's spec says whether it is a percentage, and the
result carries that through the store, the cache and old reports."""

from __future__ import annotations

import json
from pathlib import Path

from bmadgen.gates import records
from bmadgen.gates.models import GateResult, GateRunReport
from bmadgen.gates.service import run_gates


def _result(gate: str, score: float | None, threshold: float, percent: bool) -> GateResult:
    return GateResult(gate=gate, scope="app", status="passed", score=score,
                      threshold=threshold, percent=percent, required=True)


def test_score_text_follows_percent_not_the_gate_name_or_threshold() -> None:
    assert _result("tests", 85, 85, True).score_text == "85% (min 85%)"
    assert _result("coverage", 90.5, 0.5, True).score_text == "90.5% (min 0.5%)"
    assert _result("lint", 3, 5, False).score_text == "3 (max 5)"
    assert _result("tests", 0, 0, False).score_text == "0 (max 0)"
    assert _result("tests", None, 85, True).score_text == "-"


def test_percent_survives_the_store_and_the_cache(store, project, vsa_app: Path) -> None:
    wanted = {"gates": ["lint", "tests"], "slices": ["products"], "sandbox": "local"}
    first = run_gates(store, project, vsa_app, **wanted)
    again = run_gates(store, project, vsa_app, **wanted)
    assert all(r.cached for r in again.results)
    shown = records.load_report(store, project.id, first.run_id)
    for report in (first, again, shown):
        assert {r.gate: r.percent for r in report.results} == {"lint": False, "tests": True}
        assert {r.gate: r.score_text.endswith("%)") for r in report.results} == {
            "lint": False, "tests": True}


def test_a_report_stored_before_results_said_percent_takes_it_from_the_stack(store,
                                                                            project) -> None:
    records.start_run(store, project.id, "old0001", "local", False, "free")
    report = GateRunReport(
        run_id="old0001", project=project.name, backend="local", isolated=False, tier="free",
        started_at=0.0, finished_at=1.0, duration_s=1.0, verdicts=[], passed=True,
        results=[_result("tests", 91, 85, True), _result("lint", 3, 5, False)],
    )
    records.finish_run(store, report, "passed")
    stored = json.loads(report.model_dump_json())
    for result in stored["results"]:
        del result["percent"]  # as a report written before the field existed
    with store.write() as conn:
        conn.execute("UPDATE gate_runs SET report_json = ? WHERE id = ?",
                     (json.dumps(stored), "old0001"))
    shown = records.load_report(store, project.id, "old0001")
    assert [r.score_text for r in shown.results] == ["91% (min 85%)", "3 (max 5)"]
