"""The QA step's record: the gates report verdicts, the workflow writes them where people and
agents look - a note on each slice's story task (a blocker while it FAILs) and one memory per
gate run.
"""

from __future__ import annotations

from bmadgen import memory, tasks
from bmadgen.gates.models import GateRunReport
from bmadgen.models import Project
from bmadgen.store import Store


def record_verdicts(store: Store, project: Project, report: GateRunReport) -> None:
    """Record the verdicts of a full gate run (every gate, every slice): the QA verdict of
    record. A new verdict replaces the blocker the last one left."""
    lines = []
    for verdict in report.verdicts:
        why = "; ".join(verdict.reasons)[:1000]
        lines.append(f"- {verdict.slice}: {verdict.verdict}" + (f" ({why})" if why else ""))
        task = tasks.find_by_ref(store, project.id, tasks.slice_ref(verdict.slice))
        if task is None:
            continue
        text = f"QA {verdict.verdict} (gate run {report.run_id})" + (f": {why}" if why else "")
        unblock = bool(task.open_blockers)
        if verdict.verdict == "FAIL":
            tasks.update(store, project.id, task.id, blocker=text, resolve_blockers=unblock)
        else:
            tasks.update(store, project.id, task.id, note=text, resolve_blockers=unblock)
    isolation = "" if report.isolated else ", NOT isolated"
    memory.add(
        store, project.id,
        f"Gate run {report.run_id} ({report.backend}{isolation}, tier {report.tier}): "
        f"{'passed' if report.passed else 'FAILED'}.\n" + "\n".join(lines),
        title=f"QA verdicts: {'passed' if report.passed else 'failed'}",
        kind="qa", importance="medium" if report.passed else "high",
    )
