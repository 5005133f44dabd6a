"""The dashboard (open, archive with confirmation) and the project view's documents and
prototype pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bmadgen.tui.app import BmadgenApp
from tests.tui.conftest import notifications, press_for, screen_text, wait_for

pytestmark = pytest.mark.anyio


async def test_open_from_the_dashboard_then_see_documents_and_pages(shop: str,
                                                                    tmp_path: Path) -> None:
    from textual.widgets import Markdown

    from bmadgen.tui.screens.dashboard import DashboardScreen
    from bmadgen.tui.screens.project import ProjectScreen

    app = BmadgenApp(cwd=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen)
                       and app.screen.loaded)
        assert "shop | ecommerce | development | ○ pending | 4/5" in screen_text(app)
        project = await press_for(pilot, "o", ProjectScreen)
        await wait_for(pilot, lambda: project.status is not None and bool(project.pages))
        assert [p.name for p in project.pages] == ["cart.html", "catalog.html",
                                                   "customers.html", "index.html",
                                                   "orders.html"]
        project.query_one("#stepper").index = 1  # requirements: the PRD, as Markdown
        document = project.query_one("#document-view", Markdown)
        await wait_for(pilot, lambda: "Product Requirements" in document.source
                       or "PRD" in document.source, what="the PRD")
        project.query_one("#project-tabs").active = "prototype"
        await pilot.press("o")
        await wait_for(pilot, lambda: any("opened cart.html" in n for n in notifications(app)),
                       what="the page opened")


async def test_archive_asks_first_then_hides_the_project(shop: str, tmp_path: Path) -> None:
    from bmadgen.tui.screens.dashboard import DashboardScreen
    from bmadgen.tui.screens.modals import ConfirmScreen

    app = BmadgenApp(cwd=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen)
                       and app.screen.loaded)
        dashboard = app.screen
        await press_for(pilot, "a", ConfirmScreen)
        await pilot.press("n")  # no: nothing happens
        await wait_for(pilot, lambda: app.screen is dashboard)
        assert dashboard.projects == ["shop"]
        await press_for(pilot, "a", ConfirmScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: dashboard.projects == [], what="the archived project")
        assert "press n to create one" in screen_text(app)
