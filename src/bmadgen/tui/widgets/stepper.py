"""The five phases as a stepper: each with its agent and state (pending, in progress, awaiting
approval, approved, stale with its reason)."""

from __future__ import annotations

from typing import Any

from textual.widgets import Label, ListItem, ListView

from bmadgen.tui.formatting import PHASE_MARKS


class PhaseStepper(ListView):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.phases: list[str] = []

    def show(self, status: Any) -> None:  # a WorkflowStatus
        """Rebuild the steps when the phases change; otherwise relabel them in place so the
        highlighted step stays where the person left it."""
        names = [p.phase for p in status.phases]
        if names != self.phases:
            self.clear()
            self.phases = names
            for view in status.phases:
                self.append(ListItem(Label(self._label(view)), id=f"step-{view.phase}",
                                     classes=f"step -{view.status}"))
            return
        for view in status.phases:
            item = self.query_one(f"#step-{view.phase}", ListItem)
            item.set_classes(f"step -{view.status}")
            item.query_one(Label).update(self._label(view))

    @staticmethod
    def _label(view: Any) -> str:
        text = (f"{PHASE_MARKS.get(view.status, '?')} {view.title}\n"
                f"   {view.agent_title}: {view.status.replace('_', ' ')}")
        if view.checklist:
            text += f"\n   checklist {view.checklist}"
        if view.stale_reason:
            text += f"\n   why: {view.stale_reason}"
        if view.elicit_position:
            text += f"\n   paused at {view.elicit_position}"
        return text

    def selected_phase(self) -> str | None:
        if self.index is None or not self.phases:
            return None
        return self.phases[self.index]
