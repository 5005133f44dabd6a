"""Fixtures for the wizard's pilot tests: a real store (BMADGEN_HOME, from tests/conftest.py),
real project folders in temporary directories, the offline provider, and the gates on the
`local` sandbox backend (the Docker engine is hidden, so nothing here starts a container)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
PHASES = ["vision", "requirements", "prototype", "architecture", "development"]


@pytest.fixture(autouse=True)
def local_gates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BMADGEN_SANDBOX", "local")
    # `auto` (the development phase's choice) finds no engine and uses the local backend
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/bmadgen-tests.sock")
    monkeypatch.setenv("BROWSER", "true")  # opening a prototype page opens nothing
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("COLORFGBG", raising=False)  # the dark theme, as in the snapshots


async def wait_for(pilot: Any, condition: Callable[[], bool], timeout: float = 30.0,
                   what: str = "the condition") -> None:
    """Let the app run until `condition` holds (workers finish on their own threads)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        await pilot.pause(0.05)
        if condition():
            return
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def screen_text(app: Any) -> str:
    """What the screen shows, as plain text (the rendered lines of every visible widget)."""
    from textual.widgets import DataTable, Input, Label, RichLog, Static

    parts = []
    for widget in app.screen.query("*"):
        if not widget.display:
            continue
        if isinstance(widget, Static | Label):
            parts.append(str(widget.render()))
        elif isinstance(widget, RichLog):
            parts.extend(line.text for line in widget.lines)
        elif isinstance(widget, Input):
            parts.append(widget.value)
        elif isinstance(widget, DataTable):
            for row in range(widget.row_count):
                parts.append(" | ".join(str(cell) for cell in widget.get_row_at(row)))
    return "\n".join(parts)


def notifications(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.fixture
def shop(tmp_path: Path) -> str:
    """An ecommerce project with the four phases before development approved (services)."""
    from bmadgen.services import workflow
    from bmadgen.services.session import open_session

    with open_session(cwd=tmp_path) as session:
        workflow.new_project(session, "shop", "ecommerce", folder=tmp_path / "shop",
                             answers=EXAMPLES / "ecommerce.answers.yaml", until="architecture")
    return "shop"


@pytest.fixture
def generated_shop(shop: str, tmp_path: Path) -> str:
    from bmadgen.services import generation
    from bmadgen.services.session import open_session

    with open_session(project=shop, cwd=tmp_path) as session:
        generation.generate(session)
    return shop


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def press_for(pilot: Any, key: str, screen_type: type) -> Any:
    """Press `key` and wait for the screen it opens; returns that screen."""
    app = pilot.app
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, screen_type), what=screen_type.__name__)
    return app.screen


async def open_view(pilot: Any, key: str, screen_type: type) -> Any:
    """From the project view (once it shows), open another view by its key."""
    app = pilot.app
    await wait_for(pilot, lambda: type(app.screen).__name__ == "ProjectScreen",
                   what="the project view")
    return await press_for(pilot, key, screen_type)


async def create_from_gallery(pilot: Any, name: str, project_type: str,
                              answers: Path | None = None) -> None:
    """On the dashboard: n, pick the type in the gallery, name it, Create."""
    from bmadgen.tui.screens.new_project import NewProjectScreen

    form = await press_for(pilot, "n", NewProjectScreen)
    form.query_one("#types").highlighted = [t.id for t in form.types].index(project_type)
    await pilot.pause(0.05)
    form.query_one("#name").value = name
    if answers is not None:
        form.query_one("#answers").value = str(answers)
    await pilot.click("#ok")
