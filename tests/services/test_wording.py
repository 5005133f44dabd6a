"""Every structured next action has CLI wording, and the wording carries the action's data."""

from __future__ import annotations

import typing

import pytest

from bmadgen.cli.wording import command, error_line
from bmadgen.errors import Conflict
from bmadgen.models import NextAction

KINDS = typing.get_args(NextAction.model_fields["kind"].annotation)
NOT_COMMANDS = {"resolve_conflicts", "done"}  # nothing to type: an instruction, a fact


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_worded(kind: str) -> None:
    words = command(NextAction(kind=kind, phase="requirements", slice="catalog", run_id="abc123",
                               project_type="blog"))
    if kind in NOT_COMMANDS:
        assert not words.startswith("bmadgen ")
    else:
        assert words.startswith("bmadgen "), words
    assert words != kind


def test_the_wording_carries_the_data() -> None:
    assert command(NextAction(kind="approve_phase", phase="prototype")) == \
        "bmadgen phase approve prototype"
    assert command(NextAction(kind="show_gates", run_id="0a1b2c")) == "bmadgen gate show 0a1b2c"
    assert command(NextAction(kind="diff_slice", slice="orders")) == "bmadgen slice diff orders"
    assert command(NextAction(kind="sample_answers", project_type="saas")) == \
        "bmadgen answers sample --type saas"


def test_an_error_line_completes_its_hint_with_the_command() -> None:
    error = Conflict("phase vision is already approved", hint="roll it back first",
                     action=NextAction(kind="rollback_phase", phase="vision"))
    assert error_line(error) == ("phase vision is already approved (hint: roll it back first: "
                                 "bmadgen phase rollback vision)")
    assert error.hint == "roll it back first"  # the error itself is unchanged (MCP sends it)
    assert error.to_dict()["action"] == {"kind": "rollback_phase", "phase": "vision",
                                         "slice": None, "run_id": None, "project_type": None,
                                         "detail": ""}
