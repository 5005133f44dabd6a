"""The layers of bmadgen (docs/architecture.md) hold: import-linter's contracts in
pyproject.toml are kept, and a planted violation is caught (so the check can fail)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

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


def test_a_face_importing_the_store_breaks_a_contract(tmp_path: Path) -> None:
    copy = tmp_path / "src"
    shutil.copytree(REPO / "src" / "bmadgen", copy / "bmadgen",
                    ignore=shutil.ignore_patterns("__pycache__", "templates"))
    face = copy / "bmadgen" / "cli" / "common.py"
    face.write_text(face.read_text() + "\nfrom bmadgen.store import open_store  # planted\n")
    done = lint_imports(copy)
    assert done.returncode != 0
    assert "bmadgen.cli.common -> bmadgen.store" in done.stdout


def test_agents_importing_the_workflow_breaks_a_contract(tmp_path: Path) -> None:
    copy = tmp_path / "src"
    shutil.copytree(REPO / "src" / "bmadgen", copy / "bmadgen",
                    ignore=shutil.ignore_patterns("__pycache__", "templates"))
    runner = copy / "bmadgen" / "agents" / "runner.py"
    runner.write_text(runner.read_text() + "\nimport bmadgen.workflow.engine  # planted\n")
    done = lint_imports(copy)
    assert done.returncode != 0
    assert "bmadgen.agents.runner -> bmadgen.workflow.engine" in done.stdout
