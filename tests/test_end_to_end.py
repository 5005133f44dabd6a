"""The README's main job, as a user runs it: one command from an idea to a generated, gated app.

Runs the real generation and the real gates (in Docker when an engine and the gate image are
there, which CI guarantees; otherwise in the local backend, which says it is not isolated).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def bmadgen(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bmadgen", *args], cwd=cwd, text=True, check=False,
                          capture_output=True, timeout=900)


@pytest.mark.slow
def test_new_runs_all_five_phases_offline_and_ends_with_a_gated_app(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    run = bmadgen("new", "shop", "--type", "ecommerce", "--answers",
                  str(REPO / "examples" / "ecommerce.answers.yaml"), "--yes", "--dir", str(folder))
    assert run.returncode == 0, run.stdout + run.stderr
    for relpath in ("docs/brief.md", "docs/prd.md", "docs/front-end-spec.md",
                    "prototype/index.html", "docs/architecture.md", "appspec.yaml",
                    "app/main.py", "app/features/catalog/api.py", "pyproject.toml"):
        assert (folder / relpath).is_file(), relpath
    assert "development   approved" in run.stdout
    # progress was shown while the gates ran, one line per finished gate
    assert "mutation[catalog]: passed" in run.stderr

    shown = bmadgen("gate", "show", "--json", cwd=folder)
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["passed"] is True
    if os.environ.get("CI", "").lower() == "true":
        assert report["backend"] == "docker" and report["isolated"] is True
    verdicts = {v["slice"]: v["verdict"] for v in report["verdicts"]}
    # The shop signs people in (the architecture answer is session): its accounts slice is
    # gated like the others.
    assert set(verdicts) == {"catalog", "cart", "orders", "customers", "accounts"}
    assert all(v in ("PASS", "CONCERNS") for v in verdicts.values()), verdicts

    # the QA verdict reached each slice's story task
    tasks = json.loads(bmadgen("task", "list", "--json", "--limit", "500", cwd=folder).stdout)
    slice_tasks = [t for t in tasks["items"] if (t["ref"] or "").startswith("slice:")]
    assert len(slice_tasks) == 4
    assert all(any("QA" in n["text"] or "verdict" in n["text"].lower() for n in t["notes"])
               for t in slice_tasks), slice_tasks
