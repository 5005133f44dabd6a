"""Fixtures for the workflow tests: the shipped example answers and a project built from them."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


@pytest.fixture(autouse=True)
def development_steps_unavailable(monkeypatch):
    """Generation and gates are separate services with their own tests; here the development
    phase sees them as not available, so these tests are fast and do not depend on Docker.
    (None in sys.modules makes `import` raise ModuleNotFoundError, as a missing module does.)
    Tests of the seam itself install fakes over this."""
    import sys

    monkeypatch.setitem(sys.modules, "bmadgen.generate.service", None)
    monkeypatch.setitem(sys.modules, "bmadgen.gates.service", None)


@pytest.fixture
def ecommerce_answers() -> Path:
    return EXAMPLES / "ecommerce.answers.yaml"


@pytest.fixture
def shop(store, tmp_path, ecommerce_answers):
    """A new ecommerce project folder with the example answers, no phase run yet."""
    from bmadgen.workflow import service

    return service.new_project(store, "shop", "ecommerce", tmp_path / "shop", ecommerce_answers)


def run_until(store, project, last: str) -> None:
    """Run and approve every phase up to and including `last`."""
    from bmadgen.workflow import service

    service.run_through(store, project, asker=None, approve=lambda _r: True, until=last)


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
