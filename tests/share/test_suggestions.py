"""Insights used by the workflow, as suggestions: a new project's choice questions offer what
the person chose for their last project of the same type, and say so."""

from __future__ import annotations

from bmadgen import definitions, projects
from bmadgen.workflow import answers as answers_mod
from bmadgen.workflow import questions, state


class RecordingAsker:
    """Accepts every offered default; answers the rest from `fallback`."""

    def __init__(self, fallback: dict[str, str]):
        self.fallback = fallback
        self.offered: dict[str, str | None] = {}
        self.told: list[str] = []

    def ask(self, phase, question, expected, default):
        self.offered[question.key] = default
        return default if default is not None else self.fallback[question.key]

    def tell(self, message):
        self.told.append(message)


FALLBACK = {"style": "clean", "layout": "top-nav", "brand_color": "#2a6f97"}


def test_the_last_choice_for_the_type_is_offered_first_as_a_suggestion(store, tmp_path):
    first = projects.create(store, "first-shop", type="ecommerce", path=str(tmp_path / "a"))
    answers_mod.save(store, first.id, {"prototype": {"style": "playful", "layout": "sidebar",
                                                     "brand_color": "#aa0000"}}, source="file")
    other = projects.create(store, "a-blog", type="blog", path=str(tmp_path / "b"))
    answers_mod.save(store, other.id, {"prototype": {"style": "corporate"}}, source="file")
    second = projects.create(store, "second-shop", type="ecommerce", path=str(tmp_path / "c"))
    state.ensure(store, second.id, definitions.workflow())
    asker = RecordingAsker(FALLBACK)
    got = questions.elicit(store, second, "prototype", definitions.project_type("ecommerce"),
                           asker)
    assert asker.offered["style"] == "playful" and asker.offered["layout"] == "sidebar"
    assert asker.offered["brand_color"] is None  # free text is not suggested
    assert got["style"] == "playful" and got["layout"] == "sidebar"
    assert sum("suggestion: prototype.style" in m for m in asker.told) == 1
    assert all("last ecommerce project" in m for m in asker.told)


def test_no_history_of_the_type_offers_the_usual_default(store, tmp_path):
    blog = projects.create(store, "a-blog", type="blog", path=str(tmp_path / "b"))
    answers_mod.save(store, blog.id, {"prototype": {"style": "corporate"}}, source="file")
    shop = projects.create(store, "shop", type="ecommerce", path=str(tmp_path / "c"))
    state.ensure(store, shop.id, definitions.workflow())
    asker = RecordingAsker(FALLBACK)
    questions.elicit(store, shop, "prototype", definitions.project_type("ecommerce"), asker)
    assert asker.offered["style"] == "clean" and asker.told == []
