"""Memory and tasks in the wizard: search ranked, add a memory, update a task; bad input is
refused beside its field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bmadgen.tui.app import BmadgenApp
from tests.tui.conftest import open_view, press_for, screen_text, wait_for

pytestmark = pytest.mark.anyio


async def test_add_a_memory_then_find_it_ranked_first(shop: str, tmp_path: Path) -> None:
    from bmadgen.tui.screens.memory import AddMemoryScreen, MemoryScreen

    app = BmadgenApp(project=shop, cwd=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, "m", MemoryScreen)
        await wait_for(pilot, lambda: len(screen.memories) > 0, what="the newest memories")
        await press_for(pilot, "n", AddMemoryScreen)
        await pilot.click("#ok")  # empty text: refused in place
        await pilot.pause(0.1)
        assert "the text is empty" in str(app.screen.query_one("#text-error").render())
        app.screen.query_one("#text").insert("We take payments with Stripe, never cash")
        await pilot.click("#ok")
        await wait_for(pilot, lambda: app.screen is screen, what="the form to close")

        screen.query_one("#query").value = "stripe payments"
        screen.query_one("#query").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(screen.memories)
                       and "Stripe" in screen.memories[0].content, what="the search")
        assert screen.memories[0].score is not None
        assert "found for 'stripe payments'" in screen_text(app)


async def test_update_a_task_progress_and_note(shop: str, tmp_path: Path) -> None:
    from bmadgen.tui.screens.memory import MemoryScreen, UpdateTaskScreen

    app = BmadgenApp(project=shop, cwd=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_view(pilot, "m", MemoryScreen)
        await wait_for(pilot, lambda: len(screen.tasks) > 0, what="the tasks")
        await pilot.press("t")
        task = screen.selected_task()
        form = await press_for(pilot, "e", UpdateTaskScreen)
        form.query_one("#progress").value = "lots"
        await pilot.click("#ok")
        await pilot.pause(0.1)
        assert "'lots' is not a whole number" in str(form.query_one("#progress-error").render())
        assert form.query_one("#progress").value == "lots"  # nothing lost
        form.query_one("#progress").value = "40"
        form.query_one("#note").value = "schema drafted"
        await pilot.click("#ok")
        await wait_for(pilot, lambda: app.screen is screen, what="the form to close")
        await wait_for(pilot, lambda: any(t.id == task.id and t.progress == 40
                                          for t in screen.tasks), what="the updated task")
    from bmadgen.services import tasks
    from bmadgen.services.session import open_session

    with open_session(project=shop) as session:
        stored = tasks.show(session, task.id)
    assert stored.progress == 40
    assert [n.text for n in stored.notes] == ["schema drafted"]
