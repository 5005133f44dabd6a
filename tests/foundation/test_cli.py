"""The CLI face: every command, --json, exit codes, one-line errors, nothing lost."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bmadgen import projects
from bmadgen.store import open_store

from .foundation_helpers import assert_one_line_error, run_bmadgen


@pytest.fixture
def shop(cli):
    assert cli("project", "new", "shop", "--type", "ecommerce").code == 0
    assert cli("memory", "add", "Use Stripe for payments", "--kind", "decision", "-i", "high",
               "--title", "Payments").code == 0
    assert cli("task", "add", "Build checkout", "--priority", "critical").code == 0
    return "shop"


def _counts() -> tuple[int, int, int, int]:
    with open_store() as store:
        return tuple(store.scalar(f"SELECT count(*) FROM {t}")  # type: ignore[return-value]
                     for t in ("projects", "memories", "tasks", "task_notes"))


def test_every_list_and_show_takes_json(cli, shop):
    documents = {
        "project list": cli("project", "list", "--json").json(),
        "project show": cli("project", "show", "--json").json(),
        "memory list": cli("memory", "list", "--json").json(),
        "memory search": cli("memory", "search", "stripe,", "--json").json(),
        "memory show": cli("memory", "show", "1", "--json").json(),
        "task list": cli("task", "list", "--json").json(),
        "task show": cli("task", "show", "1", "--json").json(),
        "state": cli("state", "--json").json(),
        "doctor": cli("doctor", "--no-docker", "--json").json(),
        "handoff": cli("handoff", "--no-record", "--json").json(),
    }
    assert documents["project list"]["items"][0]["name"] == "shop"
    assert documents["memory search"]["items"][0]["title"] == "Payments"
    assert documents["memory search"]["matched"] == "all"
    assert documents["task show"]["priority"] == "critical"
    assert documents["state"]["active_total"] == 1
    assert documents["handoff"]["recorded"] is None
    assert "Use Stripe" in documents["handoff"]["summary"]["markdown"]


def test_human_output(cli, shop):
    assert "Payments" in cli("memory", "search", "stripe").out
    assert "Build checkout" in cli("task", "list").out
    out = cli("state").out
    assert "Build checkout" in out and "Use Stripe" in out
    handoff = cli("handoff")
    assert handoff.code == 0 and handoff.out.startswith("# Handoff: shop")
    assert cli("memory", "list", "--kind", "handoff", "--json").json()["total"] == 1


def test_task_lifecycle(cli, shop):
    assert cli("task", "update", "1", "--progress", "50", "--note", "half way").code == 0
    assert cli("task", "update", "1", "--blocker", "API key").code == 0
    shown = cli("task", "show", "1", "--json").json()
    assert shown["progress"] == 50 and shown["open_blockers"] == ["API key"]
    assert cli("task", "update", "1", "--unblock", "--json").json()["open_blockers"] == []
    assert cli("task", "done", "1", "--json").json()["status"] == "completed"
    assert_one_line_error(cli("task", "done", "1"), 5)
    assert cli("task", "list", "--status", "completed", "--json").json()["total"] == 1


def test_project_commands(cli, shop):
    assert cli("project", "new", "blog").code == 0
    assert cli("project", "use", "shop", "--json").json()["name"] == "shop"
    assert cli("memory", "list", "--json").json()["total"] == 1  # acts on shop now
    assert cli("--project", "blog", "memory", "list", "--json").json()["total"] == 0
    assert cli("project", "update", "blog", "--description", "words").code == 0
    assert cli("project", "archive", "blog", "--json").json()["status"] == "archived"
    assert [p["name"] for p in cli("project", "list", "--json").json()["items"]] == ["shop"]


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["project", "new", ""], 3),
        (["project", "new", "x" * 201], 3),
        (["project", "new", "shop"], 5),
        (["project", "show", "nope"], 4),
        (["project", "use", "999"], 4),
        (["memory", "add", ""], 3),
        (["memory", "add", "x" * 50_001], 3),
        (["memory", "add", "text", "--importance", "urgent"], 3),
        (["memory", "add", "text", "--task", "999"], 4),
        (["memory", "add", "text", "--lines", "3-1", "--file", "a.py"], 3),
        (["memory", "show", "999"], 4),
        (["memory", "forget", "999"], 4),
        (["memory", "search", "?!"], 3),
        (["memory", "search", "x", "--importance", "huge"], 3),
        (["memory", "list", "--importance", "huge"], 3),
        (["task", "add", ""], 3),
        (["task", "add", "t", "--priority", "p0"], 3),
        (["task", "add", "t", "--parent", "999"], 4),
        (["task", "show", "999"], 4),
        (["task", "update", "1", "--progress", "101"], 3),
        (["task", "update", "1", "--progress", "-5"], 3),
        (["task", "update", "1", "--priority", "urgent"], 3),
        (["task", "update", "1"], 3),
        (["task", "update", "999", "--progress", "5"], 4),
        (["task", "done", "999"], 4),
        (["task", "list", "--status", "paused"], 3),
        (["--project", "nope", "task", "list"], 4),
        (["export", "--format", "xml"], 3),
    ],
)
def test_bad_input_gives_one_line_its_exit_code_and_loses_nothing(cli, shop, argv, code):
    before = _counts()
    result = cli(*argv)
    assert_one_line_error(result, code)
    assert _counts() == before


def test_usage_errors_exit_2(cli, shop):
    result = cli("task", "update", "not-a-number")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert cli("memory", "search", "x", "--limit", "0").code == 2


def test_json_error_document(cli, shop):
    result = cli("task", "show", "999", "--json")
    assert result.code == 4
    assert json.loads(result.out)["error"] == "NotFound"


def test_no_project_yet(cli):
    assert_one_line_error(cli("memory", "list"), 4)


def test_export_to_a_file_and_refuse_a_folder(cli, shop, tmp_path):
    target = tmp_path / "shop.json"
    assert cli("export", "--format", "json", "--output", str(target)).code == 0
    assert json.loads(target.read_text())["project"]["name"] == "shop"
    assert_one_line_error(cli("export", "--output", str(tmp_path)), 3)
    md = cli("export")
    assert md.code == 0 and md.out.startswith("# shop")


def test_marker_file_selects_the_project(cli, shop, tmp_path, monkeypatch):
    assert cli("project", "new", "blog").code == 0  # now the last used one
    with open_store() as store:
        projects.write_marker(tmp_path, projects.get(store, "shop"))
    sub = tmp_path / "deep" / "er"
    sub.mkdir(parents=True)
    monkeypatch.chdir(sub)
    assert cli("memory", "list", "--json").json()["total"] == 1


# ---------------------------------------------------------------- real processes


def test_real_process_round_trip_and_exit_codes(tmp_path):
    assert run_bmadgen("project", "new", "proc").code == 0
    assert run_bmadgen("memory", "add", "from a real process", "-i", "critical").code == 0
    found = run_bmadgen("memory", "search", "real process", "--json")
    assert found.code == 0 and found.json()["total"] == 1
    missing = run_bmadgen("task", "show", "12")
    assert missing.code == 4 and missing.err.startswith("error: no task 12")
    assert "Traceback" not in missing.err
    version = run_bmadgen("--version")
    assert version.code == 0 and version.out.startswith("bmadgen ")


def test_corrupt_store_in_a_real_process(bmadgen_home):
    (bmadgen_home / "bmadgen.db").write_bytes(b"definitely not sqlite" * 100)
    result = run_bmadgen("task", "list")
    assert result.code == 6
    assert result.err.count("\n") == 1 and "not an SQLite database" in result.err


HEAVY = ("litellm", "textual", "docker", "mcp")
PROBE = """
import sys
from bmadgen.cli.app import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
"""


@pytest.mark.parametrize(
    "argv", [["--help"], ["memory", "search", "x"], ["task", "list"], ["memory", "add", "y"],
             ["models"], ["usage"], ["keys", "list"], ["config", "show"]]
)
def test_hot_commands_do_not_import_heavy_libraries(argv):
    assert run_bmadgen("project", "new", "light").code == 0
    proc = subprocess.run([sys.executable, "-c", PROBE.format(heavy=set(HEAVY)), *argv],
                          capture_output=True, text=True, timeout=60, check=False)
    line = [x for x in proc.stderr.splitlines() if x.startswith("HEAVY=")]
    assert line == ["HEAVY="], proc.stderr


def test_cli_reference_covers_every_command():
    from bmadgen.cli import docs

    text = docs.reference()
    for command in ("bmadgen memory search", "bmadgen task update", "bmadgen state",
                    "bmadgen handoff", "bmadgen export", "bmadgen doctor",
                    "bmadgen project archive"):
        assert f"## `{command}`" in text
    assert "--importance" in text and "Exit codes:" in text


def test_cli_reference_includes_commands_added_later():
    import typer

    from bmadgen.cli import docs

    app = typer.Typer()
    later = typer.Typer(help="Added by another module.")

    @later.command("run")
    def run_gates(strict: bool = typer.Option(False, "--strict", help="Fail on warnings.")):
        """Run the gates | all of them."""

    @app.command("hello")
    def hello():
        """Say hello."""

    app.add_typer(later, name="gates")
    text = docs.reference(app)
    assert "## `bmadgen gates run`" in text and "--strict" in text and "Fail on warnings." in text
    assert "| Run the gates \\| all of them |" in text  # a pipe in help must not break the table


def test_doctor_exit_code_follows_the_store(cli, shop, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret-123")
    ok = cli("doctor", "--no-docker")
    assert ok.code == 0 and "ANTHROPIC_API_KEY" in ok.out and "sk-ant-secret-123" not in ok.out
    with open_store() as store:
        store.conn.execute("INSERT INTO _migrations VALUES ('m999_future', 0)")
    broken = cli("doctor", "--no-docker", "--json")
    assert broken.code == 6
    report = broken.json()
    assert next(c for c in report["checks"] if c["name"] == "store")["status"] == "fail"


def test_user_text_is_printed_literally_one_row_each(cli):
    assert cli("project", "new", "odd [/] name").code == 0
    assert cli("memory", "add", "closing [/] tag\nsecond [bold]line", "--title", "[/x]").code == 0
    assert cli("task", "add", "[red]task[/red]").code == 0
    listed = cli("memory", "list")
    assert listed.code == 0
    row = next(line for line in listed.out.splitlines() if line.startswith("1 "))
    assert "[/x]" in row and "closing [/] tag second [bold]line" in row
    assert "[red]task[/red]" in cli("task", "list").out
    assert cli("project", "show").out.startswith("odd [/] name (id 1")
    assert cli("state").code == 0


def test_memory_text_from_standard_input(tmp_path):
    assert run_bmadgen("project", "new", "piped").code == 0
    long_text = "line one\nline two with details\n" * 100
    proc = subprocess.run([sys.executable, "-m", "bmadgen", "memory", "add", "-", "--json"],
                          input=long_text, capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["content"] == long_text.strip()
    empty = subprocess.run([sys.executable, "-m", "bmadgen", "memory", "add", "-"], input="",
                           capture_output=True, text=True, timeout=60, check=False)
    assert empty.returncode == 3 and "must not be empty" in empty.stderr


def test_cli_reference_check_mode(tmp_path, capsys):
    from bmadgen.cli import docs

    target = tmp_path / "cli.md"
    target.write_text(docs.reference(), encoding="utf-8")
    assert docs.main(["--check", str(target)]) == 0
    target.write_text("stale", encoding="utf-8")
    assert docs.main(["--check", str(target)]) == 1
    assert "out of date" in capsys.readouterr().err
    assert docs.main(["--check", str(tmp_path / "missing.md")]) == 1
