"""The `[llm]` table of the config file: which model each agent uses, the fallback chain,
limits, the budget and the prices, as a frozen dataclass checked once.

Read by `settings.load` for every command, so it imports only the standard library. Every
problem names the key and, when it comes from the file, the line it is on.

```toml
[llm]
default = "gpt-4o-mini"          # a litellm model string or a name under [llm.models]
fallbacks = ["local"]
budget_usd = 2.0                 # per project, the hard cap
[llm.agents.architect]
model = "anthropic/claude-3-5-haiku-20241022"
max_tokens = 800
[llm.models.local]
model = "openai/smollm2"
api_base = "http://127.0.0.1:8080/v1"
json_mode = "json_object_schema"
input_price = 0                  # USD per million tokens; 0 for a model on your machine
output_price = 0
```
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

AGENTS: tuple[str, ...] = ("analyst", "pm", "ux", "architect", "sm", "dev", "qa")
JSON_MODES: tuple[str, ...] = ("auto", "json_schema", "json_object_schema", "json_object",
                               "instructions")
# Provider prefixes of litellm model strings ("anthropic/claude-...") bmadgen knows how to route.
PROVIDERS: tuple[str, ...] = (
    "openai", "anthropic", "gemini", "vertex_ai", "mistral", "groq", "deepseek", "openrouter",
    "cohere", "together_ai", "xai", "azure", "bedrock", "ollama", "ollama_chat", "lm_studio",
    "hosted_vllm", "llamafile", "huggingface", "fireworks_ai", "perplexity",
)
ENV_MODEL = "BMADGEN_LLM_MODEL"
ENV_BUDGET = "BMADGEN_LLM_BUDGET"
MAX_OUTPUT_TOKENS = 32_000


@dataclass(frozen=True)
class ModelEntry:
    """A named model under `[llm.models.NAME]`: a litellm model string and how to reach it."""

    name: str
    model: str
    api_base: str = ""
    json_mode: str = "auto"
    input_price: float | None = None  # USD per million tokens; None: litellm's price list
    output_price: float | None = None
    timeout: float | None = None  # seconds; None: the [llm] timeout
    key: str = ""  # whose stored key to send; "": the model string's provider

    @property
    def provider(self) -> str:
        return provider_of(self.model)


@dataclass(frozen=True)
class AgentRoute:
    model: str = ""  # "": the default model
    temperature: float | None = None
    max_tokens: int | None = None


@dataclass(frozen=True)
class LLMConfig:
    default: str = ""  # "": no model configured (the offline provider stays the only one)
    fallbacks: tuple[str, ...] = ()
    temperature: float = 0.2
    max_tokens: int = 512  # output tokens per call, always sent
    budget_usd: float = 2.0  # per project
    default_price: float = 10.0  # USD per million tokens for a model with no known price
    retries: int = 2  # retries of a failed request (429, 5xx, timeout), with backoff
    timeout: float = 60.0
    repairs: int = 1  # requests carrying the validation errors after an invalid answer (1-2)
    context_tokens: int = 1200  # the context budget per call
    cache: bool = True
    agents: Mapping[str, AgentRoute] = field(default_factory=dict)
    models: Mapping[str, ModelEntry] = field(default_factory=dict)

    @property
    def configured(self) -> bool:
        return bool(self.default or any(r.model for r in self.agents.values()))

    def route(self, agent: str) -> AgentRoute:
        return self.agents.get(agent, AgentRoute())

    def model_for(self, agent: str) -> str:
        return self.route(agent).model or self.default

    def entry(self, name: str) -> ModelEntry:
        """The named model, or a plain litellm model string as an entry of its own."""
        found = self.models.get(name)
        return found if found is not None else ModelEntry(name=name, model=name)

    def chain(self, agent: str) -> list[ModelEntry]:
        """The model for `agent`, then the fallbacks, each once."""
        names = [self.model_for(agent), *self.fallbacks]
        seen: list[str] = []
        for name in names:
            if name and name not in seen:
                seen.append(name)
        return [self.entry(n) for n in seen]


def provider_of(model: str) -> str:
    """The provider of a litellm model string: its prefix, else OpenAI's or Anthropic's by
    name, else ''."""
    if "/" in model:
        return model.split("/", 1)[0]
    if model.startswith(("gpt-", "o1", "o3", "o4", "chatgpt-")):
        return "openai"
    if model.startswith("claude"):
        return "anthropic"
    if model.startswith("gemini"):
        return "gemini"
    return ""


# ------------------------------------------------------------------ parsing


class ConfigProblems(Exception):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


_TOP: dict[str, str] = {  # key -> kind
    "default": "model", "fallbacks": "models", "temperature": "temperature",
    "max_tokens": "max_tokens", "budget_usd": "money", "default_price": "price",
    "retries": "count", "timeout": "seconds", "repairs": "repairs",
    "context_tokens": "tokens", "cache": "bool", "agents": "table", "models": "table",
}
_AGENT: dict[str, str] = {"model": "model", "temperature": "temperature",
                          "max_tokens": "max_tokens"}
_MODEL: dict[str, str] = {"model": "model_string", "api_base": "url", "json_mode": "json_mode",
                          "input_price": "price", "output_price": "price",
                          "timeout": "seconds", "key": "provider"}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(float(value)) else None


def check_value(kind: str, value: Any) -> str | None:
    """Why `value` is not a valid `kind`, or None."""
    number = _number(value)
    if kind in ("money", "price"):
        if number is None or number < 0:
            return f"must be a number of US dollars, 0 or more, not {value!r}"
        return None
    if kind == "temperature":
        return None if number is not None and 0 <= number <= 2 else \
            f"must be a number from 0 to 2, not {value!r}"
    if kind in ("max_tokens", "tokens"):
        ok = isinstance(value, int) and not isinstance(value, bool) and \
            0 < value <= MAX_OUTPUT_TOKENS * 4
        return None if ok else f"must be a whole number of tokens above 0, not {value!r}"
    if kind == "count":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10
        return None if ok else f"must be a whole number from 0 to 10, not {value!r}"
    if kind == "repairs":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2
        return None if ok else f"must be 0, 1 or 2, not {value!r}"
    if kind == "seconds":
        return None if number is not None and 0 < number <= 3600 else \
            f"must be a number of seconds above 0, not {value!r}"
    if kind == "bool":
        return None if isinstance(value, bool) else f"must be true or false, not {value!r}"
    if kind == "json_mode":
        return None if value in JSON_MODES else \
            f"must be one of {', '.join(JSON_MODES)}, not {value!r}"
    if kind == "provider":
        return None if value == "" or value in PROVIDERS else \
            f"must be a provider ({', '.join(PROVIDERS)}), not {value!r}"
    if kind == "url":
        ok = isinstance(value, str) and (value == "" or bool(re.match(r"^https?://\S+$", value)))
        return None if ok else f"must be an http(s) URL, not {value!r}"
    if kind in ("model", "model_string"):
        return _model_problem(value)
    if kind == "models":
        if not isinstance(value, list):
            return f"must be a list of model names, not {value!r}"
        return next((p for p in map(_model_problem, value) if p), None)
    return None


def _model_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value) \
            or len(value) > 200:
        return f"must be a model name without spaces, not {value!r}"
    if "/" in value and provider_of(value) not in PROVIDERS:
        return (f"names the unknown provider {provider_of(value)!r} "
                f"(known: {', '.join(PROVIDERS)})")
    return None


def parse(table: Any, *, text: str = "", source: str = "the config file") -> LLMConfig:
    """The `[llm]` table checked into an `LLMConfig`; every problem at once, each with its key
    and (from `text`, the file's content) its line."""
    problems: list[str] = []
    if not isinstance(table, dict):
        raise ConfigProblems([f"llm: must be a table ([llm]), not {table!r}"])

    def problem(key: str, message: str) -> None:
        line = line_of(text, key)
        where = f" ({source}, line {line})" if line else ""
        problems.append(f"{key}{where}: {message}")

    def checked(prefix: str, data: dict[str, Any], kinds: dict[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in data.items():
            dotted = f"{prefix}.{key}"
            kind = kinds.get(key)
            if kind is None:
                problem(dotted, f"unknown setting (known: {', '.join(kinds)})")
                continue
            if kind == "table":
                continue
            why = check_value(kind, value)
            if why:
                problem(dotted, why)
            else:
                out[key] = value
        return out

    top = checked("llm", table, _TOP)
    agents: dict[str, AgentRoute] = {}
    raw_agents = table.get("agents", {})
    if not isinstance(raw_agents, dict):
        problem("llm.agents", "must be a table of agents")
        raw_agents = {}
    for agent, data in raw_agents.items():
        if agent not in AGENTS:
            problem(f"llm.agents.{agent}", f"unknown agent (known: {', '.join(AGENTS)})")
            continue
        if not isinstance(data, dict):
            problem(f"llm.agents.{agent}", "must be a table")
            continue
        agents[agent] = AgentRoute(**checked(f"llm.agents.{agent}", data, _AGENT))
    models: dict[str, ModelEntry] = {}
    raw_models = table.get("models", {})
    if not isinstance(raw_models, dict):
        problem("llm.models", "must be a table of named models")
        raw_models = {}
    for name, data in raw_models.items():
        if not isinstance(data, dict) or "model" not in data:
            problem(f"llm.models.{name}", "must be a table with at least `model = \"...\"`")
            continue
        values = checked(f"llm.models.{name}", data, _MODEL)
        if "model" in values:
            for price in ("input_price", "output_price"):
                if price in values:
                    values[price] = float(values[price])
            models[name] = ModelEntry(name=name, **values)
    top.pop("agents", None)
    top.pop("models", None)
    if "fallbacks" in top:
        top["fallbacks"] = tuple(top["fallbacks"])
    for key in ("temperature", "budget_usd", "default_price", "timeout"):
        if key in top:
            top[key] = float(top[key])
    if problems:
        raise ConfigProblems(problems)
    return LLMConfig(**top, agents=agents, models=models)


def with_environment(config: LLMConfig, env: Mapping[str, str]) -> LLMConfig:
    """`BMADGEN_LLM_MODEL` and `BMADGEN_LLM_BUDGET` over the file."""
    changes: dict[str, Any] = {}
    problems = []
    model = env.get(ENV_MODEL, "").strip()
    if model:
        why = _model_problem(model)
        if why:
            problems.append(f"{ENV_MODEL}: {why}")
        changes["default"] = model
    budget = env.get(ENV_BUDGET, "").strip()
    if budget:
        try:
            value: Any = float(budget)
        except ValueError:
            value = budget
        why = check_value("money", value)
        if why:
            problems.append(f"{ENV_BUDGET}: {why}")
        else:
            changes["budget_usd"] = value
    if problems:
        raise ConfigProblems(problems)
    return replace(config, **changes) if changes else config


def line_of(text: str, dotted: str) -> int | None:
    """The line of `dotted` (llm.agents.pm.model) in a TOML text: its `key =` line inside its
    table, or its table header. Good enough to point a person at a typo."""
    if not text:
        return None
    parts = dotted.split(".")
    table, key = ".".join(parts[:-1]), parts[-1]
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[\s*([^\]]+?)\s*\]", stripped)
        if header:
            current = header.group(1).replace('"', "").replace(" ", "")
            if current == dotted:
                return number
            continue
        match = re.match(r'^"?([\w.-]+?)"?\s*=', stripped)
        if match:
            full = f"{current}.{match.group(1)}" if current else match.group(1)
            if full == dotted or (current == table and match.group(1) == key):
                return number
    return None


def as_table(config: LLMConfig) -> dict[str, Any]:
    """The configuration as the `[llm]` table it reads from (defaults included)."""
    out: dict[str, Any] = {}
    for f in fields(config):
        if f.name in ("agents", "models"):
            continue
        value = getattr(config, f.name)
        out[f.name] = list(value) if isinstance(value, tuple) else value
    out["agents"] = {name: {k: v for k, v in vars(route).items() if v not in (None, "")}
                     for name, route in config.agents.items()}
    out["models"] = {name: {k: v for k, v in vars(entry).items()
                            if k != "name" and v not in (None, "")}
                     for name, entry in config.models.items()}
    return out
