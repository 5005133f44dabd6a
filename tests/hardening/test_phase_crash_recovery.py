"""A phase run killed anywhere in its multi-step write (record what it will write, the files,
then the state) is finished by the next `phase run`, without --force and without the loop of
"changes not made by bmadgen" -> approve -> "not awaiting approval" -> run (issue 15, item 13).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import git

# The child runs `bmadgen phase run prototype` in the project folder and SIGKILLs itself (like a
# power cut) at one step: before or after the Nth file write, or just before the state that
# records the run is written.
KILL = """
import os, signal, sys
from bmadgen.cli.app import main
from bmadgen.workflow import engine, state

where, n = sys.argv[1], int(sys.argv[2])
real_write, real_update = engine.write_file, state.update
count = 0

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def write_file(folder, relpath, content):
    global count
    count += 1
    if where == "before-write" and count == n:
        die()
    real_write(folder, relpath, content)
    if where == "after-write" and count == n:
        die()

def update(store, project_id, phase, **changes):
    if where == "before-state" and changes.get("status") == "awaiting_approval":
        die()
    return real_update(store, project_id, phase, **changes)

engine.write_file, state.update = write_file, update
main(["phase", "run", "prototype"])
"""

POINTS = [("before-write", 1), ("after-write", 1), ("after-write", 3), ("after-write", 6),
          ("after-write", 7), ("before-state", 0)]


def _kill_run(folder: Path, where: str, n: int) -> None:
    proc = subprocess.run([sys.executable, "-c", KILL, where, str(n)], cwd=folder,
                          env=dict(os.environ), capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == -signal.SIGKILL, (where, n, proc.stdout, proc.stderr)


@pytest.fixture
def up_to_prototype(store, blog):
    from bmadgen.workflow import engine

    engine.run_through(store, blog, asker=None, approve=lambda _r: True, until="requirements")
    return Path(blog.path)


@pytest.mark.parametrize("where, n", POINTS)
def test_first_run_killed_at_any_step_is_recovered_by_the_next_run(cli, up_to_prototype,
                                                                   monkeypatch, where, n):
    folder = up_to_prototype
    _kill_run(folder, where, n)
    monkeypatch.chdir(folder)
    result = cli("phase", "run", "prototype")
    assert result.code == 0, result.err
    approved = cli("phase", "approve", "prototype")
    assert approved.code == 0, approved.err
    assert git(folder, "status", "--porcelain") == ""


@pytest.mark.parametrize("where, n", POINTS)
def test_a_rerun_killed_between_old_and_new_files_is_recovered(cli, up_to_prototype,
                                                               monkeypatch, where, n):
    # A first run wrote the pages; the answers change; a second run dies part way, leaving
    # some files as the first run wrote them and some as the second was writing them.
    folder = up_to_prototype
    monkeypatch.chdir(folder)
    assert cli("phase", "run", "prototype").code == 0
    assert cli("answers", "set", "prototype.style", "corporate").code == 0
    before = {p: p.read_bytes() for p in (folder / "prototype").iterdir()}
    _kill_run(folder, where, n)
    result = cli("phase", "run", "prototype")
    assert result.code == 0, result.err
    after = {p: p.read_bytes() for p in (folder / "prototype").iterdir()}
    assert after != before, "the second run's answers are in the pages"
    assert cli("phase", "approve", "prototype").code == 0
    assert git(folder, "status", "--porcelain") == ""


def test_a_hand_edit_while_in_progress_does_not_suggest_approving(cli, up_to_prototype,
                                                                  monkeypatch):
    folder = up_to_prototype
    _kill_run(folder, "before-state", 0)
    edited = folder / "docs" / "front-end-spec.md"
    edited.write_text(edited.read_text() + "\nMy own note.\n")
    monkeypatch.chdir(folder)
    line = cli("phase", "run", "prototype").one_line_error(5)
    assert "docs/front-end-spec.md" in line and "--force" in line
    assert "phase approve" not in line  # approving is refused while the phase is in progress
    assert cli("phase", "run", "prototype", "--force").code == 0
    assert "My own note." not in edited.read_text()
