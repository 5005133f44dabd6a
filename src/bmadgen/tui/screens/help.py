"""Help: what the screen in front does, its keys, and the CLI command each action maps to."""

from __future__ import annotations

import sys
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Markdown

GENERAL = """
## Everywhere

- `ctrl+p` the command palette: every action of the screen, searchable
- `?` this help, `escape` back, `ctrl+q` quit

The wizard does what the CLI does: the phases (`bmadgen phase run|approve|rollback`), the
documents (`bmadgen doc show`), slices (`bmadgen slice ...`), gates (`bmadgen gate ...`),
memory (`bmadgen memory ...`) and tasks (`bmadgen task ...`). See docs/tui.md.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, behind: Screen[object]) -> None:
        super().__init__()
        self.behind = behind

    def compose(self) -> ComposeResult:
        rows = []
        for binding in getattr(self.behind, "BINDINGS", []):
            if getattr(binding, "description", ""):
                rows.append(f"| `{binding.key}` | {binding.description} |")
        title = type(self.behind).__name__.removesuffix("Screen")
        about = sys.modules[type(self.behind).__module__].__doc__ or ""
        text = (f"# Help: {title}\n\n{about}\n\n"
                "| key | action |\n|---|---|\n" + "\n".join(rows) + "\n" + GENERAL)
        with VerticalScroll(classes="dialog wide", id="help"):
            yield Markdown(text)

    def action_close(self) -> None:
        self.dismiss(None)
