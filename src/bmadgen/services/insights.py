"""Insights across every project in the person's store (nothing leaves the machine)."""

from __future__ import annotations

from bmadgen.services.session import Session
from bmadgen.share import insights as history
from bmadgen.share.insights import Insights

__all__ = ["Insights", "insights"]


def insights(session: Session) -> Insights:
    """Types and stacks, recurring features, failing gates, mutation scores, phase times,
    rollbacks and LLM cost (or "no data yet"), with suggestions drawn from them."""
    return history.collect(session.store)
