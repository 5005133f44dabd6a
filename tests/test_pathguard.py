"""The one path guard: relative, inside, no link out, no NUL; a refusal names its source."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bmadgen import pathguard
from bmadgen.errors import InvalidInput


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "app" / "features").mkdir(parents=True)
    (project / "app" / "main.py").write_text("")
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", project / "app" / "out")
    os.symlink(project / "app" / "features", project / "app" / "alias")
    os.symlink(project / "app" / "out", project / "app" / "chain")  # a link to a link out
    return project


@pytest.mark.parametrize(
    "relpath",
    ["app/main.py", "app/new/file.py", "app/./main.py", "a..b/c..", "..hidden", "-rf",
     "name with spaces/ü.txt", "app/alias/x.py", ".bmadgen/generated/skeleton.json"],
)
def test_paths_inside_pass(root: Path, relpath: str) -> None:
    assert pathguard.problem(root, relpath) is None
    assert pathguard.inside(root, relpath, "the test") == root / relpath


@pytest.mark.parametrize(
    ("relpath", "fragment"),
    [
        ("/etc/passwd", "absolute"),
        ("C:/Windows", "absolute"),
        ("../x", "leaves the project"),
        ("app/../../x", "leaves the project"),
        ("app/out/secret", "symlink pointing outside"),
        ("app/chain/secret", "symlink pointing outside"),
        ("app/out", "symlink pointing outside"),
        ("app\\main.py", "backslash"),
        ("app/main.py\x00", "NUL"),
        ("", "empty"),
        (".", "project folder itself"),
        ("x" * 5000, "limit"),
        (None, "not a path"),
        (["app"], "not a path"),
    ],
)
def test_paths_that_leave_are_refused_naming_the_source(
    root: Path, relpath: object, fragment: str
) -> None:
    assert fragment in (pathguard.problem(root, relpath) or "")
    with pytest.raises(InvalidInput) as caught:
        pathguard.inside(root, relpath, ".bmadgen/some-file.json")
    assert caught.value.message == "refusing a path from .bmadgen/some-file.json"
    assert fragment in caught.value.one_line()


def test_links_inside_can_be_refused_too(root: Path) -> None:
    assert pathguard.problem(root, "app/alias/x.py", links=False) == (
        "app/alias: is a symlink; bmadgen does not write through links")


def test_a_root_reached_through_a_link_is_fine(root: Path, tmp_path: Path) -> None:
    os.symlink(root, tmp_path / "via")
    assert pathguard.problem(tmp_path / "via", "app/main.py") is None
    assert "symlink pointing outside" in (pathguard.problem(tmp_path / "via", "app/out/x") or "")


def test_a_link_loop_is_a_problem_not_a_crash(root: Path) -> None:
    os.symlink(root / "app" / "loop", root / "app" / "loop")
    assert pathguard.problem(root, "app/loop/x") is not None


def test_problems_are_listed_once_each(root: Path) -> None:
    assert pathguard.problems(root, ["app/out/a", "app/out/b", "/x", "app/main.py"]) == [
        pathguard.problem(root, "app/out/a"), pathguard.problem(root, "/x")]
