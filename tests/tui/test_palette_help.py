"""Every action of a screen is in the command palette (the same bindings the footer shows),
and `?` explains the screen with its keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from bmadgen.tui.app import BmadgenApp
from tests.tui.conftest import press_for, wait_for

pytestmark = pytest.mark.anyio


async def test_the_palette_finds_and_runs_a_screen_action(shop: str, tmp_path: Path) -> None:
    from textual.command import CommandPalette

    from bmadgen.tui.screens.modals import ConfirmScreen
    from bmadgen.tui.screens.project import ProjectScreen

    app = BmadgenApp(project=shop, cwd=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProjectScreen)
                       and app.screen.status is not None)
        await press_for(pilot, "ctrl+p", CommandPalette)
        await pilot.press(*"roll back")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen),
                       what="the roll-back confirmation")
        assert "Roll back" in app.screen.question


async def test_help_lists_the_keys_of_the_screen(shop: str, tmp_path: Path) -> None:
    from textual.widgets import Markdown

    from bmadgen.tui.screens.help import HelpScreen
    from bmadgen.tui.screens.project import ProjectScreen

    app = BmadgenApp(project=shop, cwd=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProjectScreen))
        help_screen = await press_for(pilot, "question_mark", HelpScreen)
        text = help_screen.query_one(Markdown).source
        assert "| `a` | Approve |" in text and "| `x` | Roll back |" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ProjectScreen))
