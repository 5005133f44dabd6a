"""The workflow's suggestions from the person's other projects, on a real store with real
offline phase runs: a feature that failed a gate in more than one earlier project is warned
about in its stories, and the budget suggested for a phase is the median of past spend.

Gate results are recorded through the real store functions (bmadgen.gates.records) and model
calls through the LLM gateway's own recorder (bmadgen.llm.records.record)."""

from __future__ import annotations

import json

import pytest

from bmadgen.gates import records
from bmadgen.gates.models import GateResult
from tests.llm.conftest import fake_llm  # noqa: F401  (the scripted server, a fixture)

from .conftest import EXAMPLES, build

NOTE = "Suggestion (from your past projects): "


def record_failures(store, project, failures: list[tuple[str, str]], run_id: str) -> None:
    """One gate run of `project` in which each (gate, slice) of `failures` failed."""
    records.start_run(store, project.id, run_id, "test", True, "free")
    for gate, slice_ in failures:
        records.save_result(store, project.id, run_id, GateResult(
            gate=gate, scope="slice", slice=slice_, status="failed", score=50.0,
            threshold=80.0, percent=True, required=True))
    records.save_result(store, project.id, run_id, GateResult(
        gate="tests", scope="slice", slice="cart", status="passed", score=95.0, threshold=80.0,
        percent=True, required=True))


@pytest.fixture
def history(store, tmp_path):
    """Two earlier ecommerce projects: catalog failed the mutation gate in both (and `cart` a
    gate whose name looks like template code), orders failed the tests gate in one only."""
    first = build(store, "first", "ecommerce", tmp_path / "first", until="vision")
    second = build(store, "second", "ecommerce", tmp_path / "second", until="vision")
    record_failures(store, first, [("mutation", "catalog"), ("tests", "orders"),
                                   ("{{ 7*7 }}", "cart")], "run-1")
    record_failures(store, second, [("mutation", "catalog"), ("{{ 7*7 }}", "cart")], "run-2")
    return first, second


def _story_bodies(markdown: str, epic_title: str) -> list[str]:
    from bmadgen.agents.checklists import sections

    bodies, inside = [], False
    for level, title, body in sections(markdown):
        if level == 3:
            inside = title.endswith(f": {epic_title}")
        elif level == 4 and inside:
            bodies.append(body)
    return bodies


def test_a_feature_that_failed_a_gate_in_two_projects_is_warned_in_its_stories(
        store, tmp_path, history, cli, monkeypatch):
    from bmadgen.share.stories import parse_prd
    from bmadgen.workflow import state

    third = build(store, "third", "ecommerce", tmp_path / "third", until="vision")
    # a failure of this project itself does not count as history
    record_failures(store, third, [("tests", "orders")], "run-3")
    monkeypatch.chdir(tmp_path / "third")
    code, out, err = cli("phase", "run", "requirements", "--json")
    assert code == 0, err
    result = json.loads(out)
    prd = (tmp_path / "third" / "docs" / "prd.md").read_text()

    warning = f"> {NOTE}catalog failed the mutation gate in 2 projects; plan for it"
    catalog = _story_bodies(prd, "Catalog")
    assert catalog and all(body.startswith(warning) for body in catalog)
    assert prd.count(warning) == len(catalog)  # in the catalog stories, nowhere else
    assert f"> {NOTE}cart failed the {{{{ 7*7 }}}} gate in 2 projects" in prd  # data, not code
    assert "49" not in prd
    for feature in ("Orders", "Customers"):  # orders failed in one earlier project only
        bodies = _story_bodies(prd, feature)
        assert bodies and not any(NOTE in body for body in bodies)
    assert "orders failed" not in prd

    # the checklist still reads every story's acceptance criteria
    checklist = state.get(store, third.id, "requirements").checklist
    assert checklist is not None and checklist["score"] == "PASS"
    assert all(i["status"] in ("PASS", "REVIEW") for i in checklist["items"])
    epics = {e.slice: e for e in parse_prd(prd)}
    assert all(len(s.acceptance_criteria) >= 1 for s in epics["catalog"].stories)
    assert all(warning[2:] in s.narrative for s in epics["catalog"].stories)  # in a tracker too
    assert [s.acceptance_criteria for s in epics["catalog"].stories] == [
        s.acceptance_criteria for s in parse_prd(prd.replace(warning + "\n\n", ""))[0].stories]

    # --json carries the warnings beside the result (no budget: the offline provider)
    found = {(s["kind"], s["feature"], s["gate"]) for s in result["suggestions"]}
    assert found == {("gate_warning", "catalog", "mutation"), ("gate_warning", "cart",
                                                              "{{ 7*7 }}")}
    code, out, _ = cli("phase", "run", "requirements", "--force")
    assert code == 0
    assert ("suggestion (from your past projects, not enforced): catalog failed the mutation "
            "gate in 2 projects; plan for it") in out


def test_the_story_document_and_tasks_of_the_sm_carry_the_warning(store, tmp_path, history):
    from bmadgen import definitions, tasks
    from bmadgen.agents.offline import OfflineProvider
    from bmadgen.agents.runner import run_agent
    from bmadgen.workflow import engine
    from bmadgen.workflow.development import create_story_tasks
    from bmadgen.workflow.history import story_notes

    third = build(store, "third", "ecommerce", tmp_path / "third", until="architecture")
    plan = engine.plan_of(store, third)
    phase = definitions.workflow().phase("development")
    document = run_agent(definitions.agent(phase.agent), definitions.doc_template(phase.template),
                         plan, OfflineProvider(), notes=story_notes(store, third))
    slices = {s.title: s.body for s in document.sections if s.id == "slice"}
    catalog = next(body for title, body in slices.items() if "(slice:catalog)" in title)
    assert catalog.startswith(f"> {NOTE}catalog failed the mutation gate in 2 projects")
    orders = next(body for title, body in slices.items() if "(slice:orders)" in title)
    assert NOTE not in orders

    create_story_tasks(store, third, plan)
    rows = {r["ref"]: r["description"] for r in store.query(
        "SELECT ref, description FROM tasks WHERE project_id = ?", (third.id,))}
    assert (f"{NOTE}catalog failed the mutation gate in 2 projects; plan for it"
            in rows[tasks.slice_ref("catalog")])
    assert NOTE not in rows[tasks.slice_ref("orders")]


def test_own_failures_and_a_single_project_give_no_warning(store, tmp_path):
    """A project's own failures are not its history, and one other project is not "usually":
    catalog failed in one other project and in this one, so its stories carry no warning."""
    other = build(store, "other", "ecommerce", tmp_path / "other", until="vision")
    record_failures(store, other, [("mutation", "catalog")], "run-o")
    project = build(store, "alone", "ecommerce", tmp_path / "alone", until="vision")
    record_failures(store, project, [("mutation", "catalog")], "run-a")
    record_failures(store, project, [("mutation", "catalog")], "run-b")
    from bmadgen.workflow import engine

    engine.run_through(store, project, asker=None, approve=lambda _r: True, until="requirements")
    prd = (tmp_path / "alone" / "docs" / "prd.md").read_text()
    assert "Acceptance criteria:" in prd and NOTE not in prd


# ------------------------------------------------------------------ budgets


SPEND = {  # project -> phase -> the cost of each call
    "a": {"vision": [0.05], "requirements": [0.10, 0.20]},
    "b": {"vision": [0.15], "requirements": [0.50]},
    "c": {"requirements": [1.00]},
}


@pytest.fixture
def spent(store, tmp_path):
    from bmadgen.llm.records import CallRecord, record
    from bmadgen.workflow import engine

    made = {}
    for name, phases in SPEND.items():
        project = engine.new_project(store, name, "blog", tmp_path / name)
        made[name] = project
        for phase, costs in phases.items():
            for usd in costs:
                record(store, CallRecord(project_id=project.id, phase=phase, agent="pm",
                                         purpose="section", model="fake", outcome="ok",
                                         cost_usd=usd))
    # under no project (an idea drafted and never used): not a project's spend
    record(store, CallRecord(project_id=None, phase="vision", agent="analyst",
                             purpose="answers", model="fake", outcome="ok", cost_usd=9.0))
    return made


def test_the_budget_suggested_per_phase_is_the_median_of_past_spend(store, spent, cli):
    code, out, _ = cli("insights", "--json")
    assert code == 0
    found = json.loads(out)
    assert found["budgets"]["available"] is True
    by_phase = {b["phase"]: (b["median_usd"], b["projects"])
                for b in found["budgets"]["by_phase"]}
    # requirements: a 0.30, b 0.50, c 1.00; vision: a 0.05, b 0.15
    assert by_phase == {"vision": (pytest.approx(0.10), 2),
                        "requirements": (pytest.approx(0.50), 3)}
    assert [b["phase"] for b in found["budgets"]["by_phase"]] == ["vision", "requirements"]
    budgets = [s for s in found["suggestions"] if s["kind"] == "budget"]
    assert [(s["phase"], s["usd"]) for s in budgets] == [("vision", pytest.approx(0.10)),
                                                         ("requirements", pytest.approx(0.50))]
    assert budgets[1]["detail"].startswith(
        "suggested budget for requirements from past projects: $0.50")

    code, out, _ = cli("insights")
    assert "suggested budget per phase (median of past projects' LLM spend): vision $0.10 " \
           "(2 projects), requirements $0.50 (3 projects)" in out


def test_usage_suggests_from_the_other_projects_only(store, spent, cli):
    code, out, err = cli("usage", "--json", "--project", "c")
    assert code == 0, err
    suggested = {s["phase"]: s for s in json.loads(out)["suggested_budgets"]}
    # c's own 1.00 is not its past: requirements is the median of a 0.30 and b 0.50
    assert suggested["requirements"]["usd"] == pytest.approx(0.40)
    assert suggested["vision"]["usd"] == pytest.approx(0.10)
    assert suggested["architecture"]["usd"] is None
    assert suggested["architecture"]["detail"] == (
        "suggested budget for architecture from past projects: no data yet")
    code, out, _ = cli("usage", "--project", "c")
    assert "suggestion (not enforced): suggested budget for requirements from past projects: " \
           "$0.40" in out


def test_no_spend_is_no_data_yet(store, tmp_path, cli):
    from bmadgen.workflow import engine

    engine.new_project(store, "fresh", "blog", tmp_path / "fresh")
    code, out, _ = cli("insights", "--json")
    found = json.loads(out)
    assert found["budgets"] == {"available": False, "note": "no data yet", "by_phase": []}
    assert not [s for s in found["suggestions"] if s["kind"] == "budget"]
    code, out, _ = cli("insights")
    assert "suggested budget per phase (median of past projects' LLM spend): no data yet" in out
    code, out, _ = cli("usage", "--project", "fresh")
    assert code == 0
    assert "suggested budget per phase from past projects: no data yet" in out
    code, out, _ = cli("usage", "--json", "--project", "fresh")
    assert code == 0
    assert {s["detail"].rsplit(": ", 1)[1] for s in json.loads(out)["suggested_budgets"]} == {
        "no data yet"}


@pytest.mark.slow
def test_a_phase_run_with_the_llm_provider_shows_the_budget_from_past_spend(
        store, spent, tmp_path, cli, monkeypatch, bmadgen_home, fake_llm):  # noqa: F811
    """Against a scripted OpenAI-style server (tests/llm/conftest.py), not a mock of bmadgen."""
    from tests.llm.conftest import SchemaAnswers
    from tests.llm.test_cli import configure

    fake = fake_llm
    fake.auto = SchemaAnswers()
    config = bmadgen_home / "config.toml"
    monkeypatch.setenv("BMADGEN_CONFIG", str(config))
    configure(config, fake)
    from bmadgen.workflow import engine

    engine.new_project(store, "d", "blog", tmp_path / "d", EXAMPLES / "blog.answers.yaml")
    monkeypatch.chdir(tmp_path / "d")
    code, out, err = cli("phase", "run", "vision", "--provider", "llm", "--json")
    assert code == 0, err
    budget = [s for s in json.loads(out)["suggestions"] if s["kind"] == "budget"]
    assert [(s["phase"], s["usd"]) for s in budget] == [("vision", pytest.approx(0.10))]
    assert budget[0]["detail"].startswith("suggested budget for vision from past projects: $0.10")
    assert fake.count() > 0  # the model wrote it; the suggestion did not stop the run

    # run offline: no budget suggestion (no model is paid)
    code, out, err = cli("phase", "run", "vision", "--force", "--provider", "offline", "--json")
    assert code == 0, err
    assert not [s for s in json.loads(out)["suggestions"] if s["kind"] == "budget"]
