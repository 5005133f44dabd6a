"""litellm's bundled price list, read as JSON without importing litellm (which costs seconds),
for the commands that show routing and prices but call no model."""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from typing import Any

from bmadgen.llmconfig import LLMConfig, ModelEntry

PRICE_FILE = "model_prices_and_context_window_backup.json"


@functools.cache
def price_list() -> dict[str, Any]:
    spec = importlib.util.find_spec("litellm")
    if spec is None or spec.origin is None:
        return {}
    try:
        data = json.loads((Path(spec.origin).parent / PRICE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def known_price(cost_map: dict[str, Any], model: str) -> tuple[float, float] | None:
    """(input, output) USD per token from litellm's price list, or None when it lists no
    price (an unknown model, or a local one)."""
    candidates = [model]
    if "/" in model:
        candidates.append(model.split("/", 1)[1])
    for name in candidates:
        info = cost_map.get(name)
        if isinstance(info, dict):
            inp, out = info.get("input_cost_per_token"), info.get("output_cost_per_token")
            if isinstance(inp, int | float) and isinstance(out, int | float) and (inp or out):
                return float(inp), float(out)
    return None


def price(config: LLMConfig, entry: ModelEntry,
          cost_map: dict[str, Any] | None = None) -> tuple[float, float, str]:
    """Per-token (input, output) prices and where they come from: configured, litellm's list
    (known), else the default price (never zero)."""
    if entry.input_price is not None or entry.output_price is not None:
        return (entry.input_price or 0.0) / 1e6, (entry.output_price or 0.0) / 1e6, "configured"
    known = known_price(price_list() if cost_map is None else cost_map, entry.model)
    if known is not None:
        return known[0], known[1], "known"
    default = config.default_price / 1e6
    return default, default, "default"


def unknown_model(config: LLMConfig, name: str) -> str | None:
    """Why `name` cannot be routed (no provider, not a named model, not in the price list),
    or None."""
    if name in config.models:
        return None
    entry = config.entry(name)
    if entry.provider or name in price_list():
        return None
    return (f"unknown model {name!r}: give its provider (openai/{name}, ollama/{name}, ...) "
            f"or define it under [llm.models.{name}]")
