"""Snapshots of the wizard's views at 80x24 and 160x48 (pytest-textual-snapshot).

The data is real (a project through architecture, in a folder with a fixed path so the
screens are the same on every run); `pytest --snapshot-update` records new ones."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bmadgen.tui.app import BmadgenApp
from tests.tui.conftest import EXAMPLES, wait_for

SIZES = [(80, 24), (160, 48)]
FOLDER = Path(tempfile.gettempdir()) / "bmadgen-tui-snapshots"


@pytest.fixture
def fixed_shop() -> Path:
    from bmadgen.services import workflow
    from bmadgen.services.session import open_session

    shutil.rmtree(FOLDER, ignore_errors=True)
    FOLDER.mkdir(parents=True)
    with open_session(cwd=FOLDER) as session:
        workflow.new_project(session, "shop", "ecommerce", folder=FOLDER / "shop",
                             answers=EXAMPLES / "ecommerce.answers.yaml", until="architecture")
    return FOLDER


def _ready(screen_name: str, check: Callable[[Any], bool]) -> Callable[[Any], Any]:
    async def run_before(pilot: Any) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: type(app.screen).__name__ == screen_name
                       and check(app.screen), what=screen_name)
        await pilot.pause(0.3)
    return run_before


VIEWS: dict[str, tuple[str | None, str, Callable[[Any], bool]]] = {
    "dashboard": (None, "DashboardScreen", lambda s: s.loaded),
    "project": ("", "ProjectScreen", lambda s: s.status is not None and bool(
        s.query_one("#log").lines)),
    "slices": ("s", "SlicesScreen", lambda s: len(s.slices) == 4),
    "gates": ("g", "GatesScreen", lambda s: hasattr(s, "gate_names")),
    "usage": ("u", "UsageScreen", lambda s: s.query_one("#sandbox-usage").row_count == 1),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("view", list(VIEWS))
def test_view_snapshot(view: str, size: tuple[int, int], fixed_shop: Path,
                       snap_compare: Any) -> None:
    key, screen_name, ready = VIEWS[view]
    app = BmadgenApp(project=None if key is None else "shop", cwd=fixed_shop)
    wait_project = _ready("ProjectScreen", VIEWS["project"][2])
    wait_view = _ready(screen_name, ready)

    async def run_before(pilot: Any) -> None:
        if key is not None:
            await wait_project(pilot)
            if key:
                await pilot.press(key)
        await wait_view(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
