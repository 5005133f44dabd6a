"""The layers of bmadgen (docs/architecture.md) hold: import-linter's contracts in
pyproject.toml are kept, and a planted violation is caught (so the check can fail)."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "bmadgen"


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
    ("mcp_server/paging.py", "from bmadgen.store import open_store",
     "bmadgen.mcp_server.paging -> bmadgen.store"),
    ("mcp_server/paging.py", "import bmadgen.cli.common",
     "bmadgen.mcp_server.paging -> bmadgen.cli.common"),
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


# The CLI's subcommands: a string below the faces that names one is a command the face did not
# word (services return a NextAction; cli/wording.py turns it into the command line).
_COMMAND_IN_TEXT = re.compile(
    r"\bbmadgen (new|generate|state|handoff|export|doctor|phase|doc|answers|slice|gate|sandbox|"
    r"project|memory|task|preview|insights)\b")
_FACES = ("cli", "tui", "mcp_server")
# The sample answers file is a document for the person: its header comment says how to use it.
_ALLOWED = {("workflow/answers.py", "# bmadgen answers for a project of type "),
            ("workflow/answers.py", ").\n# Use it with: bmadgen new NAME --type ")}


def _string_literals(tree: ast.AST) -> list[tuple[int, str]]:
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                       ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def test_no_layer_below_the_faces_words_a_command() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if relative.parts[0] in _FACES:
            continue
        for line, text in _string_literals(ast.parse(path.read_text(encoding="utf-8"))):
            if _COMMAND_IN_TEXT.search(text) and (relative.as_posix(), text) not in _ALLOWED:
                found.append(f"{relative}:{line}: {text[:80]!r}")
    assert found == [], "commands worded below the faces (return a NextAction instead):\n" + \
        "\n".join(found)
