"""Spec values that land in YAML, TOML and Markdown files stay data there (issue 15, item 6),
and spec values no app could be generated from are one-line exit-3 errors (item 9)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from bmadgen.errors import ExitCode
from bmadgen.generate import service
from bmadgen.generate.context import md_line, toml_str, yaml_str

from .conftest import EXAMPLES, new_project

HOSTILE = (
    'Shop "quoted" \\ back\\slash """ \'\'\' [click](javascript:alert(1)) ![x](https://t.example/p.png) '
    "<script>alert(1)</script> &amp; `code` *em* _em_ ~~gone~~ | a | b | # not a heading"
)
HOSTILE_LINES = "- a list item\n# a heading\n1. ordered\n> quote\n    indented code\n===\n[ref]: /x"
PROPERTIES = settings(max_examples=60, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.too_slow])
# Text a spec may hold: anything but control characters (newlines and tabs are allowed) and
# lone surrogates, which the app spec refuses.
SPEC_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"))
    | st.sampled_from(list("\n\t *_`[]()!#<>&|~\\-+=.:;'\"0123456789x")),
    max_size=80,
)


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = yaml.safe_load((EXAMPLES / "blog.appspec.yaml").read_text())
    data["title"] = HOSTILE
    data["description"] = HOSTILE_LINES
    data["stack"]["python"] = "3.12"
    project = tmp_path_factory.mktemp("hostile") / "app"
    project.mkdir()
    (project / "appspec.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    service.generate_app(project)
    return project


def test_pyproject_holds_the_values_as_toml_strings(hostile_app: Path) -> None:
    data = tomllib.loads((hostile_app / "pyproject.toml").read_text())
    assert data["project"]["description"] == HOSTILE_LINES
    assert data["project"]["requires-python"] == ">=3.12"
    assert data["tool"]["mypy"]["python_version"] == "3.12"
    assert sorted(data) == ["build-system", "project", "tool"]


def test_the_ci_workflow_has_exactly_its_steps(hostile_app: Path) -> None:
    workflow = yaml.safe_load((hostile_app / ".github/workflows/ci.yml").read_text())
    steps = workflow["jobs"]["gates"]["steps"]
    assert [step.get("uses") or step.get("run") for step in steps][:3] == [
        "actions/checkout@v4", "actions/setup-python@v5", "python -m pip install -e '.[test]'"]
    assert steps[1]["with"] == {"python-version": "3.12"}
    assert not any("bmadgen" in step.get("run", "") for step in steps)


def _inline_text(md: MarkdownIt, line: str) -> tuple[list[str], str]:
    """The block structure and the inline token types and text of one Markdown line."""
    tokens = md.parse(line)
    blocks = [t.type for t in tokens if t.type != "inline"]
    inline = [t for t in tokens if t.type == "inline"]
    children = [c for t in inline for c in t.children or []]
    assert {c.type for c in children} <= {"text"}, [c.type for c in children]
    return blocks, "".join(c.content for c in children)


def test_the_readme_shows_the_text_and_nothing_else(hostile_app: Path) -> None:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    lines = (hostile_app / "README.md").read_text().splitlines()
    blocks, heading = _inline_text(md, lines[0])
    assert blocks == ["heading_open", "heading_close"]
    assert heading == HOSTILE
    blocks, description = _inline_text(md, lines[2])
    assert blocks == ["paragraph_open", "paragraph_close"]
    assert description == " ".join(HOSTILE_LINES.split())


@PROPERTIES
@given(SPEC_TEXT)
def test_md_line_is_one_paragraph_of_plain_text(text: str) -> None:
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    line = md_line(text)
    assert "\n" not in line
    if not line:
        return
    blocks, shown = _inline_text(md, line)
    assert blocks == ["paragraph_open", "paragraph_close"]
    assert shown == " ".join(text.split())


@PROPERTIES
@given(SPEC_TEXT | st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_toml_str_and_yaml_str_round_trip(text: str) -> None:
    assert tomllib.loads(f"x = {toml_str(text)}")["x"] == text
    assert yaml.safe_load(f"x: {yaml_str(text)}")["x"] == text


def test_toml_str_refuses_a_lone_surrogate() -> None:
    with pytest.raises(ValueError, match="surrogate"):
        toml_str("a\udcffb")


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("min", ".nan"), ("max", ".inf"), ("min", "-.inf"), ("min", ".inf"),
        ("path", "//"), ("path", "/products//x"), ("python", "3.11\\n  - run: evil"),
    ],
)
def test_specs_no_app_can_come_from_exit_3_in_one_line(
    tmp_path: Path, where: str, value: str
) -> None:
    project = new_project(tmp_path / "shop", EXAMPLES / "ecommerce.appspec.yaml")
    text = (project / "appspec.yaml").read_text()
    if where == "path":
        text = text.replace("path: /products,", f'path: "{value}",', 1)
    elif where == "python":
        text = text.replace('python: "3.11"', f'python: "{value}"')
    else:  # price is a money field, stock an int field
        field = "{name: stock, type: int" if value == ".inf" else "{name: price, type: money"
        assert f"{field}, min: 0}}" in text
        text = text.replace(f"{field}, min: 0}}", f"{field}, {where}: {value}}}", 1)
    (project / "appspec.yaml").write_text(text)
    proc = subprocess.run([sys.executable, "-m", "bmadgen", "generate"], cwd=project,
                          capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == ExitCode.INVALID_INPUT, proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert not (project / "app").exists()


@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n\x00\x00", "name: caf\xe9\n".encode("latin-1"), None],
    ids=["binary", "latin-1", "folder"],
)
def test_an_unreadable_spec_file_exits_3_in_one_line(tmp_path: Path, content: bytes | None) -> None:
    project = tmp_path / "shop"
    project.mkdir()
    if content is None:
        (project / "appspec.yaml").mkdir()
    else:
        (project / "appspec.yaml").write_bytes(content)
    proc = subprocess.run([sys.executable, "-m", "bmadgen", "generate", "-C", str(project)],
                          cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == ExitCode.INVALID_INPUT, proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
