"""English plurals: the names bmadgen derives from the names people give.

Below every service (the workflow names routes with `plural`, generation names modules and
routes with it, slice add guesses an entity with `singular`), so each derived name is decided
once. The rules cover regular English, not a dictionary: a spec that needs an irregular name
spells it out (an endpoint path, `--entity`).
"""

from __future__ import annotations

_VOWELS = "aeiou"


def plural(word: str) -> str:
    """category -> categories, box -> boxes, quiz -> quizzes, buzz -> buzzes, post -> posts."""
    if word.endswith("y") and len(word) > 1 and word[-2] not in _VOWELS:
        return word[:-1] + "ies"
    if word.endswith(("iz", "ez")):  # one vowel then z doubles it: quizzes, fezzes, whizzes
        return word + "zes"
    if word.endswith(("s", "x", "z", "ch", "sh")):  # buzzes, waltzes, boxes, addresses
        return word + "es"
    return word + "s"


def singular(word: str) -> str:
    """The inverse of `plural` for regular words: reviews -> review, categories -> category,
    boxes -> box, addresses -> address, quizzes -> quiz, phases -> phase. A word that does not
    end in a plural s (address, staff) is returned as it is."""
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith(("izzes", "ezzes")):
        return word[:-3]
    if word.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 1:
        return word[:-1]
    return word
