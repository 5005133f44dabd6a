"""Elicitation: answers are saved as they are given, so quitting resumes at the same question."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bmadgen.errors import InvalidInput
from bmadgen.workflow import answers, engine
from tests.workflow.conftest import ScriptedAsker

VISION_KEYS = ["summary", "problem", "users", "goals", "success_metrics", "in_scope",
               "out_of_scope"]


@pytest.fixture
def bare_shop(store, tmp_path):
    """A project with no answers at all."""
    return engine.new_project(store, "shop", "ecommerce", tmp_path / "shop")


def test_quitting_mid_phase_resumes_at_the_same_question(store, bare_shop):
    first = ScriptedAsker(["A shop", "No online sales"])
    with pytest.raises(KeyboardInterrupt):
        engine.run_phase(store, bare_shop, "vision", asker=first)
    assert first.asked == ["vision.summary", "vision.problem", "vision.users"]
    status = {p.phase: p for p in engine.status(store, bare_shop).phases}
    assert status["vision"].status == "in_progress"
    assert status["vision"].elicit_position == "vision.users"

    second = ScriptedAsker(["Shoppers; Staff", "Sell online", "10 orders", "Catalog",
                            "Mobile app"])
    result = engine.run_phase(store, bare_shop, "vision", asker=second)
    assert second.asked == [f"vision.{k}" for k in VISION_KEYS[2:]]
    assert result.status == "awaiting_approval"
    stored = answers.stored(store, bare_shop.id)["vision"]
    assert stored["summary"] == "A shop" and stored["users"] == ["Shoppers", "Staff"]


def test_an_invalid_typed_answer_is_asked_again(store, bare_shop):
    engine.run_phase(store, bare_shop, "vision", asker=ScriptedAsker(
        ["A shop", "Problem", "Users", "Goal", "Metric", "In", "Out"]))
    engine.approve_phase(store, bare_shop)
    asker = ScriptedAsker(["catalog; wishlist", "catalog; orders", ""])
    engine.run_phase(store, bare_shop, "requirements", asker=asker)
    assert asker.asked == ["requirements.features", "requirements.features",
                           "requirements.non_functional"]
    assert "wishlist" in asker.told[0]
    assert answers.stored(store, bare_shop.id)["requirements"] == {
        "features": ["catalog", "orders"], "non_functional": []}


def test_unattended_run_without_an_answer_says_which_is_missing(store, bare_shop):
    with pytest.raises(InvalidInput, match="no answer for vision.summary"):
        engine.run_phase(store, bare_shop, "vision")


def test_terminal_resume_through_the_cli(tmp_path, monkeypatch):
    from bmadgen.cli.app import app

    runner = CliRunner()
    folder = tmp_path / "shop"
    first = runner.invoke(app, ["new", "shop", "--type", "ecommerce", "--dir", str(folder)],
                          input="An online bookshop\nOnly in-person sales\n")
    assert first.exit_code != 0  # input ran out: the terminal was closed mid-question
    assert "In one or two sentences" in first.output
    assert "Who are the users?" in first.output
    assert "stopped at vision.users; the answers given so far are saved" in first.output

    again = runner.invoke(app, ["new", "shop", "--type", "ecommerce", "--dir", str(folder)])
    assert again.exit_code != 0
    assert "already exists" in str(again.exception)

    monkeypatch.chdir(folder)
    rest = "Shoppers; Staff\nSell online\n20 orders a week\nCatalog\nMobile app\n"
    second = runner.invoke(app, ["phase", "run"], input=rest)
    assert second.exit_code == 0, second.output
    assert "In one or two sentences" not in second.output
    assert second.output.index("Who are the users?") < second.output.index("What are the goals?")
    assert "vision" in second.output and "awaiting_approval" in second.output
    brief = (folder / "docs" / "brief.md").read_text()
    assert "An online bookshop" in brief and "- Staff" in brief


def test_interactive_new_asks_for_approval_and_stops_on_no(tmp_path, store):
    from bmadgen.cli.app import app

    folder = tmp_path / "shop"
    replies = "A\nB\nC\nD\nE\nF\nG\nn\n"
    result = CliRunner().invoke(app, ["new", "shop", "--type", "ecommerce", "--dir",
                                      str(folder)], input=replies)
    assert result.exit_code == 0, result.output
    assert "Approve vision?" in result.output
    assert "next: bmadgen phase approve vision" in result.output
    row = store.query_one("SELECT status FROM workflow_phases WHERE phase = 'vision'")
    assert row["status"] == "awaiting_approval"


def test_reask_offers_the_stored_answers_as_defaults(tmp_path, monkeypatch, store,
                                                     ecommerce_answers):
    from bmadgen.cli.app import app

    folder = tmp_path / "shop"
    runner = CliRunner()
    created = runner.invoke(app, ["new", "shop", "--type", "ecommerce", "--answers",
                                  str(ecommerce_answers), "--yes", "--until", "vision",
                                  "--dir", str(folder)])
    assert created.exit_code == 0, created.output
    monkeypatch.chdir(folder)
    assert runner.invoke(app, ["phase", "rollback", "vision"]).exit_code == 0
    # Enter keeps an answer; only the goals change.
    keystrokes = "\n\n\nSell online; Ship in a day\n\n\n\n"
    rerun = runner.invoke(app, ["phase", "run", "vision", "--reask"], input=keystrokes)
    assert rerun.exit_code == 0, rerun.output
    assert "[Shoppers buying books; Store staff managing stock and orders]" in rerun.output
    given = answers.stored(store, store.query_one("SELECT id FROM projects")[0])["vision"]
    assert given["goals"] == ["Sell online", "Ship in a day"]
    assert given["users"] == ["Shoppers buying books", "Store staff managing stock and orders"]
    assert "- Ship in a day" in (folder / "docs" / "brief.md").read_text()
