"""The wizard with a model (a scripted OpenAI-style server, as in tests/llm): a project created
from an idea through the dashboard (the analyst's drafted answers confirmed after a refused
edit), the vision phase written by the LLM provider with its text streamed into the project view
while the phase runs; a server that fails is one notification; no model, no idea field."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Log, Markdown, Static, TextArea

from tests.llm.conftest import FakeLLM, SchemaAnswers, fake_llm  # noqa: F401 - the fixture
from tests.tui.conftest import notifications, press_for, wait_for

pytestmark = pytest.mark.anyio
IDEA = "A blog where a community garden shares planting guides and readers comment."


class SlowText(SchemaAnswers):
    """Answers as SchemaAnswers does, each streamed (text) answer after a pause: the phase
    then lasts long enough for the test to see its text before it ends."""

    def answer(self, body: dict[str, Any]) -> str:
        if body.get("stream"):
            time.sleep(0.3)
        return super().answer(body)


def configure(bmadgen_home: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeLLM,
              provider: str = "llm") -> None:
    path = bmadgen_home / "config.toml"
    lines = [f'provider = "{provider}"', "[llm]", 'default = "fake"', "max_tokens = 64",
             "budget_usd = 1.0", "[llm.models.fake]", 'model = "openai/fake-model"',
             f"api_base = {json.dumps(fake.base('m'))}", "input_price = 1.0",
             "output_price = 2.0"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("BMADGEN_CONFIG", str(path))


async def create(pilot: Any) -> None:
    """Press the dialog's Create button (scrolled out of sight in a small dialog, so no click)."""
    pilot.app.screen.query_one("#ok", Button).press()
    await pilot.pause(0.05)


async def fill_idea_form(pilot: Any, tmp_path: Path, name: str) -> Any:
    from bmadgen.tui.screens.new_project import NewProjectScreen

    form = await press_for(pilot, "n", NewProjectScreen)
    form.query_one("#idea", TextArea).load_text(IDEA)
    form.query_one("#name").value = name
    form.query_one("#folder").value = str(tmp_path / name)
    await create(pilot)
    return form


async def test_an_idea_becomes_a_project_whose_vision_streams_into_the_view(
        fake_llm: FakeLLM, bmadgen_home: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        tmp_path: Path) -> None:
    from bmadgen.tui.app import BmadgenApp
    from bmadgen.tui.screens.new_project import DraftScreen
    from bmadgen.tui.screens.project import ProjectScreen

    fake_llm.auto = SlowText()
    configure(bmadgen_home, monkeypatch, fake_llm)
    app = BmadgenApp(cwd=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await fill_idea_form(pilot, tmp_path, "garden")
        await wait_for(pilot, lambda: isinstance(app.screen, DraftScreen)
                       and bool(app.screen.query("#draft-text")), what="the drafted answers")
        draft = app.screen
        editor = draft.query_one("#draft-text", TextArea)
        assert draft.drafted.type == "blog"  # proposed by the analyst
        assert "vision:" in editor.text and draft.drafted.calls
        drafted_text = editor.text
        requests_after_draft = fake_llm.count()

        # an edit that is not valid answers: refused beside the text, the edit kept
        editor.load_text("vision: [unclosed")
        await create(pilot)
        await pilot.pause(0.1)
        assert isinstance(app.screen, DraftScreen)
        reason = str(draft.query_one("#draft-text-error", Static).render())
        assert reason.strip(), "the refusal gives a reason"
        assert editor.text == "vision: [unclosed"
        assert not (tmp_path / "garden").exists()

        editor.load_text(drafted_text)
        await create(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, ProjectScreen)
                       and bool(app.screen.query("#stream")), what="the project view")
        view = app.screen
        stream = view.query_one("#stream", Log)
        seen_while_running: list[str] = []

        def streamed() -> bool:
            text = "\n".join(stream.lines)
            if "Drafted with" in text and view.running == "vision":
                seen_while_running.append(text)
            return bool(seen_while_running)

        await wait_for(pilot, streamed, timeout=60, what="the model's text while vision runs")
        assert "== analyst: section" in seen_while_running[0]  # labelled: agent and section
        await wait_for(pilot, lambda: view.running is None and view.status is not None
                       and view.status.phases[0].status == "awaiting_approval",
                       timeout=90, what="the vision phase to finish")
        document = view.query_one("#document-view", Markdown)
        await wait_for(pilot, lambda: "Drafted with {{ 7*7 }}" in document.source,
                       what="the written brief in the document view")
        assert fake_llm.count() > requests_after_draft
        assert any(b.get("stream") for b in fake_llm.bodies("m"))
        brief = (tmp_path / "garden" / "docs" / "brief.md").read_text()
        assert "Drafted with {{ 7*7 }} kept as text." in brief
        assert not [n for n in notifications(app) if "error" in n.lower()]

    from bmadgen.services import llm
    from bmadgen.services.session import open_session

    with open_session(project="garden", cwd=tmp_path) as session:
        usage = llm.usage(session, by="phase")
    # the drafting calls were claimed by the project, the vision calls recorded under it
    assert usage.total.calls >= fake_llm.count()
    assert "vision" in {row.key for row in usage.rows}


async def test_a_failing_model_is_one_notification_and_the_form_stays(
        fake_llm: FakeLLM, bmadgen_home: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        tmp_path: Path) -> None:
    from bmadgen.tui.app import BmadgenApp
    from bmadgen.tui.screens.new_project import NewProjectScreen

    configure(bmadgen_home, monkeypatch, fake_llm, provider="offline")  # nothing scripted
    app = BmadgenApp(cwd=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await fill_idea_form(pilot, tmp_path, "broken")
        await wait_for(pilot, lambda: bool(notifications(app)), timeout=90,
                       what="the error notification")
        await wait_for(pilot, lambda: not form.query_one("#ok").disabled, what="the form back")
        assert isinstance(app.screen, NewProjectScreen)
        shown = notifications(app)
        assert len(shown) == 1 and "Traceback" not in shown[0], shown
        assert "failed" in shown[0] and "\n" not in shown[0].strip(), shown
        assert form.query_one("#idea", TextArea).text == IDEA  # nothing typed is lost
        assert not (tmp_path / "broken").exists()


async def test_without_a_model_the_gallery_says_why_there_is_no_idea(
        bmadgen_home: Path, tmp_path: Path) -> None:
    from bmadgen.tui.app import BmadgenApp
    from bmadgen.tui.screens.new_project import NewProjectScreen

    app = BmadgenApp(cwd=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await press_for(pilot, "n", NewProjectScreen)
        assert not form.query("#idea")
        hints = " ".join(str(s.render()) for s in form.query(".field-hint").results(Static))
        assert "needs a model; none is configured" in hints
