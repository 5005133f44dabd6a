"""Structured output: how to ask a server for JSON matching a schema, and reading the answer.

Servers differ. OpenAI-style servers take `json_schema`; llama.cpp's server takes only
`json_object` with a `schema` (and answers 500 to `json_schema`); some take neither. The mode
is configured per model (`json_mode`) or picked here from where the model lives, and the
schema is always described in the prompt too, so `instructions` works everywhere.

An answer is read leniently (a fenced block or text around the object is fine) and then
validated strictly; what is wrong is said per field, for the repair request and the error.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from bmadgen.llmconfig import ModelEntry

_FENCE = re.compile(r"^\s*```[\w-]*\s*\n(.*?)\n?```\s*$", re.DOTALL)


def json_mode(entry: ModelEntry) -> str:
    if entry.json_mode != "auto":
        return entry.json_mode
    provider = entry.provider
    if provider == "openai" and entry.api_base:
        return "json_object_schema"  # an OpenAI-compatible local server: llama.cpp's dialect
    if provider in ("openai", "azure", "anthropic", "gemini", "vertex_ai", "ollama",
                    "ollama_chat", "lm_studio", "hosted_vllm", "mistral", "groq", "deepseek",
                    "openrouter", "xai", "fireworks_ai", "together_ai"):
        return "json_schema"
    return "instructions"


def response_format(mode: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    if mode == "json_schema":
        return {"type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema, "strict": False}}
    if mode == "json_object_schema":
        return {"type": "json_object", "schema": schema}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def instruction(schema: dict[str, Any]) -> str:
    return ("Answer with one JSON object and nothing else, matching this JSON schema: "
            + json.dumps(schema, separators=(",", ":"), sort_keys=True))


def extract_json(text: str) -> Any:
    """The JSON value in a model's answer: the whole text, a fenced block, or the outermost
    object in it. Raises ValueError when there is none."""
    candidates = [text.strip()]
    fenced = _FENCE.match(text)
    if fenced:
        candidates.append(fenced.group(1).strip())
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start:end + 1])
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    shown = " ".join(text.split())[:80]
    raise ValueError(f"the answer is not JSON (it starts {shown!r})")


def problems(exc: ValidationError) -> list[str]:
    """Each validation error as `field.path: message`."""
    out = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error["loc"]) or "(the whole answer)"
        out.append(f"{where}: {error['msg']}")
    return out


def read(text: str, model: type[BaseModel]) -> tuple[BaseModel | None, list[str]]:
    """The answer validated as `model`, or None and what is wrong with it."""
    try:
        data = extract_json(text)
    except ValueError as exc:
        return None, [str(exc)]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, problems(exc)


def repair_message(found: list[str]) -> str:
    return ("That answer is not valid: " + "; ".join(found[:8])
            + ". Answer again with only the corrected JSON object.")
