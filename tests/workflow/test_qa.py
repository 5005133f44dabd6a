"""The QA step's record: gate verdicts reach the slices' story tasks and the memory."""

from __future__ import annotations

from bmadgen import memory, tasks
from bmadgen.gates.models import GateResult, GateRunReport
from bmadgen.gates.verdicts import slice_verdicts
from bmadgen.workflow.qa import record_verdicts

SLICES = ["orders", "products"]


def report(project, run_id: str, status: str) -> GateRunReport:
    results = [GateResult(gate="tests", scope="slice", slice="orders", status=status,  # type: ignore[arg-type]
                          threshold=0, required=True)]
    found = slice_verdicts(results, {}, SLICES)
    return GateRunReport(run_id=run_id, project=project.name, backend="docker", isolated=True,
                         tier="free", started_at=0, finished_at=1, duration_s=1, results=results,
                         verdicts=found, passed=all(v.verdict != "FAIL" for v in found))


def test_verdicts_are_recorded_on_story_tasks_and_in_memory(store, project) -> None:
    story = tasks.add(store, project.id, "Orders slice", ref=tasks.slice_ref("orders"))

    record_verdicts(store, project, report(project, "r1", "failed"))
    blocked = tasks.get(store, project.id, story.id)
    assert blocked.open_blockers == ["QA FAIL (gate run r1): tests[orders]: failed"]
    record_verdicts(store, project, report(project, "r2", "passed"))
    cleared = tasks.get(store, project.id, story.id)
    assert cleared.open_blockers == []
    assert cleared.notes[-1].text == "QA PASS (gate run r2)"
    found = memory.search(store, project.id, "QA verdicts")
    assert {m.title for m in found.items} == {"QA verdicts: failed", "QA verdicts: passed"}
    assert "- orders: FAIL (tests[orders]: failed)" in next(
        m.content for m in found.items if m.title.endswith("failed"))
