"""A generator killed mid-write leaves the tree as before or (once rolled forward) as after."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bmadgen.errors import ExitCode
from bmadgen.generate import writer

from .conftest import git, tree

# The child generates the app; given a number N, it first replaces the writer's test seam so
# that it SIGKILLs itself (like a power cut) after its Nth staged or renamed file.
RUN = """
import os, signal, sys
from pathlib import Path
from bmadgen.generate import writer
from bmadgen.generate.service import generate_app

if len(sys.argv) > 2:
    kill_after = int(sys.argv[2])
    assert callable(writer._after_file_op), "writer has no _after_file_op seam"

    def _die(count):
        if count >= kill_after:
            os.kill(os.getpid(), signal.SIGKILL)

    writer._after_file_op = _die
generate_app(Path(sys.argv[1]))
"""


def _change_spec(project: Path) -> None:
    """A spec change that rewrites many files: a new field and a new slice."""
    data = yaml.safe_load((project / "appspec.yaml").read_text())
    data["features"][0]["entities"][1]["fields"].append({"name": "sku", "type": "str"})
    data["features"].append(
        {"name": "reviews", "entities": [{"name": "review", "fields": [{"name": "body", "type": "text"}]}]}
    )
    (project / "appspec.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    git(project, "commit", "-qam", "spec: sku, reviews")


def _generate(project: Path, kill_after: int | None) -> subprocess.CompletedProcess:
    args = [sys.executable, "-c", RUN, str(project)]
    if kill_after is not None:
        args.append(str(kill_after))
    return subprocess.run(args, check=False, capture_output=True, text=True, timeout=120)


def _visible(folder: Path) -> dict[str, bytes]:
    """The tree a user sees: without bmadgen's own staging area and journal."""
    return {p: c for p, c in tree(folder).items()
            if not p.startswith((writer.STAGING_DIR + "/", writer.JOURNAL))}


@pytest.fixture
def scenario(generated_shop: Path, tmp_path: Path) -> tuple[Path, dict[str, bytes], dict[str, bytes], int]:
    _change_spec(generated_shop)
    before = _visible(generated_shop)
    reference = tmp_path / "reference"
    shutil.copytree(generated_shop, reference)
    assert _generate(reference, None).returncode == 0
    after = _visible(reference)
    changed = sum(1 for p in after if after[p] != before.get(p))
    assert changed > 10
    return generated_shop, before, after, changed


def test_killed_at_every_stage_the_tree_is_before_or_after(tmp_path: Path, scenario) -> None:
    project, before, after, changed = scenario
    # Each written file is staged (one tick) and then renamed (one tick).
    points = sorted({1, changed // 2, changed, changed + 1, changed + changed // 2, 2 * changed})
    outcomes = set()
    for point in points:
        trial = tmp_path / f"trial-{point}"
        shutil.copytree(project, trial)
        proc = _generate(trial, point)
        assert proc.returncode == -signal.SIGKILL, (point, proc.stderr)
        seen = _visible(trial)
        for path in set(seen) | set(before) | set(after):  # never a half-written file
            assert seen.get(path) in (before.get(path), after.get(path)), (point, path)
        writer.recover(trial)  # what every bmadgen generation command does first
        final = _visible(trial)
        assert final in (before, after), point
        outcomes.add("after" if final == after else "before")
        if final == after:
            assert git(trial, "status", "--porcelain") == ""
            assert "generate shop" in git(trial, "log", "-1", "--format=%s")
    assert outcomes == {"before", "after"}


def test_an_interrupted_run_is_finished_by_the_next_command(scenario, tmp_path: Path) -> None:
    project, _before, after, changed = scenario
    proc = _generate(project, changed + 2)
    assert proc.returncode == -signal.SIGKILL
    assert (project / writer.JOURNAL).exists()
    assert _generate(project, None).returncode == 0
    assert _visible(project) == after
    assert not (project / writer.STAGING_DIR).exists()


def test_a_second_generation_at_the_same_time_is_refused(generated_shop: Path) -> None:
    from bmadgen.errors import Conflict
    from bmadgen.generate.service import regen_slice

    with writer.locked(generated_shop), pytest.raises(Conflict, match="another bmadgen"):
        regen_slice(generated_shop, "orders")
    assert regen_slice(generated_shop, "orders").conflicted == []  # free again afterwards


def _cli_generate(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bmadgen", "generate"], cwd=project,
                          check=False, capture_output=True, text=True, timeout=120)


def test_after_a_kill_at_any_point_the_next_generate_finishes_without_force(
    tmp_path: Path, scenario
) -> None:
    project, _before, after, changed = scenario
    for point in sorted({1, changed, changed + 1, 2 * changed - 1}):
        trial = tmp_path / f"next-{point}"
        shutil.copytree(project, trial)
        assert _generate(trial, point).returncode == -signal.SIGKILL
        proc = _cli_generate(trial)  # the real command, no --force, no manual clean-up
        assert proc.returncode == 0, (point, proc.stderr)
        assert _visible(trial) == after, point
        assert git(trial, "status", "--porcelain") == "", point
        assert not (trial / writer.JOURNAL).exists() and not (trial / writer.STAGING_DIR).exists()


# A run whose paths look odd but stay inside the project: recovery must not refuse it.
ODD = """
import os, signal, sys
from pathlib import Path
from bmadgen.generate import writer

kill_after = int(sys.argv[2])

def _die(count):
    if count >= kill_after:
        os.kill(os.getpid(), signal.SIGKILL)

writer._after_file_op = _die
writer.Transaction(Path(sys.argv[1]), "bmadgen: odd names", writes={
    "docs/..notes.md": "dots\\n", "weird name/ü -x.txt": "spaces\\n", "-rf": "dash\\n",
    "app/a..b.py": "X = 1\\n", "$HOME/~user.txt": "shell-ish\\n", ".bmadgen/x/..y": "state\\n",
}, deletes=["old file.txt"]).apply()
"""


def test_a_killed_run_with_odd_but_inside_paths_is_recovered(generated_shop: Path) -> None:
    (generated_shop / "old file.txt").write_text("old\n")
    git(generated_shop, "add", "old file.txt")
    git(generated_shop, "commit", "-qm", "old file")
    proc = subprocess.run([sys.executable, "-c", ODD, str(generated_shop), "8"], check=False,
                          capture_output=True, text=True, timeout=120)  # 6 staged, 2 renamed
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert (generated_shop / writer.JOURNAL).exists()
    done = _cli_generate(generated_shop)
    assert done.returncode == 0, done.stderr
    assert (generated_shop / "weird name/ü -x.txt").read_text() == "spaces\n"
    assert (generated_shop / "-rf").read_text() == "dash\n"
    assert not (generated_shop / "old file.txt").exists()
    assert "odd names" in git(generated_shop, "log", "-2", "--format=%s")
    assert git(generated_shop, "status", "--porcelain") == ""


def test_a_tampered_journal_after_a_kill_is_refused_then_the_real_one_recovers(
    tmp_path: Path, scenario
) -> None:
    project, _before, after, changed = scenario
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "important.txt").write_text("precious\n")
    assert _generate(project, changed + 2).returncode == -signal.SIGKILL
    journal = project / writer.JOURNAL
    genuine = journal.read_text()
    data = json.loads(genuine)
    data["deletes"].append(str(victim / "important.txt"))
    data["moves"].append([data["moves"][0][0], os.path.relpath(victim / "x.txt", project)])
    journal.write_text(json.dumps(data))
    killed = tree(project)
    refused = _cli_generate(project)
    assert refused.returncode == ExitCode.INVALID_INPUT, refused.stderr
    assert "generation-journal.json" in refused.stderr and refused.stderr.count("\n") == 1
    assert tree(project) == killed  # nothing replayed, nothing cleaned
    assert sorted(p.name for p in victim.iterdir()) == ["important.txt"]
    journal.write_text(genuine)  # the person puts the real journal back
    assert _cli_generate(project).returncode == 0
    assert _visible(project) == after
    assert (victim / "important.txt").read_text() == "precious\n"
