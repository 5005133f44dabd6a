"""Model usage for the usage view: the one place the wizard asks for it.

The LLM gateway records every call (project, phase, agent, model, tokens, cost, cache hit,
outcome); `services.llm.usage` sums them. With no model configured and no call recorded there
is nothing to show: `model_usage` says so with None, and the view says that no model is
configured. Never fake figures here."""

from __future__ import annotations

from typing import Any

GROUPS = ("phase", "agent", "model")


def model_usage(session: Any) -> dict[str, Any] | None:
    """The project's model usage per phase, agent and model (`services.llm.Usage` each, with
    the budget left), or None when no model is configured and no call was ever recorded."""
    from bmadgen.services import llm

    found = {by: llm.usage(session, by=by) for by in GROUPS}
    if not session.settings.llm.default and found["agent"].total.calls == 0:
        return None
    return found


def describe(found: dict[str, Any]) -> str:
    """The usage as text for the view: the totals and budget, then one table per grouping."""
    total = found["agent"].total
    budget = found["agent"]
    summary = (f"{total.calls} calls ({total.requests} requests, {total.cache_hits} from the "
               f"cache, {total.refused} refused over budget, {total.errors} errors); "
               f"{total.prompt_tokens:,} prompt and {total.output_tokens:,} output tokens; "
               f"${total.cost_usd:.4f} of ${budget.budget_usd:.2f} spent, "
               f"${budget.remaining_usd:.4f} left")
    lines = [summary, ""]
    for by in GROUPS:
        rows = found[by].rows
        lines.append(f"by {by}:" + ("" if rows else " none yet"))
        lines += [f"  {r.key:<16} {r.calls:>5} calls {r.prompt_tokens:>8,} in "
                  f"{r.output_tokens:>7,} out  ${r.cost_usd:.4f}" for r in rows]
    return "\n".join(lines)
