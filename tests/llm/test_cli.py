"""The LLM provider through the real `bmadgen` command, against a scripted OpenAI-style server:
every document drafted by the model and placed as data, the app spec validated, usage rows,
a re-run from the cache making no request, failures leaving nothing half-written, bad input
answered in one line, and a configured key found nowhere it must not be."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.foundation.foundation_helpers import CliResult, assert_one_line_error, run_bmadgen
from tests.llm.conftest import KEY, FakeLLM, SchemaAnswers

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
IDEA = "A blog where a community garden shares planting guides and readers comment."


def configure(path: Path, fake: FakeLLM, *, model: str = "openai/fake-model", **llm) -> None:
    settings = {"default": "fake", "max_tokens": 64, "budget_usd": 1.0, **llm}
    lines = ['provider = "offline"', "[llm]"]
    lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
    lines += ["[llm.models.fake]", f'model = "{model}"', f'api_base = "{fake.base("m")}"',
              "input_price = 1.0", "output_price = 2.0"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def config_file(bmadgen_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = bmadgen_home / "config.toml"
    monkeypatch.setenv("BMADGEN_CONFIG", str(path))
    return path


def bmadgen(*argv: str, cwd: Path | None = None, stdin: str | None = None) -> CliResult:
    if stdin is None:
        return run_bmadgen(*argv, cwd=cwd, timeout=300)
    proc = subprocess.run([sys.executable, "-m", "bmadgen", *argv], input=stdin,
                          capture_output=True, text=True, env=dict(os.environ), cwd=cwd,
                          timeout=300, check=False)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def test_an_idea_becomes_documents_and_an_app_spec_drafted_by_the_model(
        fake_llm, config_file, tmp_path):
    from bmadgen import appspec, definitions

    fake_llm.auto = SchemaAnswers()
    configure(config_file, fake_llm)
    folder = tmp_path / "garden"
    made = bmadgen("new", "garden", "--idea", IDEA, "--yes", "--provider", "llm",
                   "--until", "architecture", "--dir", str(folder), "--json", cwd=tmp_path)
    assert made.code == 0, made.err
    result = made.json()
    assert result["project"]["type"] == "blog"  # proposed by the analyst: no --type given
    for phase in definitions.workflow().phases[:4]:
        template = definitions.doc_template(phase.template)
        text = (folder / template.template.output.filename).read_text()
        assert "with the llm provider" in text
        for section in template.walk():
            if "{{" not in section.title and not section.condition:
                assert f" {section.title}\n" in text, (phase.id, section.title)
    brief = (folder / "docs" / "brief.md").read_text()
    assert "Drafted with {{ 7*7 }} kept as text." in brief  # placed, never rendered
    assert "\n# not a heading" not in brief and "\\# not a heading" in brief
    assert "\n```\nnot a fence" not in brief
    spec = appspec.load(folder / "appspec.yaml")
    assert spec.features and all(e.fields for f in spec.features for e in f.entities)
    approved = [r for r in result["results"] if r["status"] == "approved"]
    assert [r["phase"] for r in approved] == ["vision", "requirements", "prototype",
                                              "architecture"]

    usage = bmadgen("usage", "--json", "--by", "phase", cwd=folder).json()
    assert usage["total"]["requests"] == fake_llm.count() > 10
    assert usage["total"]["prompt_tokens"] > 0 and usage["total"]["cost_usd"] > 0
    assert {r["key"] for r in usage["rows"]} >= {"vision", "requirements", "prototype",
                                                 "architecture"}

    before = fake_llm.count()
    assert bmadgen("phase", "rollback", "architecture", cwd=folder).code == 0
    again = bmadgen("phase", "run", "architecture", "--provider", "llm", "--json", cwd=folder)
    assert again.code == 0, again.err
    assert fake_llm.count() == before  # the same requests: all answered by the cache
    assert bmadgen("phase", "rollback", "architecture", cwd=folder).code == 0
    fresh = bmadgen("phase", "run", "architecture", "--provider", "llm", "--no-cache",
                    cwd=folder)
    assert fresh.code == 0, fresh.err
    assert fake_llm.count() > before

    # Every phase again from the first: approvals recorded new handoffs and decisions in the
    # memory meanwhile, yet every request is the one the first run made.
    assert bmadgen("phase", "approve", "architecture", cwd=folder).code == 0
    before = fake_llm.count()
    assert bmadgen("phase", "rollback", "vision", cwd=folder).code == 0
    for phase in ("vision", "requirements", "prototype", "architecture"):
        rerun = bmadgen("phase", "run", phase, "--yes", "--provider", "llm", cwd=folder)
        assert rerun.code == 0, rerun.err
    assert fake_llm.count() == before


def test_streaming_reaches_the_terminal(fake_llm, config_file, tmp_path):
    fake_llm.auto = SchemaAnswers()
    configure(config_file, fake_llm)
    answers = REPO / "examples" / "blog.answers.yaml"
    made = bmadgen("new", "streamed", "--type", "blog", "--answers", str(answers), "--yes",
                   "--provider", "llm", "--stream", "--until", "vision", "--dir",
                   str(tmp_path / "streamed"), cwd=tmp_path)
    assert made.code == 0, made.err
    assert "Drafted with {{ 7*7 }}" in made.err  # the text as it arrived, on stderr
    assert any(b.get("stream") for b in fake_llm.bodies("m"))


class NoEntities(SchemaAnswers):
    def answer(self, body):
        text = super().answer(body)
        return '{"entities": []}' if text.startswith('{"entities"') else text


def test_an_answer_invalid_twice_stops_the_phase_with_nothing_written(
        fake_llm, config_file, tmp_path):
    fake_llm.auto = NoEntities()
    configure(config_file, fake_llm)
    answers = REPO / "examples" / "blog.answers.yaml"
    folder = tmp_path / "broken"
    made = bmadgen("new", "broken", "--type", "blog", "--answers", str(answers), "--yes",
                   "--provider", "llm", "--dir", str(folder), cwd=tmp_path)
    assert_one_line_error(made, 3)
    assert "entities: List should have at least 1 item" in made.err
    assert "nothing was written" in made.err
    entity_requests = [b for b in fake_llm.bodies("m") if "entities" in json.dumps(
        b.get("response_format", {}))]
    assert len(entity_requests) == 2  # the request and one repair, no retry
    assert not (folder / "docs" / "architecture.md").exists()
    assert not (folder / "appspec.yaml").exists()
    status = bmadgen("phase", "status", "--json", cwd=folder).json()
    assert [p["status"] for p in status["phases"]][2:4] == ["approved", "in_progress"]


def test_an_over_budget_phase_makes_no_request_and_writes_nothing(fake_llm, config_file,
                                                                  tmp_path):
    fake_llm.auto = SchemaAnswers()
    configure(config_file, fake_llm, budget_usd=0.00001, max_tokens=64)
    answers = REPO / "examples" / "blog.answers.yaml"
    folder = tmp_path / "poor"
    made = bmadgen("new", "poor", "--type", "blog", "--answers", str(answers), "--yes",
                   "--provider", "llm", "--dir", str(folder), cwd=tmp_path)
    assert_one_line_error(made, 5)
    assert "refused before any request" in made.err and "budget is $0.0000" in made.err
    assert fake_llm.count() == 0
    assert not (folder / "docs" / "brief.md").exists()
    usage = bmadgen("usage", "--json", cwd=folder).json()
    assert usage["total"]["refused"] == 1 and usage["total"]["requests"] == 0


def test_a_configured_key_is_found_nowhere(fake_llm, config_file, tmp_path, bmadgen_home):
    fake_llm.auto = SchemaAnswers()
    configure(config_file, fake_llm, model="openai/gpt-4o-mini")
    stored = bmadgen("keys", "set", "openai", "--json", stdin=KEY + "\n")
    assert stored.code == 0, stored.err
    for name in ("keys.json", "master.key"):
        assert stat.S_IMODE((bmadgen_home / name).stat().st_mode) == 0o600
    answers = REPO / "examples" / "blog.answers.yaml"
    folder = tmp_path / "keyed"
    outputs = [stored]
    outputs.append(bmadgen("new", "keyed", "--type", "blog", "--answers", str(answers),
                           "--yes", "--provider", "llm", "--until", "vision", "--json",
                           "--dir", str(folder), cwd=tmp_path))
    assert outputs[-1].code == 0, outputs[-1].err
    # the key reached the provider, and only there
    assert all(h.get("Authorization") == f"Bearer {KEY}" for _, _, h in fake_llm.received)
    for argv in (["usage", "--json"], ["models", "--json"], ["config", "show", "--json"],
                 ["keys", "list", "--json"], ["keys", "list"], ["export", "--format", "json"],
                 ["export"], ["doctor", "--json", "--no-docker"], ["state"]):
        outputs.append(bmadgen(*argv, cwd=folder))
    fake_llm.queues["m"] = []
    fake_llm.auto = None  # the server now fails: the error output must not carry the key
    outputs.append(bmadgen("phase", "run", "requirements", "--provider", "llm", "--json",
                           cwd=folder))
    assert outputs[-1].code == 7, outputs[-1].err
    for result in outputs:
        assert KEY not in result.out and KEY not in result.err
        assert KEY[-12:] not in result.out + result.err
    assert "sk-...CRET" in outputs[0].out  # masked
    for path in [*bmadgen_home.rglob("*"), *folder.rglob("*")]:
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


# ------------------------------------------------------------------ bad input


def test_bad_llm_input_is_one_line_and_changes_nothing(config_file, tmp_path):
    config_file.write_text('[llm]\ndefault = "gpt-4o-mini"\n', encoding="utf-8")
    before = config_file.read_bytes()
    for argv, words in [
        (["config", "set", "--", "llm.budget_usd", "-1"], "llm.budget_usd"),
        (["config", "set", "llm.budget_usd", "lots"], "number of US dollars"),
        (["config", "set", "llm.default", "madeup/model-x"], "unknown provider 'madeup'"),
        (["config", "set", "llm.default", "mystery-model"], "unknown model 'mystery-model'"),
        (["config", "set", "llm.agents.wizard.model", "gpt-4o"], "unknown agent"),
        (["new", "x", "--type", "blog", "--provider", "gpt"], "unknown provider 'gpt'"),
        (["usage", "--by", "colour"], "cannot group usage by 'colour'"),
        (["keys", "set", "nosuch"], "unknown provider 'nosuch'"),
    ]:
        result = bmadgen(*argv, cwd=tmp_path, stdin="")
        assert_one_line_error(result, 3 if argv[0] != "usage" else result.code)
        assert words in result.err, (argv, result.err)
        assert config_file.read_bytes() == before
    malformed = bmadgen("keys", "set", "openai", stdin="sk-has spaces in it\n")
    assert_one_line_error(malformed, 3)
    assert "spaces in it" not in malformed.err
    wrong = bmadgen("keys", "set", "anthropic", stdin="sk-proj-abcdefghijkl\n")
    assert_one_line_error(wrong, 3)
    assert "abcdefghijkl" not in wrong.err


def test_a_typo_in_the_config_file_names_the_key_and_line(config_file, tmp_path):
    config_file.write_text('provider = "offline"\n\n[llm]\ndefualt = "gpt-4o-mini"\n'
                           'budget_usd = "ten"\n', encoding="utf-8")
    result = bmadgen("models", cwd=tmp_path)
    assert_one_line_error(result, 3)
    assert "llm.defualt" in result.err and "line 4" in result.err
    assert "llm.budget_usd" in result.err and "line 5" in result.err


def test_config_set_keeps_the_other_settings(config_file, tmp_path):
    config_file.write_text('sandbox = "local"\n[llm]\ndefault = "gpt-4o-mini"\n'
                           '[llm.agents.pm]\nmax_tokens = 300\n', encoding="utf-8")
    assert bmadgen("config", "set", "llm.agents.architect.model", "ollama/llama3.1").code == 0
    assert bmadgen("config", "set", "llm.budget_usd", "3.5").code == 0
    shown = {s["key"]: s for s in bmadgen("config", "show", "--json").json()["settings"]}
    assert shown["sandbox"]["value"] == "local"
    assert shown["llm.budget_usd"]["value"] == 3.5 and shown["llm.budget_usd"]["source"] == "file"
    assert shown["llm.agents.pm.max_tokens"]["value"] == 300
    routes = {r["agent"]: r for r in bmadgen("models", "--json").json()["routes"]}
    assert routes["architect"]["model"] == "ollama/llama3.1"
    assert routes["pm"]["model"] == "gpt-4o-mini" and routes["pm"]["max_tokens"] == 300
    assert routes["pm"]["priced_by"] == "known" and routes["architect"]["priced_by"] == "default"


PROBE = """
import sys
from bmadgen.cli.app import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("HEAVY=" + ",".join(sorted(m for m in sys.modules
                                 if m.split(".")[0] in {"litellm", "textual", "docker", "mcp"})),
      file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [["models"], ["usage"], ["keys", "list"], ["config", "show"],
                                  ["new", "--help"]])
def test_commands_that_call_no_model_do_not_import_litellm(argv, tmp_path):
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                          timeout=60, check=False, cwd=tmp_path)
    line = [x for x in proc.stderr.splitlines() if x.startswith("HEAVY=")]
    assert line == ["HEAVY="], proc.stderr
