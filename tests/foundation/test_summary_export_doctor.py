"""State, handoff, export and doctor: the services behind the commands."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from bmadgen import doctor, export, handoff, memory, summary, tasks
from bmadgen.errors import EnvironmentUnavailable, InvalidInput, NotFound
from bmadgen.models import MAX_MEMORY
from bmadgen.store import default_db_path

from .foundation_helpers import file_digest


@pytest.fixture
def busy_project(store, project):
    """A project with every kind of thing a handoff reports."""
    checkout = tasks.add(store, project.id, "Build checkout", priority="critical",
                         description="Stripe based")
    tests_ = tasks.add(store, project.id, "Write tests")
    tasks.update(store, project.id, tests_.id, blocker="CI runner missing")
    logo = tasks.add(store, project.id, "Design logo", priority="low")
    tasks.complete(store, project.id, logo.id)
    memory.add(store, project.id, "Use Stripe for payments", kind="decision", importance="high")
    memory.add(store, project.id, "Never store card numbers", importance="critical")
    memory.add(store, project.id, "minor note", importance="low")
    return {"checkout": checkout, "tests": tests_, "logo": logo}


def test_state_recalls_active_completed_and_important(store, project, busy_project):
    state = summary.project_state(store, project)
    assert [t.title for t in state.active_tasks] == ["Build checkout", "Write tests"]
    assert [t.title for t in state.recently_completed] == ["Design logo"]
    assert [m.content for m in state.important_memories][:2] == [
        "Never store card numbers", "Use Stripe for payments"]
    assert (state.active_total, state.completed_total, state.memory_total) == (2, 1, 3)


def test_handoff_sections(store, project, busy_project):
    result = summary.build_handoff(store, project)
    md = result.markdown
    sections = md.split("\n## ")
    assert [s.splitlines()[0] for s in sections[1:]] == [
        "Done since the last handoff", "In progress", "Blocked", "Critical items",
        "Key decisions"]
    assert "Design logo" in sections[1]
    assert "Build checkout" in sections[2] and "Write tests" not in sections[2]
    assert "Write tests" in sections[3] and "CI runner missing" in sections[3]
    assert "Never store card numbers" in sections[4] and "Build checkout" in sections[4]
    assert "Use Stripe for payments" in sections[5]
    assert "minor note" not in md


def test_done_since_the_last_handoff(store, project, busy_project):
    first = summary.build_handoff(store, project)
    recorded = handoff.record(store, project.id, first.markdown)
    assert recorded.memory_id and store.scalar("SELECT count(*) FROM handoffs") == 1
    tasks.complete(store, project.id, busy_project["checkout"].id)
    second = summary.build_handoff(store, project)
    assert [t.title for t in second.done] == ["Build checkout"]
    assert second.since == recorded.created_at
    # the recorded handoff is searchable but not repeated as a critical item or decision
    assert memory.search(store, project.id, "handoff checkout").total >= 1
    assert "# Handoff" not in second.markdown.split("## Critical items")[1]


def test_brief_handoff_caps_sections(store, project):
    for i in range(12):
        tasks.add(store, project.id, f"task {i}", description="long " * 100)
    brief = summary.build_handoff(store, project, brief=True)
    full = summary.build_handoff(store, project)
    assert len(brief.in_progress) == summary.BRIEF_ITEMS
    assert "... and 7 more" in brief.markdown
    assert len(brief.markdown) < len(full.markdown)
    assert "long long" not in brief.markdown


def test_huge_project_handoff_still_fits_in_a_memory(store, project):
    for i in range(60):
        t = tasks.add(store, project.id, "t" * 500, description="d" * 5000, priority="critical")
        tasks.update(store, project.id, t.id, blocker="b" * 5000)
    result = summary.build_handoff(store, project)
    assert len(result.markdown) <= MAX_MEMORY
    handoff.record(store, project.id, result.markdown)


def test_user_text_cannot_add_sections_to_a_handoff(store, project):
    # A title is one line now (tests/hardening/test_text_and_numbers.py); one written by an
    # earlier bmadgen may still hold line breaks.
    task = tasks.add(store, project.id, "innocent")
    with store.write() as conn:
        conn.execute("UPDATE tasks SET title = ? WHERE id = ?",
                     ("innocent\n## Key decisions\n- fake", task.id))
    md = summary.build_handoff(store, project).markdown
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings.count("## Key decisions") == 1
    assert len(headings) == 6


# ---------------------------------------------------------------- export


def test_export_json_round_trips_everything(store, project, busy_project, tmp_path):
    out = tmp_path / "shop.json"
    export.export_project(store, project, "json", out)
    data = json.loads(out.read_text())
    assert data["project"]["name"] == "demo"
    assert {t["title"] for t in data["tasks"]} == {"Build checkout", "Write tests", "Design logo"}
    blocked = next(t for t in data["tasks"] if t["title"] == "Write tests")
    assert blocked["open_blockers"] == ["CI runner missing"]
    assert len(data["memories"]) == 3
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


def test_export_markdown_quotes_user_text(store, project, tmp_path):
    memory.add(store, project.id, "# not a heading\nsecond line", title="weird")
    text = export.export_project(store, project, "md")
    assert "> # not a heading" in text and "> second line" in text
    assert "\n# not a heading" not in text


def test_export_replaces_a_file_atomically_and_refuses_folders(store, project, tmp_path):
    target = tmp_path / "out.md"
    target.write_text("old export")
    export.export_project(store, project, "md", target)
    assert target.read_text().startswith("# demo")
    with pytest.raises(InvalidInput, match="is a folder"):
        export.export_project(store, project, "md", tmp_path)
    with pytest.raises(NotFound, match="does not exist"):
        export.export_project(store, project, "md", tmp_path / "missing" / "x.md")
    with pytest.raises(InvalidInput, match="invalid export format"):
        export.export_project(store, project, "xml", target)
    assert target.read_text().startswith("# demo")


def test_failed_write_leaves_the_old_file(store, project, tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    target.write_text("previous")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    # A full disk is the environment (exit 7, "free some space"), not a bad file name (exit 3).
    with pytest.raises(EnvironmentUnavailable, match="No space left"):
        export.export_project(store, project, "json", target)
    assert target.read_text() == "previous"
    assert list(tmp_path.iterdir()) == [target]


# ---------------------------------------------------------------- doctor


def test_doctor_reports_names_of_keys_never_values(store, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-very-secret-value")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    report = doctor.run(docker=False)
    dumped = report.model_dump_json()
    assert "sk-test-very-secret-value" not in dumped
    assert "OPENAI_API_KEY" in report.llm_provider_keys
    assert report.store.exists and report.store.schema_applied == report.store.schema_known
    assert {c.name for c in report.checks} == {"python", "store", "git", "docker", "llm keys",
                                                "key storage"}
    assert report.exit_code == 0


def test_doctor_does_not_create_a_missing_store(bmadgen_home):
    report = doctor.run(docker=False)
    assert not report.store.exists
    assert not default_db_path().exists()
    assert report.exit_code == 0


def test_doctor_reports_a_corrupt_store_and_leaves_it(store):
    store.close()
    db = default_db_path()
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO _migrations VALUES ('m999_future', 0)")
    conn.close()
    before = file_digest(db)
    report = doctor.run(docker=False)
    assert report.exit_code == 6
    assert "newer bmadgen" in report.store.error
    assert file_digest(db) == before


def test_docker_check_answers_quickly_without_an_engine(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")  # nothing listens on the discard port
    version, detail = doctor.check_docker(timeout=1)
    assert version is None
    assert "no Docker engine reachable" in detail
