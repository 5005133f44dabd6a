"""A real model on this machine, offline: SmolLM2-135M behind llama.cpp's server drafts a
project from an idea through architecture, unattended. Every document has its template's
sections, the app spec validates (schema-constrained, staged output makes that possible for a
model this small), the generated app's tests pass, usage has real token counts, and a second
identical run makes no request.

Skipped locally without the `local-llm` extra; required in CI (see `local_model`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.foundation.foundation_helpers import run_bmadgen

pytestmark = pytest.mark.slow
IDEA = "A portfolio site for a freelance photographer to show her best photo series."


def _config(path: Path, base: str) -> None:
    path.write_text(
        "[llm]\n"
        'default = "smol"\n'
        "temperature = 0\n"   # the same request gives the same answer
        "max_tokens = 48\n"   # about 25 tokens/s: small sections keep the run short
        "context_tokens = 300\n"
        "[llm.models.smol]\n"
        'model = "openai/smollm2"\n'
        f'api_base = "{base}"\n'
        'json_mode = "json_object_schema"\n'
        "input_price = 0\n"
        "output_price = 0\n"
        "timeout = 300\n", encoding="utf-8")


def test_an_idea_to_a_tested_app_with_a_real_local_model(local_model, bmadgen_home, tmp_path,
                                                         monkeypatch):
    from bmadgen import appspec, definitions

    config = bmadgen_home / "config.toml"
    _config(config, local_model)
    monkeypatch.setenv("BMADGEN_CONFIG", str(config))
    folder = tmp_path / "folio"
    argv = ("new", "folio", "--idea", IDEA, "--type", "portfolio", "--yes", "--provider",
            "llm", "--until", "architecture", "--json")
    started = time.monotonic()
    # About 3 minutes on an idle 2-CPU machine; far more when it is shared (the timeout).
    made = run_bmadgen(*argv, "--dir", str(folder), cwd=tmp_path, timeout=1500)
    elapsed = time.monotonic() - started
    assert made.code == 0, made.err[-3000:]
    for phase in definitions.workflow().phases[:4]:
        template = definitions.doc_template(phase.template)
        text = (folder / template.template.output.filename).read_text()
        for section in template.walk():
            if "{{" not in section.title and not section.condition:
                assert f" {section.title}\n" in text, (phase.id, section.title)
    spec = appspec.load(folder / "appspec.yaml")
    assert spec.features and all(e.fields for f in spec.features for e in f.entities)

    generated = run_bmadgen("generate", "--dir", str(folder), "--json", timeout=300)
    assert generated.code == 0, generated.err[-2000:]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           cwd=folder, env=env, capture_output=True, text=True, timeout=600,
                           check=False)
    assert tests.returncode == 0, tests.stdout[-3000:]

    usage = run_bmadgen("usage", "--json", cwd=folder).json()
    total = usage["total"]
    assert total["requests"] > 10 and total["prompt_tokens"] > 1000
    assert total["output_tokens"] > 100 and total["errors"] == 0
    print(f"\nlocal model: idea to app spec in {elapsed:.0f} s, {total['requests']} requests, "
          f"{total['prompt_tokens']} prompt + {total['output_tokens']} output tokens")

    # The same phases again: every request is answered by the cache.
    assert run_bmadgen("phase", "rollback", "vision", cwd=folder).code == 0
    for phase in ("vision", "requirements", "prototype", "architecture"):
        rerun = run_bmadgen("phase", "run", phase, "--yes", "--provider", "llm", cwd=folder,
                            timeout=300)
        assert rerun.code == 0, rerun.err[-2000:]
    again = run_bmadgen("usage", "--json", cwd=folder).json()["total"]
    assert again["requests"] == total["requests"]
    assert again["cache_hits"] > 10
