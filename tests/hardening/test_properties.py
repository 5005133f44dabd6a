"""Property-based tests of the CLI's inputs (Hypothesis): arbitrary text, integers of any size,
floats with nan and inf, bytes that are not UTF-8, for the arguments of the `project`,
`memory` and `task` commands and for the content of an answers file.

Every run must end with a documented exit code and no traceback (in process, any exception
escaping `main` other than SystemExit fails the property), a refusal is one `error:` line
(usage errors are click's own few lines, exit 2), and a refused command leaves every table of
the store as it was. Fixed seed (`derandomize`) and bounded examples: part of `pytest -q`.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import EXAMPLES, Run, run_in_process, store_dump

PROPERTY = settings(max_examples=60, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
ALLOWED_EXITS = {0, 2, 3, 4, 5}

# ---------------------------------------------------------------- inputs

ODD_TEXT = st.sampled_from([
    "", " ", "-", "--", "0", "-1", "007", "\u00b2", "\u0661\u0662", "\uff11\uff12", "nan", "inf",
    "1e309", "%", "_", "*", "'", '"', "' OR 1=1 --", "NEAR(a b)", "a AND b", "\x00", "\n",
    "line\nbreak", "\t", "\x1b[31mred", "\u202egnp.exe", "\u2028", "\ufeff", "\U0001f600",
    "a" * 600, "x" * 10_001, "../../etc/passwd", "/dev/zero", "C:\\\\x", "\udcff\udcfe",
])
UNDECODABLE = st.binary(min_size=1, max_size=24).map(os.fsdecode)  # lone surrogates, as argv
TEXT = st.one_of(st.text(max_size=40), UNDECODABLE, ODD_TEXT)
INTS = st.one_of(
    st.integers(),
    st.integers(min_value=2**63 - 3, max_value=2**80),
    st.integers(min_value=-(2**80), max_value=-(2**63) + 3),
    st.integers(min_value=-3, max_value=5),
    st.sampled_from(["9" * 4400, "9" * 20, "0x10", "1_000", " 1", "\uff11", "1.5", "-0"]),
)
NUMBERS = st.one_of(INTS, st.floats(allow_nan=True, allow_infinity=True), TEXT).map(str)
LEVELS = st.one_of(st.sampled_from(["critical", "high", "medium", "low", "active",
                                    "completed"]), TEXT)


def _check(argv: list[str], home) -> Run:
    before = store_dump(home)
    result = run_in_process(*argv)
    assert "Traceback" not in result.err
    assert result.code in ALLOWED_EXITS, (argv, result.code, result.err)
    if result.code != 0:
        if result.code != 2:
            lines = [line for line in result.err.splitlines() if line.strip()]
            assert len(lines) == 1 and lines[0].startswith("error: "), (argv, result.err)
        assert store_dump(home) == before, f"{argv} was refused but changed the store"
    return result


@pytest.fixture
def demo(bmadgen_home):
    for argv in (["project", "new", "demo"], ["task", "add", "first"],
                 ["task", "update", "1", "--blocker", "waiting"],
                 ["memory", "add", "a word to find", "--task", "1"]):
        assert run_in_process(*argv).code == 0
    return bmadgen_home


# ---------------------------------------------------------------- properties


@PROPERTY
@given(command=st.sampled_from(["show", "use", "archive", "update", "new", "list"]),
       a=TEXT, b=TEXT, n=NUMBERS, m=NUMBERS)
def test_project_commands_take_any_input(demo, command, a, b, n, m):
    argv = {
        "show": ["project", "show", "--", a],
        "use": ["project", "use", "--", a],
        "archive": ["project", "archive", "--", a],
        "update": ["project", "update", "--name", b, "--type", b, "--", a],
        "new": ["project", "new", "--type", b, "-d", b, "--", a],
        "list": ["project", "list", "--offset", n, "--limit", m],
    }[command]
    _check(argv, demo)


@PROPERTY
@given(command=st.sampled_from(["add", "add-task", "add-file", "search", "list", "show",
                                "forget"]),
       text=TEXT, title=TEXT, level=LEVELS, n=NUMBERS, lines=TEXT)
def test_memory_commands_take_any_input(demo, command, text, title, level, n, lines):
    argv = {
        "add": ["memory", "add", "--title", title, "-i", level, "--kind", title, "--", text],
        "add-task": ["memory", "add", "--task", n, "--", text],
        "add-file": ["memory", "add", "--file", title, "--lines", lines, "--", text],
        "search": ["memory", "search", "-i", level, "--offset", n, "--", text],
        "list": ["memory", "list", "--kind", title, "-i", level, "--offset", n],
        "show": ["memory", "show", "--", n],
        "forget": ["memory", "forget", "--", n],
    }[command]
    _check(argv, demo)


@PROPERTY
@given(command=st.sampled_from(["add", "show", "update", "block", "unblock", "done", "list"]),
       text=TEXT, level=LEVELS, n=NUMBERS, m=NUMBERS)
def test_task_commands_take_any_input(demo, command, text, level, n, m):
    argv = {
        "add": ["task", "add", "-d", text, "--priority", level, "--parent", n, "--", text],
        "show": ["task", "show", "--", n],
        "update": ["task", "update", "--progress", m, "--note", text, "--priority", level,
                   "--", n],
        "block": ["task", "update", "--blocker", text, "--", n],
        "unblock": ["task", "update", "--unblock", "--", n],
        "done": ["task", "done", "--", n],
        "list": ["task", "list", "--status", level, "--priority", level, "--offset", n],
    }[command]
    _check(argv, demo)


@PROPERTY
@given(ref=st.one_of(TEXT, NUMBERS))
def test_the_project_option_takes_any_input(demo, ref):
    for argv in (["--project", ref, "state"], ["memory", "list", "-p", ref],
                 ["task", "list", "-p", ref]):
        _check(argv, demo)


def _yaml_documents():
    import yaml

    leaves = st.one_of(st.none(), st.booleans(), st.integers(), TEXT,
                       st.floats(allow_nan=True, allow_infinity=True))
    trees = st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.one_of(TEXT, st.integers()), inner,
                                                     max_size=4)), max_leaves=12)
    phases = st.dictionaries(
        st.sampled_from(["vision", "requirements", "prototype", "architecture", "other"]),
        st.one_of(trees, st.dictionaries(st.sampled_from(["summary", "users", "features",
                                                          "style", "stack", "nope"]), trees,
                                         max_size=4)), max_size=5)
    return phases.map(lambda data: yaml.safe_dump(data, allow_unicode=True).encode(
        "utf-8", "surrogateescape"))


def _mutations():
    example = (EXAMPLES / "blog.answers.yaml").read_bytes()
    return st.tuples(st.integers(0, len(example)), st.integers(0, 40), st.binary(max_size=40)) \
        .map(lambda t: example[:t[0]] + t[2] + example[t[0] + t[1]:])


ANSWER_FILES = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogateescape")),
    st.text(max_size=200).map(lambda t: t.encode("latin-1", "replace")),
    st.text(max_size=100).map(lambda t: t.encode("utf-16")),
    _yaml_documents(),
    _mutations(),
)


@PROPERTY
@given(content=ANSWER_FILES)
def test_any_answers_file_is_checked_without_a_traceback(bmadgen_home, blog, tmp_path,
                                                         monkeypatch, content):
    monkeypatch.chdir(blog.path)
    path = tmp_path / "answers.yaml"
    path.write_bytes(content)
    result = _check(["phase", "run", "vision", "--answers", str(path)], bmadgen_home)
    if result.code == 0:  # a valid file ran the phase: put it back for the next example
        assert run_in_process("phase", "rollback", "vision").code == 0
