"""The whole path in the wizard, offline: an ecommerce project from the gallery, every phase
run and approved (development generates the app and runs every gate on the local backend),
the app spec and prototype pages seen, the slices listed, the gate verdicts shown, memory
searched. Slow: the development phase runs the full gate suite (mutation testing included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bmadgen.tui.app import BmadgenApp
from tests.tui.conftest import (
    EXAMPLES,
    PHASES,
    create_from_gallery,
    press_for,
    screen_text,
    wait_for,
)

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_from_the_gallery_to_a_gated_app(tmp_path: Path) -> None:
    from textual.widgets import Markdown

    from bmadgen.tui.screens.gates import GatesScreen
    from bmadgen.tui.screens.memory import MemoryScreen
    from bmadgen.tui.screens.new_project import NewProjectScreen
    from bmadgen.tui.screens.project import ProjectScreen
    from bmadgen.tui.screens.slices import SlicesScreen

    app = BmadgenApp(cwd=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await press_for(pilot, "n", NewProjectScreen)  # the gallery shows features
        form.query_one("#types").highlighted = [t.id for t in form.types].index("ecommerce")
        await pilot.pause(0.1)
        assert "Catalog (catalog)" in str(form.query_one("#type-features").render())
        await pilot.press("escape")
        await create_from_gallery(pilot, "shop", "ecommerce", EXAMPLES / "ecommerce.answers.yaml")
        await wait_for(pilot, lambda: isinstance(app.screen, ProjectScreen)
                       and app.screen.status is not None, what="the project view")
        project = app.screen

        def status_of(phase: str) -> str:
            return next(p.status for p in project.status.phases if p.phase == phase)

        document = project.query_one("#document-view", Markdown)
        for phase in PHASES:
            if phase != "vision":  # vision starts on its own after creation
                await pilot.press("r")
            await wait_for(pilot, lambda: project.running is None and project.status is not None
                           and status_of(phase) == "awaiting_approval",  # noqa: B023
                           # development runs every gate, mutation included: 654 s measured
                           # with `-n 2` beside the Docker gate runs on a loaded 2-CPU machine
                           timeout=1500, what=f"{phase} awaiting approval")
            await pilot.press("a")
            await pilot.pause(0.1)
            await pilot.press("y")
            await wait_for(pilot, lambda: project.running is None
                           and status_of(phase) == "approved",  # noqa: B023
                           what=f"{phase} approved")
            assert f"Handoff: {phase.title()} approved" in "\n".join(
                line.text for line in project.query_one("#log").lines)
            if phase == "architecture":  # the app spec, rendered in the Document tab
                await wait_for(pilot, lambda: "appspec.yaml" in document.source,
                               what=f"the app spec in {document.source[:200]!r}")
            if phase == "prototype":
                assert [p.name for p in project.pages][:1] == ["cart.html"]
        assert project.status.next_action.kind == "done"
        assert (tmp_path / "shop" / "app" / "features" / "catalog" / "api.py").is_file()

        await press_for(pilot, "s", SlicesScreen)
        await wait_for(pilot, lambda: len(app.screen.slices) == 4
                       and all(s.generated for s in app.screen.slices))
        await pilot.press("escape")

        gates = await press_for(pilot, "g", GatesScreen)
        await wait_for(pilot, lambda: gates.report is not None)
        assert gates.report.backend == "local"
        # The shop signs people in: its accounts slice is gated like the others.
        assert {v.slice for v in gates.report.verdicts} == {"catalog", "cart", "orders",
                                                             "customers", "accounts"}
        assert "catalog | PASS" in screen_text(app) or "catalog | CONCERNS" in screen_text(app)
        await pilot.press("escape")

        memory = await press_for(pilot, "m", MemoryScreen)
        memory.query_one("#query").value = "vertical slices stack"
        memory.query_one("#query").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: bool(memory.memories)
                       and "fastapi" in memory.memories[0].content.lower(),
                       what="the architecture decision")
