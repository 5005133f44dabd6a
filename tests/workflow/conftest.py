"""Fixtures for the workflow tests: the shipped example answers and a project built from them."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def gate_report(passed: bool = True, results=None, verdicts=None):
    """A real GateRunReport, as the gates service returns it, without running any gate."""
    from bmadgen.gates.models import GateRunReport

    return GateRunReport(run_id="fake-run", project="shop", backend="fake", isolated=True,
                         tier="free", started_at=0.0, finished_at=0.0, duration_s=0.0,
                         results=results or [], verdicts=verdicts or [], passed=passed)


def install_fake(monkeypatch, name: str, **functions) -> None:
    import sys
    import types

    module = types.ModuleType(name)
    for key, value in functions.items():
        setattr(module, key, value)
    monkeypatch.setitem(sys.modules, name, module)


@pytest.fixture(autouse=True)
def fake_development_steps(monkeypatch):
    """Generation and gates have their own tests (tests/generation, tests/gates, and the full
    run in tests/test_end_to_end.py); here the development phase calls fakes of both so these
    tests are fast and do not depend on Docker. Tests of the seam install other fakes."""
    from types import SimpleNamespace

    install_fake(monkeypatch, "bmadgen.generate.service",
                 generate_app=lambda project_dir: SimpleNamespace(
                     summary="generation faked in workflow tests"))
    install_fake(monkeypatch, "bmadgen.gates.service",
                 run_gates=lambda store, project, project_dir, progress=None, **_: gate_report())


@pytest.fixture
def ecommerce_answers() -> Path:
    return EXAMPLES / "ecommerce.answers.yaml"


@pytest.fixture
def shop(store, tmp_path, ecommerce_answers):
    """A new ecommerce project folder with the example answers, no phase run yet."""
    from bmadgen.workflow import engine

    return engine.new_project(store, "shop", "ecommerce", tmp_path / "shop", ecommerce_answers)


def run_until(store, project, last: str) -> None:
    """Run and approve every phase up to and including `last`."""
    from bmadgen.workflow import engine

    engine.run_through(store, project, asker=None, approve=lambda _r: True, until=last)


class ScriptedAsker:
    """Answers questions from a list; raises KeyboardInterrupt when the list runs out."""

    def __init__(self, replies: list[str]):
        self.replies = list(replies)
        self.asked: list[str] = []
        self.told: list[str] = []

    def ask(self, phase, question, expected, default):
        self.asked.append(f"{phase}.{question.key}")
        if not self.replies:
            raise KeyboardInterrupt
        return self.replies.pop(0)

    def tell(self, message):
        self.told.append(message)
