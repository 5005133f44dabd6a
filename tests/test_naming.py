"""English plurals for routes and table names, and the singular `slice add` guesses an entity by."""

from __future__ import annotations

import pytest

from bmadgen.naming import plural, singular

PAIRS = [
    ("post", "posts"),
    ("cart_item", "cart_items"),
    ("category", "categories"),
    ("day", "days"),
    ("key", "keys"),
    ("box", "boxes"),
    ("match", "matches"),
    ("dish", "dishes"),
    ("address", "addresses"),
    ("bus", "buses"),
    ("quiz", "quizzes"),
    ("fez", "fezzes"),
    ("buzz", "buzzes"),
    ("waltz", "waltzes"),
    ("phase", "phases"),
    ("size", "sizes"),
]


@pytest.mark.parametrize(("word", "expected"), PAIRS)
def test_plural_follows_english_spelling(word: str, expected: str) -> None:
    assert plural(word) == expected


@pytest.mark.parametrize(
    "word",
    [w for w, _ in PAIRS if w not in ("bus", "waltz")],  # -ses/-zes read as -se/-ze words first
)
def test_singular_undoes_plural(word: str) -> None:
    assert singular(plural(word)) == word


@pytest.mark.parametrize("word", ["address", "staff", "s"])
def test_singular_keeps_a_word_with_no_plural_ending(word: str) -> None:
    assert singular(word) == word
