"""Property-based tests of everything a person can put into an app spec or `slice add`
(issue 15): arbitrary text, integers of any size, floats with nan and infinities, random YAML,
odd encodings. Whatever comes in, the answer is a spec and an app whose Python compiles, or a
BmadgenError with a documented exit code (3, 4 or 5) in one line; never another exception, and
nothing written outside the project.

Bounded for CI: a fixed seed (derandomize), a few dozen examples each, no deadline.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bmadgen import appspec
from bmadgen.appspec import FIELD_TYPES
from bmadgen.errors import BmadgenError, ExitCode
from bmadgen.generate import service

from .conftest import EXAMPLES, new_project, tree

BASE = yaml.safe_load((EXAMPLES / "blog.appspec.yaml").read_text())
DOCUMENTED = {ExitCode.INVALID_INPUT, ExitCode.NOT_FOUND, ExitCode.CONFLICT}


def bounded(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# Any text, lone surrogates and control characters included, and (as often) text a spec may
# hold: quotes, backslashes, template and Markdown syntax, any language.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=40)
SPEC_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc"))
                    | st.sampled_from(list("\n\t\"'\\{}%<>[]()*_`#|!-=.")), max_size=40)
TEXT = st.one_of(SPEC_TEXT, ANY_TEXT)
IDENTIFIERS = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)
NAMES = st.one_of(IDENTIFIERS, ANY_TEXT,
                  st.sampled_from(["class", "id", "shared", "render", "x" * 41, "a b", "../x"]))
SPECIAL_NUMBERS = st.sampled_from([float("nan"), float("inf"), -float("inf"), 10**400, 2**63,
                                   1e300, -0.0, 0.5, 5e-324])
NUMBERS = st.one_of(
    st.floats(-1e15, 1e15), st.integers(-(10**15), 10**15), SPECIAL_NUMBERS, SPECIAL_NUMBERS,
    st.none(), st.integers(), st.floats(), st.booleans(), st.text(max_size=5),
)
PATHS = st.one_of(st.from_regex(r"(/[a-z_-]{1,8}){1,3}/?", fullmatch=True),
                  st.text(st.sampled_from("/{}ab_-1 ."), max_size=12), ANY_TEXT)
YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=16,
)


def mostly(valid: st.SearchStrategy, wild: st.SearchStrategy) -> st.SearchStrategy:
    """`valid` three times in four (st.one_of picks its branches evenly)."""
    return st.one_of(valid, valid, valid, wild)


def _outcome(call: Callable[[], Any]) -> Any:
    """The call's result, or None when it raised a documented, one-line BmadgenError."""
    try:
        result = call()
    except BmadgenError as exc:
        assert exc.exit_code in DOCUMENTED, exc.to_dict()
        line = exc.one_line()
        assert "\n" not in line and "\r" not in line
        event(f"refused: exit {int(exc.exit_code)}")
        return None
    event("accepted")
    return result


RUFF = shutil.which("ruff")


def _compiles(files: dict[str, str]) -> None:
    """Every .py compiles, the TOML and YAML parse, and (with ruff installed) the code passes
    the lint gate with the generated project's own configuration: no undefined name (a bare
    `nan`), imports in order, formatted."""
    for path, content in files.items():
        if path.endswith(".py"):
            compile(content, path, "exec")
    tomllib.loads(files["pyproject.toml"])
    yaml.safe_load(files[".github/workflows/ci.yml"])
    if RUFF is None:
        return
    with tempfile.TemporaryDirectory() as folder:
        for path, content in files.items():
            if path.endswith(".py") or path == "pyproject.toml":
                (Path(folder) / path).parent.mkdir(parents=True, exist_ok=True)
                (Path(folder) / path).write_text(content, encoding="utf-8")
        for command in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
            proc = subprocess.run([RUFF, *command], cwd=folder, capture_output=True, text=True,
                                  check=False, timeout=120)
            assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-1000:]


@st.composite
def mutated_specs(draw: st.DrawFn) -> dict[str, Any]:
    """The blog spec with one to three values replaced by arbitrary ones."""
    data = copy.deepcopy(BASE)
    feature = draw(st.sampled_from(data["features"]))
    entity = draw(st.sampled_from(feature["entities"]))
    field = draw(st.sampled_from(entity["fields"]))
    for _ in range(draw(st.integers(1, 3))):
        what = draw(st.sampled_from([
            "app name", "app title", "app description", "feature name", "feature title",
            "entity name", "field name", "field description", "min", "max", "max_length",
            "min", "max", "min", "max",
            "type", "enum values", "endpoint path", "python", "stack name", "requirements",
            "whole field",
        ]))
        if what == "app name":
            data["name"] = draw(NAMES)
        elif what in ("app title", "app description"):
            data[what.split()[1]] = draw(TEXT)
        elif what == "feature name":
            feature["name"] = draw(NAMES)
        elif what == "feature title":
            feature["title"] = draw(TEXT)
        elif what == "entity name":
            entity["name"] = draw(NAMES)
        elif what == "field name":
            field["name"] = draw(NAMES)
        elif what == "field description":
            field["description"] = draw(TEXT)
        elif what in ("min", "max", "max_length"):
            if what != "max_length" and draw(mostly(st.just(True), st.just(False))):
                field.update(type=draw(st.sampled_from(["int", "float"])), values=None, ref=None)
                field.pop("max_length", None)
            field[what] = draw(st.one_of(SPECIAL_NUMBERS, NUMBERS))
        elif what == "type":
            field["type"] = draw(st.one_of(st.sampled_from(FIELD_TYPES), TEXT))
        elif what == "enum values":
            field.update(type="enum", values=draw(st.lists(NAMES, max_size=4)))
            field.pop("max_length", None)
        elif what == "endpoint path":
            endpoints = feature.setdefault("endpoints", [])
            endpoints.append({"method": "GET", "path": draw(PATHS), "entity": entity["name"],
                              "action": draw(st.sampled_from(["list", "create", "read"]))})
        elif what == "python":
            data["stack"]["python"] = draw(st.one_of(st.sampled_from(["3.11", "3.12", "3.13"]), TEXT, NUMBERS))
        elif what == "stack name":
            data["stack"]["name"] = draw(NAMES)
        elif what == "requirements":
            feature["requirements"] = draw(st.lists(TEXT, max_size=3))
        else:
            entity["fields"][entity["fields"].index(field)] = draw(YAML_VALUES)
            break
    return {k: v for k, v in data.items() if v is not None}


@bounded(60)
@given(mutated_specs())
def test_any_spec_values_give_an_app_that_compiles_or_a_clean_error(data: dict) -> None:
    spec = _outcome(lambda: appspec.parse(copy.deepcopy(data)))
    if spec is None:
        return
    # What generation renders, in memory; InvalidInput when the stack cannot generate it.
    rendered = _outcome(lambda: service._render(spec, ["", *(f.name for f in spec.features)], None))
    if rendered is not None:
        _compiles({path: text for files in rendered.files.values() for path, text in files.items()})


def _load_bytes(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "appspec.yaml"
        path.write_bytes(content)
        spec = _outcome(lambda: appspec.load(path))
        assert spec is None or isinstance(spec, appspec.AppSpec)


@bounded(50)
@given(st.one_of(YAML_VALUES, st.builds(lambda d: {**BASE, **d},
                                        st.dictionaries(st.sampled_from(sorted(BASE)),
                                                        YAML_VALUES, max_size=3))))
def test_any_yaml_structure_is_a_spec_or_a_clean_error(data: object) -> None:
    # safe_dump escapes what YAML cannot hold raw (lone surrogates too): always UTF-8.
    _load_bytes(yaml.safe_dump(data, allow_unicode=True).encode("utf-8"))


@bounded(50)
@given(st.one_of(
    st.binary(max_size=200),
    st.tuples(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "utf-32", "latin-1",
                               "cp1252", "shift_jis"]),
              st.sampled_from(["", "café ", "漢字 ", "€ "])).map(
        lambda pair: yaml.safe_dump({**BASE, "title": pair[1] + "Blog"}, allow_unicode=True)
        .encode(pair[0], "replace")),
))
def test_any_bytes_or_encoding_is_a_spec_or_a_clean_error(content: bytes) -> None:
    _load_bytes(content)


# `slice add` fields: mostly the documented syntax (name:type, ?, enum=a|b, ref=x) with
# arbitrary parts, sometimes any text at all.
FIELD_STRINGS = mostly(
    st.builds(
        lambda name, kind, argument, optional: f"{name}:{kind}{argument}{optional}",
        mostly(IDENTIFIERS, NAMES),
        mostly(st.sampled_from(FIELD_TYPES), TEXT),
        st.one_of(st.just(""), st.lists(mostly(IDENTIFIERS, NAMES), max_size=3).map(
            lambda values: "=" + "|".join(values)),
            st.sampled_from(["=author", "=post", "=ghost", "=", "=|", "=a||b"])),
        st.sampled_from(["", "", "?", "??"]),
    ),
    TEXT,
)
SLICE_NAMES = mostly(st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True), NAMES)


@pytest.fixture(scope="module")
def generated_blog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = new_project(tmp_path_factory.mktemp("blog") / "app", EXAMPLES / "blog.appspec.yaml")
    service.generate_app(project)
    return project


@bounded(25)
@given(name=SLICE_NAMES, fields=st.lists(FIELD_STRINGS, max_size=3), entity=mostly(st.none(), NAMES),
       title=TEXT)
def test_slice_add_with_any_input_writes_a_slice_that_compiles_or_nothing(
    generated_blog: Path, name: str, fields: list[str], entity: str | None, title: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "app"
        shutil.copytree(generated_blog, project, symlinks=True)
        outside = Path(folder) / "outside"
        outside.mkdir()
        (outside / "keep.txt").write_text("keep\n")
        before = tree(project)
        result = _outcome(lambda: service.add_slice(project, name, entity=entity,
                                                    fields=fields or None, title=title))
        assert sorted(p.name for p in Path(folder).iterdir()) == ["app", "outside"]
        assert [p.name for p in outside.iterdir()] == ["keep.txt"]
        if result is None:
            assert tree(project) == before
            return
        assert result.commit
        _compiles({p: c.decode() for p, c in tree(project).items()
                   if p.endswith(".py") or p in ("pyproject.toml", ".github/workflows/ci.yml")})


@bounded(12)
@given(mutated_specs())
def test_generate_writes_only_inside_the_project(data: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "app"
        project.mkdir()
        (Path(folder) / "outside").mkdir()
        (project / "appspec.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
        result = _outcome(lambda: service.generate_app(project))
        assert sorted(p.name for p in Path(folder).iterdir()) == ["app", "outside"]
        assert list((Path(folder) / "outside").iterdir()) == []
        if result is None:
            assert sorted(p.name for p in project.iterdir()) == ["appspec.yaml"]
        else:
            _compiles({p: c.decode() for p, c in tree(project).items()
                       if p.endswith(".py") or p in ("pyproject.toml", ".github/workflows/ci.yml")})
