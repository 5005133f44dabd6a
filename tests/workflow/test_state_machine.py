"""The persisted state machine: approvals, rollback, staleness, drift, inputs, overwrites."""

from __future__ import annotations

from pathlib import Path

import pytest

from bmadgen import appspec, vcs
from bmadgen.errors import Conflict, InvalidInput, NotFound
from bmadgen.models import NextAction
from bmadgen.workflow import answers, documents, engine, state
from tests.workflow.conftest import run_until


def statuses(store, project) -> dict[str, str]:
    return {p.phase: p.status for p in engine.status(store, project).phases}


def test_phases_move_pending_to_awaiting_to_approved(store, shop):
    assert set(statuses(store, shop).values()) == {"pending"}
    assert engine.status(store, shop).next_action == NextAction(kind="run_phase", phase="vision")
    result = engine.run_phase(store, shop)
    assert result.phase == "vision" and result.status == "awaiting_approval"
    assert result.next_action == NextAction(kind="approve_phase", phase="vision")
    assert "bmadgen" not in result.message
    assert result.checklist.score == "PASS"
    assert statuses(store, shop)["vision"] == "awaiting_approval"
    approved = engine.approve_phase(store, shop)
    assert approved.status == "approved" and approved.commit_sha
    assert vcs.head_sha(shop.path) == approved.commit_sha
    assert statuses(store, shop)["vision"] == "approved"
    assert approved.next_action == NextAction(kind="run_phase", phase="requirements")


def test_approving_twice_or_too_early_is_a_conflict(store, shop):
    with pytest.raises(Conflict, match="no phase is awaiting approval"):
        engine.approve_phase(store, shop)
    run_until(store, shop, "vision")
    with pytest.raises(Conflict, match="vision is approved, not awaiting approval"):
        engine.approve_phase(store, shop, "vision")
    with pytest.raises(Conflict, match="already approved") as info:
        engine.run_phase(store, shop, "vision")
    assert info.value.action == NextAction(kind="rollback_phase", phase="vision")


def test_running_a_phase_whose_inputs_are_missing(store, shop, tmp_path):
    with pytest.raises(Conflict, match="prototype needs vision approved first"):
        engine.run_phase(store, shop, "prototype")
    run_until(store, shop, "requirements")
    (tmp_path / "shop" / "docs" / "prd.md").unlink()
    # deleting an approved document is drift: requirements waits for approval again ...
    with pytest.raises(Conflict, match="needs requirements approved first"):
        engine.run_phase(store, shop, "prototype")
    # ... and approving it is refused while the document is missing
    with pytest.raises(NotFound, match="docs/prd.md is missing"):
        engine.approve_phase(store, shop, "requirements")


def test_unknown_phase_is_not_found(store, shop):
    with pytest.raises(NotFound, match="unknown phase 'deploy'"):
        engine.run_phase(store, shop, "deploy")
    with pytest.raises(NotFound, match="unknown phase"):
        engine.rollback_phase(store, shop, "deploy")


def test_rollback_and_changed_answer_mark_later_phases_stale_and_update_the_spec(store, shop):
    folder = shop.path
    run_until(store, shop, "architecture")
    before = appspec.load(Path(folder) / "appspec.yaml")
    assert [f.name for f in before.features] == ["catalog", "cart", "orders", "customers"]

    rolled = engine.rollback_phase(store, shop, "requirements")
    assert rolled.stale == ["prototype", "architecture"]
    current = {p.phase: p for p in engine.status(store, shop).phases}
    assert current["requirements"].status == "in_progress"
    assert current["prototype"].status == "stale"
    assert current["architecture"].stale_reason == "requirements was rolled back"
    assert current["development"].status == "pending"

    answers.set_one(store, shop.id, answers_type(), "requirements.features", "catalog; orders")
    for phase in ("requirements", "prototype", "architecture"):
        engine.run_phase(store, shop, phase)
        engine.approve_phase(store, shop, phase)
    after = appspec.load(Path(folder) / "appspec.yaml")
    assert [f.name for f in after.features] == ["catalog", "orders"]
    assert not (Path(folder) / "prototype" / "cart.html").exists()
    assert "cart" not in (Path(folder) / "docs" / "architecture.md").read_text()
    assert set(statuses(store, shop).values()) == {"approved", "pending"}
    history = vcs.history(folder, "appspec.yaml")
    assert len(history) == 2


def answers_type():
    from bmadgen import definitions

    return definitions.project_type("ecommerce")


def test_editing_an_approved_document_marks_downstream_stale_with_the_reason(store, shop):
    folder = Path(shop.path)
    run_until(store, shop, "architecture")
    prd = folder / "docs" / "prd.md"
    prd.write_text(prd.read_text() + "\n- FR7 added by hand\n")
    summary = engine.status(store, shop)
    phases = {p.phase: p for p in summary.phases}
    assert phases["requirements"].status == "awaiting_approval"
    assert "docs/prd.md changed by hand" in phases["requirements"].stale_reason
    for later in ("prototype", "architecture"):
        assert phases[later].status == "stale"
        assert phases[later].stale_reason == "docs/prd.md changed after requirements was approved"
    assert phases["vision"].status == "approved"
    assert [f.phase for f in summary.drift] == ["requirements"]
    # the hand edit is never overwritten silently ...
    with pytest.raises(Conflict, match="would overwrite changes not made by bmadgen: docs/prd.md"):
        engine.run_phase(store, shop, "requirements")
    # ... approving it commits it, and the stale phases run again from it
    approved = engine.approve_phase(store, shop, "requirements")
    assert "FR7 added by hand" in vcs.file_at(folder, "docs/prd.md", approved.commit_sha)
    assert statuses(store, shop)["prototype"] == "stale"
    engine.run_phase(store, shop, "prototype")
    assert statuses(store, shop)["prototype"] == "awaiting_approval"


def test_force_replaces_a_hand_edit(store, shop):
    folder = Path(shop.path)
    run_until(store, shop, "vision")
    brief = folder / "docs" / "brief.md"
    original = brief.read_text()
    brief.write_text("scribbles")
    engine.status(store, shop)
    with pytest.raises(Conflict):
        engine.run_phase(store, shop, "vision")
    engine.run_phase(store, shop, "vision", force=True)
    assert brief.read_text() == original


def test_an_invalid_app_spec_lists_every_problem_with_its_path(store, shop):
    folder = Path(shop.path)
    run_until(store, shop, "prototype")
    engine.run_phase(store, shop, "architecture")
    spec = folder / "appspec.yaml"
    text = spec.read_text().replace("type: money", "type: currency", 1)
    text = text.replace("name: category_id", "name: Category-Id", 1)
    spec.write_text(text)
    with pytest.raises(InvalidInput) as info:
        engine.approve_phase(store, shop, "architecture")
    details = " | ".join(info.value.details)
    assert "features[0].entities[1].fields[1].type" in details
    assert "features[0].entities[1].fields[4].name" in details
    assert statuses(store, shop)["architecture"] == "awaiting_approval"  # nothing lost
    assert spec.read_text() == text


def test_rolling_back_a_pending_phase_is_a_conflict(store, shop):
    with pytest.raises(Conflict, match="nothing to roll back"):
        engine.rollback_phase(store, shop, "architecture")


def test_state_rows_survive_reopening_the_store(store, shop, bmadgen_home):
    from bmadgen.store import open_store

    run_until(store, shop, "vision")
    with open_store() as again:
        assert state.get(again, shop.id, "vision").status == "approved"
        assert state.get(again, shop.id, "vision").approved_hashes["docs/brief.md"]


def test_a_document_git_cannot_commit_is_a_clear_conflict(store, shop):
    folder = Path(shop.path)
    (folder / ".gitignore").write_text("docs/\n")
    engine.run_phase(store, shop, "vision")
    with pytest.raises(Conflict, match="git could not commit docs/brief.md"):
        engine.approve_phase(store, shop, "vision")
    assert statuses(store, shop)["vision"] == "awaiting_approval"


def test_a_document_that_is_not_utf8_is_drift_not_a_crash(store, shop):
    folder = Path(shop.path)
    run_until(store, shop, "requirements")
    (folder / "docs" / "prd.md").write_bytes(b"# PRD\n\xff\xfe broken bytes\n")
    assert statuses(store, shop)["requirements"] == "awaiting_approval"
    assert "broken bytes" in documents.show_document(shop, "prd")
    with pytest.raises(Conflict, match="checklist fails"):
        engine.approve_phase(store, shop, "requirements")
