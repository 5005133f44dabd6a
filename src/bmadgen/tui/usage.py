"""Model usage for the usage view: the one place the wizard asks for it.

The LLM gateway (calls, tokens and cost per phase, agent and model; the budget) is not part of
this build yet, so there is no model usage to show: `model_usage` says so with None, and the
view says that no model is configured. When the gateway lands, this function calls its service.
Never fake figures here."""

from __future__ import annotations

from typing import Any


def model_usage(session: Any) -> Any | None:
    """The project's model usage and budget, or None when no model is configured."""
    return None
