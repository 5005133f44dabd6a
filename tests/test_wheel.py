"""The built wheel carries the templates: a bmadgen installed from it, not this checkout, runs.

The wheel is built from this repository, installed into a fresh venv (which sees the system's
site-packages for the dependencies, but gets its own bmadgen), and its `bmadgen` console script
reads the workflow templates and a stack's templates. PYTHONPATH is cleared in every child, so
neither this checkout's src/ nor an editable install can stand in for the wheel.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str | Path], env: dict[str, str], cwd: Path) -> str:
    proc = subprocess.run([str(a) for a in args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
    return proc.stdout


def test_the_installed_wheel_finds_its_templates(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    # Build: without isolation when hatchling is at hand (no index needed), else pip fetches it.
    dist = tmp_path / "dist"
    no_isolation = ["--no-build-isolation"] if importlib.util.find_spec("hatchling") else []
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", *no_isolation,
          "-w", dist, ROOT], env, tmp_path)
    (wheel,) = dist.glob("bmadgen-*.whl")

    names = set(zipfile.ZipFile(wheel).namelist())
    assert "bmadgen/templates/stacks/fastapi/gates.yaml" in names
    assert "bmadgen/templates/sandbox/Dockerfile.offline" in names
    shipped = {
        "bmadgen/templates/" + p.relative_to(ROOT / "templates").as_posix()
        for p in (ROOT / "templates").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert shipped <= names, sorted(shipped - names)

    # Install it alone into a fresh venv; its dependencies come from the system site-packages.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv],
         env, tmp_path)
    python, bmadgen = venv / "bin" / "python", venv / "bin" / "bmadgen"
    _run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--ignore-installed",
          wheel], env, tmp_path)
    probe = "import bmadgen.resources as r; print(r.__file__); print(r.templates_root())"
    where = _run([python, "-c", probe], env, tmp_path).split()
    assert where[0].startswith(str(venv)), where
    assert where[1] == str((Path(where[0]).parent / "templates").resolve()), where

    sample = _run([bmadgen, "answers", "sample", "--type", "blog"], env, tmp_path)
    assert "\nvision:\n" in sample

    project = tmp_path / "blog"
    project.mkdir()
    shutil.copy(ROOT / "examples" / "blog.appspec.yaml", project / "appspec.yaml")
    plan = _run([bmadgen, "generate", "--dry-run", "-C", project], env, tmp_path)
    assert "app/main.py" in plan
    assert not (project / "app").exists()
