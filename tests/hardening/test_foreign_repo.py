"""A project folder may come with someone else's .git: its config and hooks must not make
bmadgen run a command (issue 15: every git operation, not only the gate's ls-files, ignores
`core.fsmonitor`; hooks are not run; a filter or diff driver is refused with one line)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from .conftest import git


def _marker_command(folder: Path, marker: Path) -> Path:
    script = folder.parent / "evil.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


@pytest.mark.parametrize("setting", ["core.fsmonitor", "core.hooksPath"])
def test_config_commands_do_not_run_when_bmadgen_commits(cli, blog, tmp_path, monkeypatch,
                                                          setting):
    folder = Path(blog.path)
    marker = tmp_path / "ran"
    script = _marker_command(folder, marker)
    if setting == "core.fsmonitor":
        git(folder, "config", "core.fsmonitor", str(script))
    else:  # a hooks folder of the repository's choosing, with every hook bmadgen could trigger
        hooks = tmp_path / "hooks"
        hooks.mkdir()
        for name in ("pre-commit", "commit-msg", "post-commit", "pre-auto-gc"):
            (hooks / name).symlink_to(script)
        git(folder, "config", "core.hooksPath", str(hooks))
    monkeypatch.chdir(folder)
    assert git(folder, "config", setting)  # the setting is there
    assert cli("phase", "run", "vision").code == 0
    assert cli("phase", "approve", "vision").code == 0
    assert cli("doc", "diff", "brief").code == 0
    assert not marker.exists(), f"{setting} made git run a command"
    assert "docs/brief.md" in git(folder, "show", "--name-only", "--format=", "HEAD")  # committed


def test_hooks_in_the_repository_are_not_run(cli, blog, tmp_path, monkeypatch):
    folder = Path(blog.path)
    marker = tmp_path / "ran"
    script = _marker_command(folder, marker)
    for name in ("pre-commit", "commit-msg", "post-commit"):
        (folder / ".git" / "hooks" / name).symlink_to(script)
    monkeypatch.chdir(folder)
    assert cli("phase", "run", "vision").code == 0
    assert cli("phase", "approve", "vision").code == 0
    assert not marker.exists()


@pytest.mark.parametrize(("key", "value"), [
    ("filter.evil.clean", "sh -c 'touch {marker}'"),
    ("diff.evil.textconv", "sh -c 'touch {marker}'"),
    ("core.sshCommand", "sh -c 'touch {marker}'"),
    ("include.path", "{marker}.config"),
])
def test_a_config_that_names_a_command_is_refused_in_one_line(cli, blog, tmp_path, monkeypatch,
                                                               key, value):
    folder = Path(blog.path)
    marker = tmp_path / "ran"
    git(folder, "config", key, value.format(marker=marker))
    (folder / ".gitattributes").write_text("* filter=evil diff=evil\n")
    monkeypatch.chdir(folder)
    assert cli("phase", "run", "vision").code == 0  # writes files; git is not used yet
    line = cli("phase", "approve", "vision").one_line_error(3)
    assert ".git/config sets" in line and "run a command" in line
    assert not marker.exists()
    assert cli("phase", "status").code == 0  # nothing lost: the phase still awaits approval
    assert "awaiting_approval" in cli("phase", "status").out
