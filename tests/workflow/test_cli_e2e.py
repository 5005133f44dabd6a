"""The unattended offline run through the CLI, end to end, and the CLI's answers to bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bmadgen import appspec
from tests.workflow.conftest import EXAMPLES

PHASES = ["vision", "requirements", "prototype", "architecture", "development"]


def cli(capsys, *args: str) -> tuple[int, str, str]:
    from bmadgen.cli.app import main

    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def artifacts(folder: Path) -> dict[str, bytes]:
    """Every document, prototype file, the app spec and the answers used."""
    paths = [*folder.glob("docs/*.md"), *folder.glob("prototype/*"), folder / "appspec.yaml",
             folder / ".bmadgen" / "answers.yaml"]
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in paths}


def new_shop(capsys, folder: Path, *extra: str) -> tuple[int, str, str]:
    return cli(capsys, "new", "shop", "--type", "ecommerce", "--answers",
               str(EXAMPLES / "ecommerce.answers.yaml"), "--yes", "--dir", str(folder), *extra)


def test_unattended_offline_run_produces_every_artifact(capsys, tmp_path, store):
    import git

    folder = tmp_path / "shop"
    code, out, err = new_shop(capsys, folder)
    assert code == 0, err
    for relpath in ("docs/brief.md", "docs/prd.md", "docs/front-end-spec.md",
                    "docs/architecture.md", "docs/stories.md", "prototype/index.html",
                    "prototype/catalog.html", "appspec.yaml", ".bmadgen/project.json"):
        assert (folder / relpath).is_file(), relpath
        assert str(folder / relpath) in out or relpath.startswith((".bmadgen", "prototype/cat"))
    spec = appspec.load(folder / "appspec.yaml")
    assert [f.name for f in spec.features] == ["catalog", "cart", "orders", "customers"]
    assert "next: every phase is approved" in out
    # one commit per phase, oldest first, each holding that phase's documents
    commits = list(git.Repo(folder).iter_commits("main"))[::-1]
    assert [c.message.split(":")[0] for c in commits] == PHASES
    assert "docs/prd.md" in commits[1].stats.files
    assert "appspec.yaml" in commits[3].stats.files
    # a handoff per phase in memory, and the scrum master's story tasks per feature
    project_id = store.query_one("SELECT id FROM projects WHERE name = 'shop'")[0]
    handoffs = [r["phase"] for r in store.query(
        "SELECT phase FROM handoffs WHERE project_id = ? ORDER BY id", (project_id,))]
    assert handoffs == PHASES
    refs = {r["ref"] for r in store.query("SELECT ref FROM tasks WHERE project_id = ?",
                                          (project_id,))}
    assert {f"slice:{f.name}" for f in spec.features} <= refs
    assert "development" in out and "generation faked in workflow tests" in out


def test_same_answers_give_byte_identical_documents_and_spec(capsys, tmp_path, monkeypatch):
    first, second = tmp_path / "one" / "shop", tmp_path / "two" / "shop"
    assert new_shop(capsys, first)[0] == 0
    monkeypatch.setenv("BMADGEN_HOME", str(tmp_path / "other-home"))  # a fresh store
    assert new_shop(capsys, second)[0] == 0
    a, b = artifacts(first), artifacts(second)
    assert len(a) >= 12
    assert a == b


def test_blog_example_runs_end_to_end(capsys, tmp_path):
    folder = tmp_path / "garden"
    code, _, err = cli(capsys, "new", "garden", "--type", "blog", "--answers",
                       str(EXAMPLES / "blog.answers.yaml"), "--yes", "--dir", str(folder))
    assert code == 0, err
    assert [f.name for f in appspec.load(folder / "appspec.yaml").features] == [
        "posts", "tags", "comments"]


def test_until_stops_after_architecture_and_json_reports_status(capsys, tmp_path):
    code, out, err = new_shop(capsys, tmp_path / "shop", "--until", "architecture", "--json")
    assert code == 0, err
    data = json.loads(out)
    statuses = {p["phase"]: p["status"] for p in data["status"]["phases"]}
    assert statuses == {"vision": "approved", "requirements": "approved",
                        "prototype": "approved", "architecture": "approved",
                        "development": "pending"}
    assert data["status"]["next_action"] == {"kind": "run_phase", "phase": "development",
                                             "slice": None, "run_id": None,
                                             "project_type": None, "detail": ""}


def test_phase_and_doc_commands_inside_the_folder(capsys, tmp_path, monkeypatch):
    folder = tmp_path / "shop"
    assert new_shop(capsys, folder)[0] == 0
    monkeypatch.chdir(folder)
    code, out, _ = cli(capsys, "phase", "status", "--json")
    assert code == 0 and all(p["status"] == "approved" for p in json.loads(out)["phases"])
    code, out, _ = cli(capsys, "doc", "show", "prd")
    assert code == 0 and out == (folder / "docs/prd.md").read_text()
    code, out, _ = cli(capsys, "doc", "history", "appspec", "--json")
    assert code == 0 and [c["message"].split(":")[0] for c in json.loads(out)] == ["architecture"]
    (folder / "docs/prd.md").write_text((folder / "docs/prd.md").read_text() + "\nNew note.\n")
    code, out, _ = cli(capsys, "doc", "diff", "prd")
    assert code == 0 and "+New note." in out
    code, out, _ = cli(capsys, "doc", "list", "--json")
    edited = {d["name"]: d["changed_since_approval"] for d in json.loads(out)}
    assert edited["prd"] is True and edited["brief"] is False


def test_answers_sample_prints_a_valid_file(capsys):
    code, out, _ = cli(capsys, "answers", "sample", "--type", "portfolio")
    assert code == 0
    from bmadgen import definitions
    from bmadgen.workflow import answers

    assert answers.parse_text(out, definitions.project_type("portfolio"))


@pytest.mark.parametrize("args, code, message", [
    (["answers", "sample", "--type", "bakery"], 3, "unknown project type 'bakery'"),
    (["new", "shop", "--type", "bakery", "--yes"], 3, "choose one of: blog, ecommerce"),
    (["new", "Shop Two", "--type", "blog", "--yes"], 3, "project name 'Shop Two' is not valid"),
    (["new", "shop", "--type", "blog", "--until", "deploy"], 4, "unknown phase 'deploy'"),
])
def test_bad_input_is_one_line_with_exit_code(capsys, store, tmp_path, monkeypatch, args, code,
                                             message):
    monkeypatch.chdir(tmp_path)
    result = cli(capsys, *args)
    assert result[0] == code
    assert message in result[2]
    assert "Traceback" not in result[2]
    assert len(result[2].strip().splitlines()) == 1
    assert store.query_one("SELECT count(*) FROM projects")[0] == 0
    assert list(tmp_path.iterdir()) == []


def test_bad_answers_file_creates_nothing_and_names_key_and_line(capsys, tmp_path, store):
    bad = tmp_path / "bad.yaml"
    text = (EXAMPLES / "ecommerce.answers.yaml").read_text().replace("auth: session", "auth: 7")
    bad.write_text(text)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "auth: 7" in t)
    code, _, err = cli(capsys, "new", "shop", "--type", "ecommerce", "--answers", str(bad),
                       "--yes", "--dir", str(tmp_path / "shop"))
    assert code == 3
    assert f"architecture.auth (line {line}): expected one of: none, session, token, got int" in err
    assert not (tmp_path / "shop").exists()
    assert store.query_one("SELECT count(*) FROM projects")[0] == 0


def test_non_empty_folder_is_refused(capsys, tmp_path):
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    code, _, err = new_shop(capsys, folder)
    assert code == 5 and "not an empty folder" in err
    assert (folder / "notes.txt").read_text() == "mine"


def test_approving_a_phase_not_awaiting_approval_is_a_conflict(capsys, tmp_path, monkeypatch):
    folder = tmp_path / "shop"
    assert new_shop(capsys, folder, "--until", "vision")[0] == 0
    monkeypatch.chdir(folder)
    code, _, err = cli(capsys, "phase", "approve", "vision")
    assert code == 5 and "vision is approved, not awaiting approval" in err
    code, _, err = cli(capsys, "phase", "approve", "architecture")
    assert code == 5 and "architecture is pending" in err
    code, _, err = cli(capsys, "phase", "run", "architecture")
    assert code == 5 and "needs requirements approved first" in err
    assert "(hint: bmadgen phase run requirements)" in err
    code, _, err = cli(capsys, "phase", "run", "vision")
    assert code == 5 and "(hint: roll it back first: bmadgen phase rollback vision)" in err
    code, _, err = cli(capsys, "phase", "run", "deploy")
    assert code == 4 and "unknown phase 'deploy'" in err


def test_rollback_change_answer_and_rerun_through_the_cli(capsys, tmp_path, monkeypatch):
    folder = tmp_path / "shop"
    assert new_shop(capsys, folder, "--until", "architecture")[0] == 0
    monkeypatch.chdir(folder)
    code, out, _ = cli(capsys, "phase", "rollback", "requirements", "--json")
    assert code == 0 and json.loads(out)["stale"] == ["prototype", "architecture"]
    code, out, _ = cli(capsys, "phase", "status")
    assert "requirements was rolled back" in out
    code, out, err = cli(capsys, "answers", "set", "requirements.features", "catalog;orders;cart")
    assert code == 0, err
    code, _, err = cli(capsys, "answers", "set", "requirements.features", "catalog;spaceships")
    assert code == 3 and "'spaceships'" in err
    code, _, err = cli(capsys, "answers", "set", "vision.mood", "happy")
    assert code == 4 and "unknown answer key 'vision.mood'" in err
    for phase in ("requirements", "prototype", "architecture"):
        code, _, err = cli(capsys, "phase", "run", phase, "--yes")
        assert code == 0, err
    spec = appspec.load(folder / "appspec.yaml")
    assert [f.name for f in spec.features] == ["catalog", "cart", "orders"]
    code, out, _ = cli(capsys, "doc", "diff", "appspec", "HEAD~1", "HEAD")
    assert code == 0 and "-- name: customers" in out  # the slice removed from the spec
    code, out, _ = cli(capsys, "doc", "show", "appspec", "--rev", "HEAD~1")
    assert code == 0 and "name: customers" in out
    code, _, err = cli(capsys, "doc", "history", "roadmap")
    assert code == 4 and "no document 'roadmap'" in err
