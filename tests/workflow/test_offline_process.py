"""The unattended run as a real process: offline, no LLM library loaded, `--help` stays light."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.workflow.conftest import EXAMPLES

HEAVY = ("litellm", "textual", "docker", "mcp")


def _python(code: str, cwd) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ), cwd=cwd, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()[-1]


def test_unattended_run_loads_no_llm_library(tmp_path):
    answers = EXAMPLES / "ecommerce.answers.yaml"
    code = (
        "import sys\nfrom bmadgen.cli.app import main\n"
        f"main(['new', 'shop', '--type', 'ecommerce', '--answers', {str(answers)!r}, '--yes', "
        f"'--until', 'architecture', '--dir', {str(tmp_path / 'shop')!r}])\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    assert _python(code, tmp_path) == "[]"
    assert (tmp_path / "shop" / "appspec.yaml").is_file()


def test_cli_import_does_not_load_the_workflow_services(tmp_path):
    code = (
        "import sys\nimport bmadgen.cli.app\n"
        "print(sorted(m for m in sys.modules if m.startswith('bmadgen.workflow') "
        "or m.startswith('bmadgen.agents') or m in ('yaml', 'jinja2', 'git')))"
    )
    assert _python(code, tmp_path) == "[]"
