"""Quitting in the middle of a phase and reopening resumes at the same question; a refused
answer is shown beside the field and stays as typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bmadgen.tui.app import BmadgenApp
from bmadgen.tui.widgets.question import QuestionForm
from tests.tui.conftest import create_from_gallery, notifications, press_for, wait_for

pytestmark = pytest.mark.anyio


def _asking(app: BmadgenApp) -> str | None:
    forms = app.screen.query(QuestionForm)
    if not forms or not forms.first().display or forms.first().prompt is None:
        return None
    return forms.first().prompt.position


async def test_quit_mid_phase_and_resume_at_the_same_question(tmp_path: Path) -> None:
    app = BmadgenApp(cwd=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await create_from_gallery(pilot, "shop", "ecommerce")
        # the vision phase starts on its own and asks its first question
        await wait_for(pilot, lambda: _asking(app) == "vision.summary",
                       what=f"vision.summary {notifications(app)}")
        question = app.screen.query_one(QuestionForm)
        await pilot.press("enter")  # an empty answer: refused in place
        await wait_for(pilot, lambda: "vision.summary" in str(
            question.query_one("#answer-error").render()), what="the refusal")
        assert _asking(app) == "vision.summary"
        question.query_one("#answer").value = "A bookshop that sells online."
        await pilot.press("enter")
        await wait_for(pilot, lambda: _asking(app) == "vision.problem", what="vision.problem")
        question.query_one("#answer").value = "Customers cannot order online."
        await pilot.press("enter")
        await wait_for(pilot, lambda: _asking(app) == "vision.users", what="vision.users")
        await pilot.press("escape")  # step away: the run stops, the answers stay
        await wait_for(pilot, lambda: any("stopped at vision.users" in n
                                          for n in notifications(app)), what="the stop")
        await wait_for(pilot, lambda: _asking(app) is None, what="the question to close")
        await pilot.press("r")  # running again asks the same question
        await wait_for(pilot, lambda: _asking(app) == "vision.users", what="vision.users again")
    # the app closed while the question was open (as with ctrl+q)

    reopened = BmadgenApp(project="shop", cwd=tmp_path)
    async with reopened.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: _asking(reopened) == "vision.users",
                       what="the same question after reopening")

    from bmadgen.services import workflow
    from bmadgen.services.session import open_session

    with open_session(project="shop") as session:
        given = workflow.answers_given(session)["vision"]
    assert given == {"summary": "A bookshop that sells online.",
                     "problem": "Customers cannot order online."}


async def test_roll_back_then_reask_with_the_stored_answers_as_defaults(shop: str,
                                                                       tmp_path: Path) -> None:
    from bmadgen.tui.screens.modals import ConfirmScreen
    from bmadgen.tui.screens.project import ProjectScreen

    app = BmadgenApp(project=shop, cwd=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProjectScreen)
                       and app.screen.status is not None)
        project = app.screen
        project.query_one("#stepper").index = 3  # architecture
        await press_for(pilot, "x", ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: project.status.phases[3].status == "in_progress",
                       what="architecture reopened")
        await pilot.press("e")
        await wait_for(pilot, lambda: _asking(app) == "architecture.stack", what="the question")
        form = project.query_one(QuestionForm)
        assert form.query_one("#answer").value == "fastapi"  # the stored answer
        await pilot.press("enter")
        await wait_for(pilot, lambda: _asking(app) == "architecture.auth", what="the next one")
        assert form.query_one("#answer").value == "session"
        await pilot.press("enter")
        await wait_for(pilot, lambda: project.running is None
                       and project.status.phases[3].status == "awaiting_approval",
                       what="architecture awaiting approval")
