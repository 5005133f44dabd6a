"""The generated CI workflow runs as written: it installs what the app's pyproject.toml names
and runs the gate commands of the stack's gates.yaml, without bmadgen. Its `run:` steps are
executed here, in order, in a fresh virtualenv, the way GitHub's runner does (`bash -e`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bmadgen.appspec import load as load_spec
from bmadgen.generate.service import generate_app

from .conftest import EXAMPLES, REPO, new_project, render_app

WORKFLOW = ".github/workflows/ci.yml"
GATE_WHEELHOUSE = Path("/var/cache/bmadgen/wheelhouse")
# The build backend pyproject.toml names and what an editable install of it needs; the gate
# wheelhouse holds the app's dependencies and tools but not these.
BUILD_BACKEND = ("hatchling", "editables")


def _workflow(text: str) -> dict:
    return yaml.safe_load(text)


def _gates() -> list[dict]:
    return yaml.safe_load((REPO / "templates/stacks/fastapi/gates.yaml").read_text())["gates"]


@pytest.fixture(scope="module")
def workflow_text() -> str:
    return render_app(load_spec(EXAMPLES / "ecommerce.appspec.yaml"))[WORKFLOW]


def test_the_workflow_needs_no_bmadgen(workflow_text: str) -> None:
    steps = _workflow(workflow_text)["jobs"]["gates"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert runs[0] == "python -m pip install -e '.[test]'"
    assert not any("bmadgen" in run for run in runs)


def test_the_workflow_runs_every_required_gate_in_order(workflow_text: str) -> None:
    steps = _workflow(workflow_text)["jobs"]["gates"]["steps"]
    names = [step["name"].split(" ")[0] for step in steps if "run" in step][1:]
    required = [gate["name"] for gate in _gates() if gate.get("required", True)]
    assert list(dict.fromkeys(names)) == required
    runs = "\n".join(step["run"] for step in steps if "run" in step)
    for slice_name in ("catalog", "orders"):
        assert f"--cov=app/features/{slice_name} --cov-branch --cov-fail-under=90" in runs
        assert f'mutmut run "app.features.{slice_name}.*"' in runs
        assert f"app.features.{slice_name} 85" in runs
    # The thresholds are gates.yaml's.
    thresholds = {gate["name"]: gate.get("threshold") for gate in _gates()}
    assert thresholds["tests"] == 90 and thresholds["mutation"] == 85


def _pip_environment(tmp_path: Path) -> tuple[dict[str, str], str]:
    """Offline from the gate wheelhouse (plus the build backend, fetched once) when it is
    there; else whatever index pip is configured with."""
    if not GATE_WHEELHOUSE.is_dir():
        return {}, "the package index"
    backend = tmp_path / "build-backend"
    fetched = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--dest",
         str(backend), *BUILD_BACKEND], check=False, capture_output=True, text=True)
    if fetched.returncode != 0:
        return {}, "the package index (the build backend could not be fetched)"
    return ({"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": f"{GATE_WHEELHOUSE} {backend}"},
            f"{GATE_WHEELHOUSE}, offline")


@pytest.mark.slow
def test_every_step_of_the_workflow_passes_in_a_fresh_venv(tmp_path: Path) -> None:
    project = new_project(tmp_path / "shop", EXAMPLES / "ecommerce.appspec.yaml")
    generate_app(project)
    workflow = _workflow((project / WORKFLOW).read_text())
    job = workflow["jobs"]["gates"]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip_env, source = _pip_environment(tmp_path)
    ambient = {k: v for k, v in os.environ.items()
               if not k.startswith(("PYTEST_", "COV_", "PIP_", "PYTHON", "VIRTUAL_ENV",
                                    "DATABASE_", "APP_", "SECRET_", "CORS_", "LOG_LEVEL"))}
    environment = {**ambient, **job.get("env", {}), **pip_env, "VIRTUAL_ENV": str(venv),
                   "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}", "CI": "true"}
    ran = []
    for step in job["steps"]:
        if "run" not in step:
            continue  # checkout and setup-python: the project folder and the venv stand in
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=project, env=environment,
                              capture_output=True, text=True, timeout=1800, check=False)
        if done.returncode != 0 and not ran and "PIP_NO_INDEX" in environment:
            # A dependency the gate wheelhouse lacks (one added since it was filled): the
            # index supplies it, as it would on GitHub's runner.
            environment.pop("PIP_NO_INDEX")
            source += ", then the package index"
            done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=project,
                                  env=environment, capture_output=True, text=True,
                                  timeout=1800, check=False)
        output = (done.stdout + done.stderr)[-3000:]
        assert done.returncode == 0, f"step {step['name']!r} failed (pip: {source}):\n{output}"
        ran.append(step["name"])
    # install, six app-wide gates, the whole app's tests, tests and mutation per slice
    assert len(ran) == 1 + 6 + 1 + 2 + 2
    assert (venv / "bin" / "mutmut").is_file() and not (venv / "bin" / "bmadgen").exists()
