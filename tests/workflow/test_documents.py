"""What the offline provider writes: user text as data, a prototype that works offline, and
checklists whose code checks notice what is missing."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from bmadgen import definitions
from bmadgen.agents import checklists, provider
from bmadgen.errors import EnvironmentUnavailable
from bmadgen.gates.models import GateResult, SliceVerdict
from bmadgen.workflow import answers, engine
from tests.workflow.conftest import gate_report, install_fake, run_until

INJECTION = "Sell {{ 7*7 }} books {% include '/etc/passwd' %} <script>alert(1)</script>"


def test_template_syntax_in_answers_appears_literally(store, tmp_path, ecommerce_answers):
    text = ecommerce_answers.read_text().replace(
        "An online shop for a small independent bookshop.", f'"{INJECTION}"')
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    project = engine.new_project(store, "shop", "ecommerce", tmp_path / "shop", path)
    run_until(store, project, "architecture")
    folder = Path(project.path)
    brief = (folder / "docs" / "brief.md").read_text()
    assert INJECTION in brief
    assert "49" not in brief
    index = (folder / "prototype" / "index.html").read_text()
    assert "Sell {{ 7*7 }} books {% include &#x27;/etc/passwd&#x27; %} &lt;script&gt;" in index
    assert "<script>" not in index
    assert (folder / "appspec.yaml").read_text().count("{{ 7*7 }}") == 1


def test_prototype_is_offline_and_every_link_works(store, shop):
    run_until(store, shop, "prototype")
    folder = Path(shop.path) / "prototype"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["cart.html", "catalog.html", "customers.html", "index.html", "orders.html",
                     "style.css"]
    for page in folder.glob("*.html"):
        html = page.read_text()
        assert "http://" not in html and "https://" not in html
        assert '<a href="index.html"' in html
    assert 'name="price"' in (folder / "catalog.html").read_text()


def _check_context(folder: Path, phase: str, features: list[str]) -> checklists.CheckContext:
    from bmadgen.workflow import drift

    produces = definitions.workflow().phase(phase).produces
    return checklists.CheckContext(folder=folder, documents=drift.expand(folder, produces),
                                   feature_names=features)


def test_checklists_read_the_documents_on_disk(store, shop):
    run_until(store, shop, "architecture")
    folder = Path(shop.path)
    features = ["catalog", "cart", "orders", "customers"]
    requirements = definitions.checklist("requirements")
    assert checklists.score(requirements, _check_context(folder, "requirements", features)).score == "PASS"

    prd = folder / "docs" / "prd.md"
    prd.write_text(prd.read_text().replace("| FR3 | Shoppers can add products to a cart, change "
                                           "quantities and remove items | cart |",
                                           "| FR3 | Shoppers can add products | |")
                   .replace("Acceptance criteria:\n\n1. Quantity must be between 1 and 99\n"
                            "2. The cart shows each item with its quantity", "Later."))
    result = checklists.score(requirements, _check_context(folder, "requirements", features))
    items = {i.id: i for i in result.items}
    assert result.score == "PARTIAL"
    assert items["fr-feature"].status == "PARTIAL" and "FR3" in items["fr-feature"].detail
    assert items["story-acceptance"].status == "PARTIAL"
    assert "Epic 2: Cart" in items["story-acceptance"].detail
    assert items["testable"].status == "REVIEW"

    page = folder / "prototype" / "cart.html"
    page.write_text(page.read_text().replace("style.css", "https://cdn.example.com/x.css"))
    proto = checklists.score(definitions.checklist("prototype"),
                             _check_context(folder, "prototype", features))
    assert {i.id: i.status for i in proto.items}["offline"] == "PARTIAL"

    arch = checklists.score(definitions.checklist("architecture"),
                            _check_context(folder, "architecture", features))
    assert arch.score == "PASS"
    (folder / "appspec.yaml").write_text("features: [{name: x, entities: [{name: y}]}]\n")
    arch = checklists.score(definitions.checklist("architecture"),
                            _check_context(folder, "architecture", features))
    items = {i.id: i for i in arch.items}
    assert items["spec-valid"].status == "FAIL" and "fields" in items["spec-valid"].detail
    assert items["entity-fields"].status == "FAIL"
    assert arch.score == "FAIL"


def test_a_failing_checklist_blocks_approval(store, shop):
    run_until(store, shop, "requirements")
    engine.run_phase(store, shop, "prototype")
    for page in (Path(shop.path) / "prototype").glob("*.html"):
        page.unlink()
    from bmadgen.errors import Conflict

    with pytest.raises(Conflict, match="the prototype checklist fails") as info:
        engine.approve_phase(store, shop, "prototype")
    assert any("screen-per-feature" in d for d in info.value.details)


def test_development_creates_story_tasks_once(store, shop):
    from bmadgen import tasks

    run_until(store, shop, "architecture")
    result = engine.run_phase(store, shop, "development")
    assert result.outcome.generation.status == "done"
    assert result.outcome.generation.detail == "generation faked in workflow tests"
    listed = tasks.list_tasks(store, shop.id, limit=500).items
    slices = [t for t in listed if (t.ref or "").startswith("slice:")]
    assert sorted(t.ref for t in slices) == ["slice:cart", "slice:catalog", "slice:customers",
                                             "slice:orders"]
    catalog = next(t for t in slices if t.ref == "slice:catalog")
    assert "Only products with status published are listed" in catalog.description
    stories = [t for t in listed if t.parent_id == catalog.id]
    assert [t.title for t in stories] == ["Story: Browse products", "Story: Manage products"]
    engine.approve_phase(store, shop, "development")
    engine.rollback_phase(store, shop, "development")
    engine.run_phase(store, shop, "development")
    again = tasks.list_tasks(store, shop.id, limit=500).items
    assert len(again) == len(listed)


def test_development_records_generation_and_gate_outcomes(store, shop, monkeypatch):
    from bmadgen import tasks
    from bmadgen.errors import GatesFailed
    from bmadgen.models import NextAction
    from bmadgen.outcomes import StepOutcome
    from bmadgen.workflow import development

    calls = []
    install_fake(monkeypatch, "bmadgen.generate.service",
                 generate_app=lambda d: calls.append(("generate", d))
                 or types.SimpleNamespace(summary="4 slices written"))
    install_fake(monkeypatch, "bmadgen.gates.service",
                 run_gates=lambda s, p, d, progress=None, **_: gate_report(passed=False, results=[
                     GateResult(gate="tests", scope="slice", slice="cart", status="failed",
                                score=40.0, threshold=85.0, required=True)],
                     verdicts=[SliceVerdict(slice="cart", verdict="FAIL")]))
    run_until(store, shop, "architecture")
    result = engine.run_phase(store, shop, "development")
    assert calls == [("generate", Path(shop.path))]
    assert result.outcome.generation == StepOutcome(status="done", detail="4 slices written")
    assert result.outcome.gates.status == "failed"
    assert "tests[cart]" in result.outcome.gates.detail
    # the QA step recorded the run's verdicts on the slice's story task
    cart = tasks.find_by_ref(store, shop.id, tasks.slice_ref("cart"))
    assert cart is not None and cart.open_blockers == ["QA FAIL (gate run fake-run)"]
    with pytest.raises(GatesFailed, match="quality gates failed") as info:
        engine.approve_phase(store, shop, "development")
    assert info.value.action == NextAction(kind="show_gates", phase="development",
                                           run_id="fake-run")

    def broken(project_dir):
        from bmadgen.errors import InvalidInput

        raise InvalidInput("the app spec names an unknown stack")

    install_fake(monkeypatch, "bmadgen.generate.service", generate_app=broken)
    outcome = development.run_development_steps(store, shop, Path(shop.path))
    assert outcome.generation.status == "failed"
    assert "unknown stack" in outcome.generation.detail
    assert outcome.gates.status == "not_available"


def test_development_runs_gates_on_the_backend_and_tier_the_person_chose(store, shop,
                                                                        monkeypatch):
    """BMADGEN_SANDBOX and BMADGEN_TIER (or the config file) reach the development phase's gate
    run, as they reach `gate run`: before, it always ran with sandbox 'auto' (Docker whenever
    an engine and the image were there)."""
    from bmadgen.workflow import development

    seen = []
    install_fake(monkeypatch, "bmadgen.generate.service",
                 generate_app=lambda d: types.SimpleNamespace(summary="written"))
    install_fake(monkeypatch, "bmadgen.gates.service",
                 run_gates=lambda s, p, d, progress=None, **chosen: seen.append(chosen)
                 or gate_report())
    monkeypatch.setenv("BMADGEN_SANDBOX", "local")
    monkeypatch.setenv("BMADGEN_TIER", "premium")
    development.run_development_steps(store, shop, Path(shop.path))
    assert seen == [{"sandbox": "local", "tier": "premium"}]


def test_unknown_provider_is_an_environment_error(monkeypatch):
    monkeypatch.setenv(provider.PROVIDER_ENV, "gpt-99")
    with pytest.raises(EnvironmentUnavailable, match="provider 'gpt-99' is not available"):
        provider.get_provider()


def test_every_phase_names_an_agent_template_and_checklist_that_exist():
    flow = definitions.workflow()
    assert flow.phase_ids == ("vision", "requirements", "prototype", "architecture", "development")
    for phase in flow.phases:
        agent = definitions.agent(phase.agent)
        assert phase.template in agent.templates and phase.checklist in agent.checklists
        template = definitions.doc_template(phase.template)
        assert template.template.output.filename in phase.produces
        checks = [i.check for i in definitions.checklist(phase.checklist).items if i.check]
        assert set(checks) <= set(checklists.CHECKS)
        from bmadgen.agents.offline import BUILDERS

        fills = [s.fill for s in template.walk() if s.fill and not s.fill.startswith("answer:")]
        assert set(fills) <= set(BUILDERS)
    assert sorted(answers.phase_questions()) == ["architecture", "prototype", "requirements",
                                                 "vision"]


@pytest.mark.parametrize("type_name", definitions.project_type_names())
def test_every_project_type_gives_a_valid_app_spec(type_name):
    from bmadgen import appspec
    from bmadgen.agents.offline import OfflineProvider
    from bmadgen.plan import Plan

    ptype = definitions.project_type(type_name)
    plan = Plan(project_name="demo", project_type=ptype, answers=ptype.sample_answers)
    drafted = OfflineProvider().appspec(plan)
    spec = appspec.parse(appspec.AppSpec.model_validate(drafted.model_dump()).model_dump())
    frs = {fr for fr, _, _ in plan.functional_requirements}
    assert frs == {r for f in spec.features for r in f.requirements}
    assert (spec.auth is not None) == (ptype.sample_answers["architecture"]["auth"] != "none")


@pytest.mark.parametrize(("type_name", "style", "default", "writes", "may_not"), [
    ("ecommerce", "session", "shopper", ("order", ["admin", "shopper", "store_manager"]),
     ("product", "shopper")),
    ("saas", "token", "member", ("work_item", ["admin", "member"]), ("subscription", "member")),
    ("blog", "session", "reader", ("post", ["admin", "author"]), ("post", "reader")),
    ("marketplace", "session", "buyer", ("listing", ["admin", "seller"]), ("listing", "buyer")),
])
def test_the_architecture_phase_fills_sign_in_and_roles_from_the_stories(
        type_name, style, default, writes, may_not):
    from bmadgen.agents.offline import OfflineProvider
    from bmadgen.plan import Plan

    ptype = definitions.project_type(type_name)
    spec = OfflineProvider().appspec(
        Plan(project_name="demo", project_type=ptype, answers=ptype.sample_answers))
    auth = spec.auth
    assert auth is not None and auth.style == style and auth.default_role == default
    story_roles = {s.role.replace(" ", "_") for f in ptype.features for s in f.stories}
    assert set(auth.roles) == story_roles
    entity, writers = writes
    assert auth.writers(entity) == writers
    entity, role = may_not
    assert role not in auth.writers(entity)
    every = {e.name for f in spec.features for e in f.entities}
    assert all(auth.readers(e) == auth.all_roles for e in every)


def test_an_open_answer_or_a_chosen_subset_of_features_keeps_the_spec_valid():
    from bmadgen.agents.offline import OfflineProvider
    from bmadgen.plan import Plan

    ptype = definitions.project_type("blog")
    answers = {**ptype.sample_answers, "architecture": {"stack": "fastapi", "auth": "none"}}
    assert OfflineProvider().appspec(
        Plan(project_name="demo", project_type=ptype, answers=answers)).auth is None
    # Only the comments slice: its one role (reader) writes, and sign-up gives it.
    answers = {**ptype.sample_answers, "requirements": {"features": ["comments"]}}
    spec = OfflineProvider().appspec(Plan(project_name="demo", project_type=ptype, answers=answers))
    assert spec.auth is not None and spec.auth.roles == ["reader"]
    assert spec.auth.default_role == "reader" and spec.auth.writers("comment") == ["admin", "reader"]


def test_the_app_spec_is_the_providers_and_is_checked_before_anything_is_written(
        store, shop, monkeypatch):
    from bmadgen import appspec
    from bmadgen.agents.offline import OfflineProvider
    from bmadgen.errors import InvalidInput

    class OneSlice(OfflineProvider):
        def appspec(self, plan):
            spec = super().appspec(plan)
            # Its events keep no consumer: the app spec refuses one that is not a slice.
            first = spec.features[0]
            events = [e.model_copy(update={"consumers": []}) for e in first.events]
            kept = {e.name for e in first.entities}
            auth = spec.auth.model_copy(update={"permissions": {
                k: v for k, v in spec.auth.permissions.items() if k in kept}})
            return spec.model_copy(update={
                "features": [first.model_copy(update={"events": events})], "auth": auth})

    monkeypatch.setattr(engine, "get_provider", lambda _name: OneSlice())
    run_until(store, shop, "architecture")
    folder = Path(shop.path)
    assert [f.name for f in appspec.load(folder / "appspec.yaml").features] == ["catalog"]

    class Broken(OfflineProvider):
        def appspec(self, plan):  # model_copy skips validation, as a careless provider might
            return super().appspec(plan).model_copy(update={"name": "Not An Identifier"})

    engine.rollback_phase(store, shop, "architecture")
    monkeypatch.setattr(engine, "get_provider", lambda _name: Broken())
    (folder / "docs" / "architecture.md").unlink()
    with pytest.raises(InvalidInput, match="the generated app spec is invalid"):
        engine.run_phase(store, shop, "architecture")
    assert not (folder / "docs" / "architecture.md").exists()


def test_a_provider_returning_the_wrong_shape_is_refused(store, shop, monkeypatch):
    from bmadgen.agents import offline
    from bmadgen.errors import InvalidInput

    monkeypatch.setitem(offline.BUILDERS, "functional_requirements", lambda _c: ["not a table"])
    run_until(store, shop, "vision")
    with pytest.raises(InvalidInput, match="returned list for section 'functional-requirements'"):
        engine.run_phase(store, shop, "requirements")
    assert not (Path(shop.path) / "docs" / "prd.md").exists()


def test_a_dropped_feature_keeps_its_task_with_a_note(store, shop):
    from bmadgen import tasks

    run_until(store, shop, "development")
    engine.rollback_phase(store, shop, "requirements")
    answers.set_one(store, shop.id, definitions.project_type("ecommerce"),
                    "requirements.features", "catalog; cart; orders")
    for phase in ("requirements", "prototype", "architecture", "development"):
        engine.run_phase(store, shop, phase)
        engine.approve_phase(store, shop, phase)
    engine.rollback_phase(store, shop, "development")
    engine.run_phase(store, shop, "development")
    listed = tasks.list_tasks(store, shop.id, limit=500).items
    customers = next(t for t in listed if t.ref == "slice:customers")
    assert [n.text for n in customers.notes] == [
        "this feature is no longer in the app spec (dropped by a later architecture run)"]
    assert all(not t.notes for t in listed if t.ref in ("slice:catalog", "slice:cart"))


@pytest.mark.parametrize("type_name", definitions.project_type_names())
def test_every_project_type_runs_through_architecture(store, tmp_path, type_name):
    from bmadgen import appspec

    ptype = definitions.project_type(type_name)
    path = tmp_path / "answers.yaml"
    path.write_text(answers.sample(ptype))
    project = engine.new_project(store, "demo", type_name, tmp_path / "demo", path)
    run_until(store, project, "architecture")
    folder = Path(project.path)
    spec = appspec.load(folder / "appspec.yaml")
    assert [f.name for f in spec.features] == [f.name for f in ptype.features]
    summary = engine.status(store, project)
    assert [p.checklist.split()[0] for p in summary.phases[:4]] == ["PASS"] * 4
