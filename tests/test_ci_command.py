"""CI runs the README's test command, word for word, and what that command needs is in the
`dev` extra the README installs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _readme_test_command() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"^pip install -e '\.\[dev\]' && (python -m pytest[^\n]*)$", readme,
                       re.MULTILINE)
    assert len(found) == 1, found
    return found[0]


def test_ci_runs_the_readme_test_command() -> None:
    lines = (REPO / ".ci/run").read_text(encoding="utf-8").splitlines()
    assert _readme_test_command() in lines


def test_the_dev_extra_has_what_the_test_command_uses() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dev = {re.split(r"[\[<>=!~ ]", item)[0].lower()
           for item in project["optional-dependencies"]["dev"]}
    command = _readme_test_command().split()
    assert "pytest" in dev
    if "-n" in command:  # pytest-xdist spreads the tests over workers
        assert "pytest-xdist" in dev
