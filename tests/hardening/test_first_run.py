"""The first run reads well: `git status` is clean after `new`, and a key typed into the answers
is warned about before it is committed, without echoing it (issue 15, first run and item 15's
warning)."""

from __future__ import annotations

import json

from .conftest import EXAMPLES, git

SECRET = "sk-proj-" + "A1b2C3d4" * 5  # looks like an OpenAI key; never a real one


def test_git_status_is_clean_after_new(cli, tmp_path):
    folder = tmp_path / "garden"
    assert cli("new", "garden", "--type", "blog", "--answers",
               str(EXAMPLES / "blog.answers.yaml"), "--yes", "--until", "vision",
               "--dir", str(folder)).code == 0
    assert git(folder, "status", "--porcelain", "--ignored=no") == ""
    # The marker stays (bmadgen finds the project by it) but only this clone ignores it.
    assert (folder / ".bmadgen" / "project.json").is_file()
    assert "project.json" not in git(folder, "ls-files")
    assert not (folder / ".gitignore").exists()
    assert "/.bmadgen/project.json" in (folder / ".git" / "info" / "exclude").read_text()


def test_git_status_is_clean_before_the_first_phase_too(blog):
    assert git(blog.path, "status", "--porcelain") == ""


def _answers_with_a_key(tmp_path):
    path = tmp_path / "answers.yaml"
    text = (EXAMPLES / "blog.answers.yaml").read_text()
    path.write_text(text.replace("A blog about urban gardening with reader comments.",
                                 f"A gardening blog; our key is {SECRET}", 1))
    return path


def test_a_key_typed_into_the_answers_is_warned_about_before_approval(cli, tmp_path):
    folder = tmp_path / "garden"
    result = cli("new", "garden", "--type", "blog", "--answers", str(_answers_with_a_key(tmp_path)),
                 "--until", "vision", "--dir", str(folder), "--yes")
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if line.startswith("warning: ")]
    assert warnings, result.err
    assert "vision.summary" in warnings[0] and "API key" in warnings[0]
    assert ".bmadgen/answers.yaml" in warnings[0] and "docs/brief.md" in warnings[0]
    assert SECRET not in result.err and SECRET not in result.out  # never echoed


def test_the_warning_is_in_the_phase_result_for_other_faces(cli, tmp_path, monkeypatch):
    folder = tmp_path / "garden"
    assert cli("new", "garden", "--type", "blog", "--answers", str(_answers_with_a_key(tmp_path)),
               "--until", "vision", "--dir", str(folder), "--yes").code == 0
    monkeypatch.chdir(folder)
    assert cli("phase", "rollback", "vision").code == 0
    result = cli("phase", "run", "vision", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert any("vision.summary" in w for w in data["warnings"])
    assert SECRET not in json.dumps(data["warnings"])
    assert "warning: " in result.err  # the CLI says it on stderr in --json mode too
    approved = cli("phase", "approve", "--json")
    assert approved.code == 0
    assert json.loads(approved.out)["warnings"]


def test_no_warning_without_a_key(cli, tmp_path):
    result = cli("new", "garden", "--type", "blog", "--answers",
                 str(EXAMPLES / "blog.answers.yaml"), "--until", "vision",
                 "--dir", str(tmp_path / "garden"), "--yes")
    assert result.code == 0 and "warning:" not in result.err


def test_each_kind_of_key_is_recognised():
    from bmadgen.workflow import secrets

    keys = {
        "sk-" + "a" * 40: "OpenAI",
        "AKIA" + "ABCDEFGHIJKLMNOP": "AWS",
        "ghp_" + "a1" * 18: "GitHub",
        "github_pat_" + "a" * 30: "GitHub",
        "glpat-" + "a" * 20: "GitLab",
        "xoxb-" + "1" * 12: "Slack",
        "AIza" + "b" * 35: "Google",
        "sk_live_" + "c" * 24: "Stripe",
        "-----BEGIN RSA PRIVATE KEY-----": "private key",
    }
    for key, kind in keys.items():
        found = secrets.find({"vision": {"goals": ["a goal", f"use {key} here"]}})
        assert [f.key for f in found] == ["vision.goals item 2"], key
        assert kind in found[0].kind
    assert secrets.find({"vision": {"summary": "a task-list for skiers; sk-8 is a size"}}) == []
