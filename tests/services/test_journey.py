"""The main journey through the service layer alone, as the terminal wizard and the MCP server
will call it: no Typer, no CLI wording.

It runs in a fresh interpreter so the test can assert what was (and was not) imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

JOURNEY = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path

    from bmadgen.services import gates, generation, memory, recall, workflow
    from bmadgen.services.session import open_session

    work = Path(sys.argv[1])
    answers = Path(sys.argv[2])
    out = {}
    with open_session(cwd=work) as session:
        created = workflow.new_project(session, "shop", "ecommerce", folder=work / "shop",
                                       answers=answers, until="architecture")
        out["phases"] = {p.phase: p.status for p in created.status.phases}
        out["next"] = created.status.next_action.model_dump()
        out["folder"] = str(session.folder())
        generated = generation.generate(session)
        out["written"] = len(generated.written)
        out["commit"] = generated.commit
        report = gates.run(session, sandbox="local", gates=["format", "lint", "tests"],
                           slices=["catalog"])
        out["gates"] = {r.label: r.status for r in report.results}
        out["backend"] = report.backend
        memory.add(session, "We take payments with Stripe", importance="high", kind="decision")
        found = memory.search(session, "payments stripe")
        out["found"] = [m.content for m in found.items]
        handed = recall.handoff(session)
        out["handoff"] = handed.summary.markdown
        out["recorded"] = handed.recorded is not None
    out["typer_imported"] = "typer" in sys.modules
    out["heavy"] = sorted(m for m in ("litellm", "textual", "mcp", "docker") if m in sys.modules)
    print(json.dumps(out))
    """
)


@pytest.mark.slow
def test_the_main_journey_runs_through_the_services_alone(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(REPO / "src")
    done = subprocess.run(
        [sys.executable, "-c", JOURNEY, str(tmp_path),
         str(REPO / "examples" / "ecommerce.answers.yaml")],
        capture_output=True, text=True, timeout=600, env=env, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])

    assert out["phases"] == {"vision": "approved", "requirements": "approved",
                             "prototype": "approved", "architecture": "approved",
                             "development": "pending"}
    assert out["next"]["kind"] == "run_phase" and out["next"]["phase"] == "development"
    assert out["folder"] == str(tmp_path / "shop")
    assert (tmp_path / "shop" / "app" / "features" / "catalog" / "api.py").is_file()
    assert out["written"] > 10 and out["commit"]
    assert out["backend"] == "local"
    assert out["gates"] == {"format": "passed", "lint": "passed", "tests[catalog]": "passed"}
    assert out["found"] == ["We take payments with Stripe"]
    assert "We take payments with Stripe" in out["handoff"]
    assert out["recorded"] is True
    assert out["typer_imported"] is False
    assert out["heavy"] == []
