"""Generated code passes the lint gate (ruff check + ruff format --check, with the generated
project's own configuration) whatever the slice and entity names are: ruff's isort orders
names naturally (th2 before th10), case-insensitively first (issue 15, item 10)."""

from __future__ import annotations

import keyword
import random
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bmadgen import appspec
from bmadgen.generate import service
from bmadgen.generate.pyfmt import isort_modules, isort_names, natural_compare

from .conftest import EXAMPLES, render_app

RUFF = shutil.which("ruff")
pytestmark = pytest.mark.skipif(RUFF is None, reason="ruff is not installed")


def _lint(folder: Path) -> None:
    """What the format and lint gates run, with the generated pyproject.toml's settings."""
    assert RUFF is not None
    for command in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        proc = subprocess.run([RUFF, *command], cwd=folder, capture_output=True, text=True,
                              check=False, timeout=300)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def _spec(features: list[dict]) -> appspec.AppSpec:
    return appspec.parse({"name": "orders_app", "features": features})


def _feature(name: str, entities: list[str] | None = None) -> dict:
    fields = [{"name": "label", "type": "str"}, {"name": "state", "type": "enum",
                                                 "values": ["draft", "done"]}]
    return {"name": name, "entities": [{"name": e, "fields": fields} for e in entities or [name]]}


def _render_to(folder: Path, spec: appspec.AppSpec) -> None:
    """Render the whole app (no git, no manifests: only what the lint gate reads)."""
    for relpath, content in render_app(spec).items():
        path = folder / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


NAME_SETS = {
    "f0..f119": [f"f{i}" for i in range(120)],
    "f119..f0": [f"f{i}" for i in reversed(range(120))],
    "f0..f119 shuffled": random.Random(15).sample([f"f{i}" for i in range(120)], 120),
    "leading zeros": ["a1", "a01", "a001", "a10", "a010", "a0", "a00", "b"],
    "digits and underscores": ["th2", "th10", "th_2", "th_10", "th2x", "th10x", "thx", "th"],
    "runs of digits": ["v1r20", "v1r3", "v10r2", "v2r10", "v2r9", "x9", "x10", "x9a", "x09"],
}


@pytest.mark.parametrize("names", sorted(NAME_SETS))
def test_any_set_of_slice_names_passes_the_lint_gate(tmp_path: Path, names: str) -> None:
    _render_to(tmp_path, _spec([_feature(name) for name in NAME_SETS[names]]))
    _lint(tmp_path)


def test_entity_class_names_in_imports_follow_ruff_too(tmp_path: Path) -> None:
    """Classes: case-insensitive natural order, then case (ThB before Thb); CONSTANT-like
    class names (AB from a_b) first."""
    entities = ["th2", "th10", "th_b", "thb", "th_a1", "thz", "tha", "a_b", "ab", "item9",
                "item10", "item_z", "itemz"]
    _render_to(tmp_path, _spec([_feature("things", entities)]))
    _lint(tmp_path)


def test_slices_added_one_by_one_keep_main_py_sorted(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    project.mkdir()
    data = yaml.safe_load((EXAMPLES / "blog.appspec.yaml").read_text())
    (project / "appspec.yaml").write_text(yaml.safe_dump(data))
    service.generate_app(project)
    for name in ("th2", "th10", "th1", "th_3"):
        service.add_slice(project, name)
        _lint(project)


@pytest.mark.parametrize(
    ("left", "right"),
    [("f2", "f10"), ("f9", "f10"), ("f01", "f1"), ("f0", "f00"), ("f1", "f1a"), ("a_", "ab"),
     ("f2x", "f10"), ("v1r3", "v1r20"), ("x09", "x9")],
)
def test_natural_order(left: str, right: str) -> None:
    assert natural_compare(left, right) < 0 < natural_compare(right, left)
    assert natural_compare(left, left) == 0


def test_import_orders() -> None:
    assert isort_modules(["th10", "th2", "TH3"]) == ["th2", "TH3", "th10"]
    assert isort_names(["Th10", "Th2", "thing", "AB", "Thb", "ThB"]) == [
        "AB", "Th2", "Th10", "ThB", "Thb", "thing"]


IDENTIFIERS = st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name) and not keyword.issoftkeyword(name))
CLASS_NAMES = st.from_regex(r"[A-Z][A-Za-z0-9]{0,5}", fullmatch=True)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.sets(IDENTIFIERS, min_size=2, max_size=12), st.sets(CLASS_NAMES, min_size=2, max_size=8))
def test_our_orders_are_ruffs(tmp_path_factory: pytest.TempPathFactory, modules: set[str],
                              classes: set[str]) -> None:
    """The port of ruff's ordering against ruff itself, on random names."""
    folder = tmp_path_factory.mktemp("order")
    (folder / "pyproject.toml").write_text(
        '[tool.ruff.lint]\nselect = ["I"]\n[tool.ruff.lint.isort]\nknown-first-party = ["app"]\n')
    lines = [f"from app.features.{name} import api as {name}_api" for name in
             isort_modules(modules)]
    names = ", ".join(isort_names(classes))
    (folder / "first.py").write_text("\n".join(lines) + "\n")
    (folder / "second.py").write_text(f"from app.models import {names}\n")
    assert RUFF is not None
    proc = subprocess.run([RUFF, "check", "--no-cache", "--line-length", "1000", "."],
                          cwd=folder, capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 0, proc.stdout
