"""The stack's gates.yaml: loaded, validated, and every problem reported clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from bmadgen.errors import InvalidInput, NotFound
from bmadgen.gates import stack


def test_fastapi_stack_declares_the_gates_in_fail_fast_order(tmp_path: Path) -> None:
    gates = stack.gates_for(tmp_path)  # no appspec.yaml: the default stack
    assert [g.name for g in gates] == ["format", "lint", "architecture", "types", "security",
                                       "secrets", "tests", "mutation", "audit"]
    by_name = {g.name: g for g in gates}
    assert by_name["tests"].threshold == 90 and by_name["mutation"].threshold == 85
    assert by_name["tests"].scope == by_name["mutation"].scope == "slice"
    assert by_name["audit"].needs_network and not by_name["audit"].required


def test_stack_name_comes_from_the_appspec(tmp_path: Path) -> None:
    (tmp_path / "appspec.yaml").write_text("stack:\n  name: fastapi\n")
    assert stack.stack_name(tmp_path) == "fastapi"
    (tmp_path / "appspec.yaml").write_text("stack:\n  name: cobol\n")
    with pytest.raises(NotFound, match="no stack named 'cobol'"):
        stack.gates_for(tmp_path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("gates: [\n", "not valid YAML"),
        ("- just a list\n", "must hold a mapping"),
        ("gates:\n  - name: lint\n    command: ruff\n    parser: nope\n", "gates.0.parser"),
        ("gates:\n  - name: Bad-Name\n    command: x\n    parser: ruff\n", "gates.0.name"),
        (("gates:\n  - name: a\n    command: x\n    parser: ruff\n"
          "  - name: a\n    command: y\n    parser: ruff\n"), "declares gates twice: a"),
        ("gates:\n  - name: a\n    command: x\n    parser: ruff\n    needs: [zzz]\n",
         "needs unknown gates"),
        ("gates: []\n", "gates: List should have at least 1 item"),
    ],
)
def test_broken_gates_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "gates.yaml"
    path.write_text(text)
    with pytest.raises(InvalidInput) as caught:
        stack.load_gates(path)
    assert message in caught.value.one_line()


def test_unknown_gate_selection() -> None:
    gates = stack.load_gates(stack.stack_dir("fastapi") / "gates.yaml").gates
    with pytest.raises(NotFound, match="no gate named speed"):
        stack.select(gates, ["lint", "speed"])
    assert [g.name for g in stack.select(gates, ["types", "lint"])] == ["lint", "types"]


def test_slices_are_the_feature_packages(vsa_app: Path) -> None:
    (vsa_app / "app/features/not_a_slice").mkdir()  # no __init__.py
    assert stack.discover_slices(vsa_app) == ["orders", "products"]
