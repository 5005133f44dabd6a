"""Rendering: deterministic output, user text kept as data, every stack problem listed."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from bmadgen.errors import InvalidInput
from bmadgen.generate import pyfmt
from bmadgen.generate.service import generate_app
from bmadgen.generate.stack import stacks_root

from .conftest import EXAMPLES, SPECS, commit_count, git, new_project, tree


@pytest.mark.parametrize(
    "text",
    ['plain', 'say "hi"', "it's", "both ' and \"\"", "back\\slash", "new\nline\ttab\r",
     "\x00\x1f\x7f", "ünïcødé 漢字", "{{ 7 * 7 }} {% raw %}", "\u2028sep", '"""', "\\"],
)
def test_py_str_is_a_literal_of_exactly_the_text(text: str) -> None:
    literal = pyfmt.py_str(text)
    assert ast.literal_eval(literal) == text
    assert "\n" not in literal


def test_call_layouts_match_ruff() -> None:
    assert pyfmt.call("f", ["a", "b"]) == "f(a, b)"
    wrapped = pyfmt.call("value = function", ["x" * 60, "y" * 30], indent=4)
    assert wrapped == f"    value = function(\n        {'x' * 60}, {'y' * 30}\n    )"
    exploded = pyfmt.call("f", ["x" * 60, "y" * 60])
    assert exploded == f"f(\n    {'x' * 60},\n    {'y' * 60},\n)"


def test_same_spec_gives_byte_identical_files(tmp_path: Path) -> None:
    first = new_project(tmp_path / "one", EXAMPLES / "ecommerce.appspec.yaml")
    second = new_project(tmp_path / "two", EXAMPLES / "ecommerce.appspec.yaml")
    generate_app(first)
    generate_app(second)
    assert tree(first) == tree(second)
    assert "app/features/catalog/services.py" in tree(first)


def test_user_text_is_data_not_template_code(tmp_path: Path) -> None:
    project = new_project(tmp_path / "edge", SPECS / "edge.appspec.yaml")
    generate_app(project)
    main = (project / "app/main.py").read_text()
    # The Jinja-looking title was not evaluated, and it is one valid Python string.
    assert "{{ 7 * 7 }}" in main and "49" not in main
    ui = (project / "app/features/abcdefghijklmnopqrstuvwx/ui.py").read_text()
    assert "TITLE = \"It's <script>alert(1)</script> {{ oops }}\"" in ui
    for path in project.rglob("*.py"):
        ast.parse(path.read_text(), str(path))
    readme = (project / "README.md").read_text()
    assert "&lt;b&gt;bold&lt;/b&gt;" in readme and "<b>" not in readme


def test_generate_writes_the_layout_and_one_commit(shop: Path) -> None:
    before = commit_count(shop)
    result = generate_app(shop)
    assert commit_count(shop) == before + 1
    assert result.commit == git(shop, "rev-parse", "HEAD").strip()
    for path in (
        "pyproject.toml", "README.md", ".github/workflows/ci.yml", "app/__init__.py",
        "app/main.py", "app/shared/database.py", "app/shared/settings.py",
        "app/shared/errors.py", "app/shared/pagination.py", "app/features/catalog/api.py",
        "app/features/catalog/services.py", "app/features/catalog/models.py",
        "app/features/catalog/schemas.py", "app/features/catalog/ui.py",
        "app/features/orders/tests/test_orders.py", ".bmadgen/generated/skeleton.json",
        ".bmadgen/generated/slices/catalog.json",
    ):
        assert (shop / path).is_file(), path
    assert "mypy --strict app" in (shop / ".github/workflows/ci.yml").read_text()
    for path in ("Dockerfile", "compose.yaml", ".dockerignore"):
        assert (shop / path).is_file(), path
    assert git(shop, "status", "--porcelain") == ""
    # Running again changes nothing and makes no commit.
    again = generate_app(shop)
    assert again.written == [] and again.commit is None
    assert commit_count(shop) == before + 1


def test_dry_run_prints_the_plan_and_writes_nothing(shop: Path) -> None:
    before = tree(shop)
    result = generate_app(shop, dry_run=True)
    assert tree(shop) == before
    assert {c.action for c in result.changes} == {"create"}
    assert "app/features/orders/api.py" in result.written


def test_runtime_dependencies_are_only_the_allowed_ones(generated_shop: Path) -> None:
    import tomllib

    data = tomllib.loads((generated_shop / "pyproject.toml").read_text())
    allowed = {"fastapi", "uvicorn", "sqlalchemy", "pydantic", "httpx", "jinja2",
               "python-multipart", "email-validator", "pydantic-settings"}
    names = {d.split(">")[0].split("=")[0].split("[")[0] for d in data["project"]["dependencies"]}
    assert names <= allowed
    tools = {"pytest", "pytest-cov", "ruff", "mypy", "import-linter", "mutmut", "bandit",
             "detect-secrets", "httpx"}
    test_names = {d.split(">")[0] for d in data["project"]["optional-dependencies"]["test"]}
    assert test_names <= tools


def test_template_errors_are_all_listed_and_nothing_is_written(shop: Path, tmp_path: Path) -> None:
    stacks = tmp_path / "stacks"
    shutil.copytree(stacks_root() / "fastapi", stacks / "fastapi")
    slice_dir = stacks / "fastapi/slice/app/features/{{ feature.name }}"
    (slice_dir / "api.py.jinja").write_text("{% for x in %}broken\n")
    (slice_dir / "ui.py.jinja").write_text("{{ feature.no_such_attribute }}\n")
    (stacks / "fastapi/skeleton/README.md.jinja").write_text("{{ app.title | no_such_filter }}\n")
    before = tree(shop)
    with pytest.raises(InvalidInput) as caught:
        generate_app(shop, templates_root=stacks)
    details = " ".join(caught.value.details)
    assert "api.py" in details and "ui.py" in details and "README.md" in details
    assert tree(shop) == before


def test_a_template_path_cannot_leave_the_slice(shop: Path, tmp_path: Path) -> None:
    stacks = tmp_path / "stacks"
    shutil.copytree(stacks_root() / "fastapi", stacks / "fastapi")
    (stacks / "fastapi/slice/escape.py.jinja").write_text("x = 1\n")
    with pytest.raises(InvalidInput, match="cannot generate") as caught:
        generate_app(shop, templates_root=stacks)
    assert any("outside the slice" in d for d in caught.value.details)
    assert not (shop / "escape.py").exists()
