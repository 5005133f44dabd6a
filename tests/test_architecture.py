"""The layers of bmadgen (docs/architecture.md) hold: import-linter's contracts in
pyproject.toml are kept, and a planted violation is caught (so the check can fail)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(src)
    command = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(command) if command.exists() else "lint-imports", "--config",
         str(REPO / "pyproject.toml"), "--no-cache"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
    )


def test_the_import_contracts_are_kept() -> None:
    done = lint_imports(REPO / "src")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "kept, 0 broken" in done.stdout


@pytest.mark.parametrize("module, planted, caught", [
    ("cli/common.py", "from bmadgen.store import open_store", "bmadgen.cli.common -> bmadgen.store"),
    ("tui/jobs.py", "from bmadgen.store import open_store", "bmadgen.tui.jobs -> bmadgen.store"),
    ("agents/runner.py", "import bmadgen.workflow.engine",
     "bmadgen.agents.runner -> bmadgen.workflow.engine"),
    ("gates/service.py", "import bmadgen.tasks", "bmadgen.gates.service -> bmadgen.tasks"),
])
def test_a_planted_violation_breaks_a_contract(tmp_path: Path, module: str, planted: str,
                                               caught: str) -> None:
    copy = tmp_path / "src"
    shutil.copytree(REPO / "src" / "bmadgen", copy / "bmadgen",
                    ignore=shutil.ignore_patterns("__pycache__"))
    source = copy / "bmadgen" / module
    source.write_text(source.read_text() + f"\n{planted}  # planted\n")
    done = lint_imports(copy)
    assert done.returncode != 0
    assert caught in done.stdout
