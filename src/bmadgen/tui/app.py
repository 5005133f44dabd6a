"""The wizard's App: its screens, the bindings every screen shares, the command palette, and
how errors are shown (one line, never a traceback)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.events import Resize

from bmadgen.errors import BmadgenError

if TYPE_CHECKING:
    from bmadgen.services.session import Session

MIN_WIDTH, MIN_HEIGHT = 80, 24
log = logging.getLogger(__name__)


class ActionsProvider(Provider):
    """Every action of the screen in front, as the footer shows it: the palette and the keys
    never disagree because both come from the same bindings."""

    def _actions(self) -> Iterator[tuple[str, str, str]]:
        seen = set()
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            seen.add(binding.action)
            yield binding.description, binding.action, key

    async def _run(self, action: str) -> None:
        await self.screen.run_action(action)

    async def discover(self) -> Hits:
        for description, action, key in self._actions():
            yield DiscoveryHit(description, lambda a=action: self._run(a),
                               help=f"key: {key}")

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for description, action, key in self._actions():
            score = matcher.match(description)
            if score > 0:
                yield Hit(score, matcher.highlight(description),
                          lambda a=action: self._run(a),
                          help=f"key: {key}")


def terminal_is_light(environ: Mapping[str, str]) -> bool:
    """Whether the terminal says its background is light (`COLORFGBG`, set by xterm, rxvt,
    Konsole, iTerm2 and others, ends in the background colour: 7 or 15 is light)."""
    background = environ.get("COLORFGBG", "").rsplit(";", 1)[-1].strip()
    return background in ("7", "15")


class BmadgenApp(App[None]):
    """bmadgen's terminal wizard."""

    TITLE = "bmadgen"
    SUB_TITLE = "from an idea to a gated app"
    CSS_PATH = "bmadgen.tcss"
    COMMANDS = App.COMMANDS | {ActionsProvider}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, *, project: str | None = None, cwd: Path | None = None) -> None:
        super().__init__()
        self.start_project = project
        self.cwd = Path(cwd) if cwd is not None else Path.cwd()
        self._too_small = False
        if terminal_is_light(os.environ):  # follow the terminal's light or dark background
            self.theme = "textual-light"

    @contextmanager
    def session(self, project: str | None = None) -> Iterator[Session]:
        """A session of its own for one piece of work (each worker thread opens its own)."""
        from bmadgen.services.session import open_session

        with open_session(project=project, cwd=self.cwd) as session:
            yield session

    def on_mount(self) -> None:
        from bmadgen.tui.screens.dashboard import DashboardScreen

        self.push_screen(DashboardScreen())
        if self.start_project:
            self.open_project(self.start_project)
        self.call_after_refresh(self.check_size, self.size.width, self.size.height)

    def open_project(self, name: str, *, run_next: bool = False) -> None:
        from bmadgen.tui.screens.project import ProjectScreen

        self.push_screen(ProjectScreen(name, run_next=run_next))

    # ------------------------------------------------------------ errors

    def show_error(self, exc: BmadgenError) -> None:
        self.notify(exc.one_line(), title="error", severity="error", timeout=10)

    def show_bug(self, exc: BaseException) -> None:
        log.exception("unexpected error in the wizard", exc_info=exc)
        self.notify(f"internal error (a bug): {type(exc).__name__}: {exc}", title="bug",
                    severity="error", timeout=15)

    # ------------------------------------------------------------ shared actions

    def action_help(self) -> None:
        from bmadgen.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def on_resize(self, event: Resize) -> None:
        # after the refresh, so the notice goes above the screens being pushed at start
        self.call_after_refresh(self.check_size, event.size.width, event.size.height)

    def check_size(self, width: int, height: int) -> None:
        """A terminal smaller than 80x24 shows a notice instead of a broken layout."""
        from bmadgen.tui.screens.modals import TooSmallScreen

        small = width < MIN_WIDTH or height < MIN_HEIGHT
        if small and not self._too_small:
            self._too_small = True
            self.push_screen(TooSmallScreen())
        elif not small and self._too_small:
            self._too_small = False
            if isinstance(self.screen, TooSmallScreen):
                self.pop_screen()


def run(*, project: str | None = None) -> None:
    """Open the wizard in this terminal (what `bmadgen tui` and bare `bmadgen` call)."""
    BmadgenApp(project=project).run()
