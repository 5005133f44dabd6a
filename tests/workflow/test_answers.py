"""Answers files: complete ones pass, broken ones are refused with the key and the line."""

from __future__ import annotations

import pytest

from bmadgen import definitions
from bmadgen.errors import InvalidInput, NotFound
from bmadgen.workflow import answers
from tests.workflow.conftest import EXAMPLES

ECOMMERCE = definitions.project_type("ecommerce")


@pytest.mark.parametrize("type_name", definitions.project_type_names())
def test_every_sample_is_a_complete_valid_answers_file(type_name):
    ptype = definitions.project_type(type_name)
    parsed = answers.parse_text(answers.sample(ptype), ptype)
    assert set(parsed) == {"vision", "requirements", "prototype", "architecture"}
    assert parsed["requirements"]["features"] == [f.name for f in ptype.features]


@pytest.mark.parametrize("name, type_name", [("ecommerce", "ecommerce"), ("blog", "blog"),
                                             ("saas", "saas")])
def test_examples_are_valid(name, type_name):
    ptype = definitions.project_type(type_name)
    assert answers.load_file(EXAMPLES / f"{name}.answers.yaml", ptype)["vision"]["summary"]


def _problems(text: str) -> list[str]:
    with pytest.raises(InvalidInput) as info:
        answers.parse_text(text, ECOMMERCE, source="a.yaml")
    assert "a.yaml" in info.value.message
    return info.value.details


def _sample_with(old: str, new: str) -> str:
    text = answers.sample(ECOMMERCE)
    assert old in text
    return text.replace(old, new, 1)


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_wrong_type_names_key_and_line():
    text = _sample_with("  users:\n  - Shoppers buying books\n  - Store staff managing stock and orders",
                        "  users: Shoppers")
    problems = _problems(text)
    assert problems == [(f"vision.users (line {_line_of(text, 'users: Shoppers')}): expected a "
                        "list of text, got text")]


def test_missing_key_names_key_and_its_phase_line():
    text = _sample_with("  auth: session", "")
    problems = _problems(text)
    assert len(problems) == 1
    assert problems[0].startswith(f"architecture.auth: missing (in architecture at line "
                                  f"{_line_of(text, 'architecture:')})")


def test_extra_key_names_key_and_line():
    text = _sample_with("  stack: fastapi", "  stack: fastapi\n  colour_scheme: dark")
    problems = _problems(text)
    assert problems == [(f"architecture.colour_scheme (line {_line_of(text, 'colour_scheme')}): "
                        "unknown key; expected one of: stack, auth")]


def test_unknown_phase_and_bad_choice_are_all_reported_at_once():
    text = _sample_with("  style: clean", "  style: neon") + "deployment:\n  target: k8s\n"
    problems = _problems(text)
    assert f"prototype.style (line {_line_of(text, 'style: neon')}): expected one of: clean, " \
           "playful, corporate, got 'neon'" in problems
    assert any(p.startswith(f"deployment (line {_line_of(text, 'deployment:')}): unknown key")
               for p in problems)


def test_unknown_feature_and_bad_colour():
    text = _sample_with("  - customers\n", "  - wishlist\n")
    text = text.replace("'#2a6f97'", "blue")
    problems = _problems(text)
    assert any(p.startswith("requirements.features (line") and "'wishlist'" in p for p in problems)
    assert any(p.startswith("prototype.brand_color (line") and "'blue'" in p for p in problems)


def test_duplicate_key_is_reported():
    text = _sample_with("  stack: fastapi", "  stack: fastapi\n  stack: fastapi")
    assert f"architecture.stack (line {_line_of(text, 'stack') + 1}): duplicate key" in _problems(text)


def test_not_yaml_names_the_line():
    with pytest.raises(InvalidInput, match="not valid YAML at line 2"):
        answers.parse_text("vision:\n\tsummary: tab-indented\n", ECOMMERCE)


def test_top_level_must_be_a_mapping():
    with pytest.raises(InvalidInput, match="mapping"):
        answers.parse_text("- a\n- b\n", ECOMMERCE)


def test_missing_file_is_not_found(tmp_path):
    with pytest.raises(NotFound, match="no answers file"):
        answers.load_file(tmp_path / "nope.yaml", ECOMMERCE)


def test_typed_answers_split_lists_on_semicolons():
    questions = {q.key: q for q in answers.phase_questions()["vision"]}
    assert answers.parse_typed(questions["users"], " A ; B;; C ", ECOMMERCE) == ["A", "B", "C"]
    with pytest.raises(answers.AnswerError, match="at least one"):
        answers.parse_typed(questions["users"], " ; ", ECOMMERCE)


def test_dump_is_deterministic_and_round_trips():
    given = answers.parse_text(answers.sample(ECOMMERCE), ECOMMERCE)
    text = answers.dump(given)
    assert text == answers.dump(answers.parse_text(text, ECOMMERCE))
    assert answers.parse_text(text, ECOMMERCE) == given
