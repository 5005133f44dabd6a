"""Numbers beyond 64 bits, text that is not UTF-8 or not one line, and no-op updates: one line
and exit 3 or 4 for each, never an OverflowError or UnicodeEncodeError traceback (issue 15,
item 8 and the misc items)."""

from __future__ import annotations

import json

import pytest

from .conftest import store_dump

HUGE = str(2**63)
BIGGER = "9" * 40

# The fifteen commands that took an integer to SQLite unchecked (issue 15, item 8).
COMMANDS = [
    ["project", "show", "{n}"],
    ["project", "use", "{n}"],
    ["project", "update", "{n}", "--name", "x"],
    ["project", "archive", "{n}"],
    ["project", "list", "--offset", "{n}"],
    ["memory", "show", "{n}"],
    ["memory", "forget", "{n}"],
    ["memory", "list", "--offset", "{n}"],
    ["memory", "search", "word", "--offset", "{n}"],
    ["memory", "add", "text", "--task", "{n}"],
    ["memory", "add", "text", "--file", "a.py", "--lines", "1-{n}"],
    ["task", "show", "{n}"],
    ["task", "update", "{n}", "--note", "x"],
    ["task", "done", "{n}"],
    ["task", "add", "child", "--parent", "{n}"],
    ["task", "list", "--offset", "{n}"],
]


@pytest.fixture
def demo(cli):
    assert cli("project", "new", "demo").code == 0
    assert cli("task", "add", "first").code == 0
    assert cli("memory", "add", "a word to find").code == 0


@pytest.mark.parametrize("number", [HUGE, BIGGER])
@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:3]))
def test_a_number_beyond_64_bits_is_one_line_and_changes_nothing(cli, demo, bmadgen_home,
                                                                   argv, number):
    before = store_dump(bmadgen_home)
    result = cli(*[part.replace("{n}", number) for part in argv])
    line = result.one_line_error(3, 4)
    assert len(line) < 300
    assert store_dump(bmadgen_home) == before


def test_a_marker_with_a_huge_id_is_one_line(cli, demo, tmp_path, monkeypatch):
    folder = tmp_path / "work"
    (folder / ".bmadgen").mkdir(parents=True)
    (folder / ".bmadgen" / "project.json").write_text(json.dumps({"project": "gone", "id": 2**64}))
    monkeypatch.chdir(folder)
    line = cli("task", "list").one_line_error(3, 4)
    assert "project.json" in line


def test_a_digit_that_is_not_ascii_is_a_name_not_an_id(cli, demo):
    cli("project", "show", "\u00b2").one_line_error(4)  # '²'.isdigit(), but int('²') fails
    assert cli("project", "new", "\u0661\u0662").code == 0  # Arabic-Indic "12" is a fine name
    assert cli("project", "show", "\u0661\u0662", "--json").code == 0


@pytest.mark.parametrize("argv", [
    ["memory", "add", "ok ab\udcffcd"],
    ["memory", "add", "text", "--title", "t\udcff"],
    ["task", "add", "title \udcfe"],
    ["project", "new", "name\udcff"],
    ["--project", "\udcff", "state"],
    ["memory", "add", "text", "--file", "caf\udce9.py"],
])
def test_text_that_is_not_utf8_is_one_line(cli, demo, bmadgen_home, argv):
    # Bytes that are not UTF-8 reach Python as lone surrogates in sys.argv.
    before = store_dump(bmadgen_home)
    cli(*argv).one_line_error(3, 4)
    assert store_dump(bmadgen_home) == before


@pytest.mark.parametrize("title", ["two\nlines", "carriage\rreturn", "tab\there", "bell\x07",
                                   "c1\x85control", "bidi\u202eoverride", "sep\u2028line"])
@pytest.mark.parametrize("argv", [
    ["memory", "add", "text", "--title", "{t}"],
    ["task", "add", "{t}"],
    ["project", "new", "{t}"],
    ["memory", "add", "text", "--kind", "{t}"],
])
def test_one_line_fields_refuse_control_characters(cli, demo, bmadgen_home, argv, title):
    before = store_dump(bmadgen_home)
    line = cli(*[part.replace("{t}", title) for part in argv]).one_line_error(3)
    assert "control characters" in line
    assert store_dump(bmadgen_home) == before


def test_multi_line_text_stays_allowed_where_it_belongs(cli, demo):
    assert cli("memory", "add", "first line\nsecond line\tand a tab").code == 0
    assert cli("task", "add", "title", "-d", "a description\nover two lines").code == 0


def test_unblock_adds_a_note_only_when_something_is_blocked(cli, demo):
    first = cli("task", "update", "1", "--unblock", "--json")
    assert first.code == 0
    assert json.loads(first.out)["notes"] == []
    assert cli("task", "update", "1", "--unblock").code == 0
    assert cli("task", "update", "1", "--blocker", "waiting for CI").code == 0
    assert cli("task", "update", "1", "--unblock").code == 0
    assert cli("task", "update", "1", "--unblock").code == 0
    task = json.loads(cli("task", "show", "1", "--json").out)
    assert [n["kind"] for n in task["notes"]] == ["blocker", "resolved"]
    assert task["open_blockers"] == []
