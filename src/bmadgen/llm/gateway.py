"""The one place bmadgen talks to a model.

A call goes: the response cache (keyed by the full request; a hit makes no request and costs
nothing) -> the hard cap (count the prompt with `litellm.token_counter`, add the maximum output,
price both for every model the call may reach, refuse before any request when the project's
spend plus that estimate passes its budget) -> litellm's `Router` (retries with backoff on
429, 5xx and timeouts, then the fallback chain) -> the accounting row. Structured calls read
the answer with pydantic; an invalid one gets at most `repairs` new requests carrying the
validation errors, never a Router retry.

litellm is imported on the first call that needs it, with its local price list and its debug
output off. Provider keys are passed per request and scrubbed from every message.
"""

from __future__ import annotations

import contextvars
import functools
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from bmadgen.errors import Conflict, EnvironmentUnavailable, InvalidInput
from bmadgen.llm import keys, prices, records, structured
from bmadgen.llmconfig import LLMConfig, ModelEntry
from bmadgen.store import Store

T = TypeVar("T", bound=BaseModel)
OnToken = Callable[[str], None]
Check = Callable[[Any], list[str]]

# The environment variable litellm reads for each provider's key (for `key_for`).
PROVIDER_KEY_VARIABLES = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY",
                          "gemini": "GEMINI_API_KEY", "mistral": "MISTRAL_API_KEY",
                          "groq": "GROQ_API_KEY", "deepseek": "DEEPSEEK_API_KEY",
                          "openrouter": "OPENROUTER_API_KEY", "cohere": "COHERE_API_KEY",
                          "together_ai": "TOGETHERAI_API_KEY", "xai": "XAI_API_KEY",
                          "azure": "AZURE_API_KEY"}


class BudgetExceeded(Conflict):
    """The call would pass the project's budget; no request was made."""


class ModelOutputInvalid(InvalidInput):
    """The model's answers stayed invalid after the repairs; nothing was written."""


class ModelCallFailed(EnvironmentUnavailable):
    """Every model of the chain failed (after the retries)."""


# Set while the gateway's own request runs: bmadgen prices the call itself (the hard cap and
# the accounting row), so litellm's per-response cost calculation (a walk of its price list,
# ~2 ms a call) is skipped for these calls only; other users of litellm are unaffected.
_PRICED_BY_BMADGEN: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "bmadgen_priced", default=False)
_NO_SUCCESS_LOGGING: contextvars.ContextVar[bool] | None = None


@functools.cache
def load_litellm() -> Any:
    """litellm, imported once, quietly, with its bundled price list (no network)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_LOG", "ERROR")
    import litellm

    litellm.suppress_debug_info = True
    litellm.set_verbose = False
    litellm.telemetry = False
    _skip_litellm_pricing()
    global _NO_SUCCESS_LOGGING
    if not litellm.callbacks and not litellm.success_callback:
        # No success callback is registered (bmadgen registers none): litellm would still
        # build its logging payload in a background thread after every call, competing with
        # the caller for the interpreter. Its "internal call" flag skips that hand-off only.
        try:
            from litellm import _internal_context
        except ImportError:  # pragma: no cover - another litellm layout
            return litellm
        _NO_SUCCESS_LOGGING = getattr(_internal_context, "is_internal_call", None)
    return litellm


def _skip_litellm_pricing() -> None:
    """Make litellm's response cost calculator return None (no cost) inside the gateway's
    calls; left as is when litellm's internals differ from the version this was written for."""
    try:
        from litellm.litellm_core_utils.litellm_logging import Logging
    except ImportError:  # pragma: no cover - another litellm layout
        return
    original = getattr(Logging, "response_cost_calculator", None)
    if original is None or getattr(original, "_bmadgen", False):  # pragma: no cover
        return

    @functools.wraps(original)
    def calculator(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _PRICED_BY_BMADGEN.get():
            return None
        return original(self, *args, **kwargs)

    calculator._bmadgen = True  # type: ignore[attr-defined]
    Logging.response_cost_calculator = calculator  # type: ignore[method-assign]


@dataclass(frozen=True)
class Call:
    """One request as the caller sees it: who asks, why, and the messages."""

    agent: str
    messages: list[dict[str, str]]
    purpose: str = ""
    phase: str = ""
    project_id: int | None = None
    max_tokens: int | None = None
    context_budget: int = 0
    context_tokens: int = 0


@dataclass
class Reply:
    content: str
    model: str
    prompt_tokens: int
    output_tokens: int
    cost_usd: float
    cached: bool


@dataclass(frozen=True)
class Price:
    input_per_token: float
    output_per_token: float
    priced_by: str  # known, configured, default

    def of(self, prompt_tokens: int, output_tokens: int) -> float:
        return prompt_tokens * self.input_per_token + output_tokens * self.output_per_token


@dataclass
class Gateway:
    config: LLMConfig
    store: Store | None
    home: Path
    environment_keys: tuple[str, ...] = ()  # provider key variables that are set (names)
    use_cache: bool = True
    on_token: OnToken | None = None
    # told before each plain-text call is made (who writes what), so a face can label the
    # text `on_token` then receives
    on_start: Callable[[Call], None] | None = None
    requests: int = 0  # requests sent to a server by this gateway (cache hits are not)
    row_ids: list[int] = field(default_factory=list)  # accounting rows this gateway wrote
    # A model whose server refused a structured-output mode (HTTP 400) is asked in the next
    # one for the rest of the process: json_schema -> json_object -> instructions.
    modes: dict[str, str] = field(default_factory=dict)
    _routers: dict[tuple[str, ...], Any] = field(default_factory=dict)
    _secrets: list[str] = field(default_factory=list)

    # ------------------------------------------------------------ public

    def text(self, call: Call) -> Reply:
        """A plain-text answer (streamed to `on_token` as it arrives)."""
        if self.on_start is not None:
            self.on_start(call)
        reply, _ = self._complete(call, call.messages, schema=None)
        return reply

    def structured(self, call: Call, model: type[T], check: Check | None = None) -> T:
        """An answer validated as `model` (and by `check`, which lists what else is wrong),
        with at most `config.repairs` repair requests carrying the errors."""
        schema = model.model_json_schema()
        messages = list(call.messages)
        found: list[str] = []
        for attempt in range(1 + self.config.repairs):
            reply, row = self._complete(call, messages, schema=schema,
                                        repair=attempt)
            value, found = structured.read(reply.content, model)
            if value is not None and check is not None:
                found = check(value)
            if value is not None and not found:
                self._save(row)
                return value  # type: ignore[return-value]
            if row is not None:
                row.outcome, row.detail = "invalid", self._redact("; ".join(found))
            self._save(row)
            messages = [*messages, {"role": "assistant", "content": reply.content[:4000]},
                        {"role": "user", "content": structured.repair_message(found)}]
        what = f" ({call.purpose})" if call.purpose else ""
        raise ModelOutputInvalid(
            f"the model's answer{what} is still invalid after {self.config.repairs} repair "
            f"attempt(s)", details=[self._redact(p) for p in found[:5]],
            hint="nothing was written; try again, pick a stronger model for this agent "
                 "(llm.agents.AGENT.model), or use the offline provider")

    # ------------------------------------------------------------ the call

    def chain(self, agent: str) -> list[ModelEntry]:
        chain = self.config.chain(agent)
        if not chain:
            raise InvalidInput(f"no model is configured for the {agent} agent",
                               hint="set llm.default (bmadgen config set llm.default MODEL) "
                                    "or use the offline provider")
        for entry in chain:
            why = prices.unknown_model(self.config, entry.name)
            if why:
                raise InvalidInput(why, hint="docs/llm.md lists how to name each provider's "
                                             "models")
        return chain

    def _request(self, call: Call, messages: list[dict[str, str]],
                 schema: dict[str, Any] | None, chain: list[ModelEntry]) -> dict[str, Any]:
        route = self.config.route(call.agent)
        mode = (self.modes.get(chain[0].name) or structured.json_mode(chain[0])
                if schema is not None else "text")
        if schema is not None:
            messages = [{"role": "system", "content": structured.instruction(schema)},
                        *messages]
        return {
            "models": [[e.model, e.api_base] for e in chain],
            "messages": messages,
            "schema": schema,
            "mode": mode,
            "temperature": route.temperature if route.temperature is not None
            else self.config.temperature,
            # the call's own limit (a stage that knows its answer's size), capped by the
            # agent's when one is configured; else the agent's, else the default
            "max_tokens": min(call.max_tokens, route.max_tokens or 10**9) if call.max_tokens
            else route.max_tokens or self.config.max_tokens,
        }

    def _complete(self, call: Call, messages: list[dict[str, str]], *,
                  schema: dict[str, Any] | None,
                  repair: int = 0) -> tuple[Reply, records.CallRecord | None]:
        chain = self.chain(call.agent)
        request = self._request(call, messages, schema, chain)
        purpose = call.purpose + (f" (repair {repair})" if repair else "")
        row = records.CallRecord(project_id=call.project_id, phase=call.phase,
                                 agent=call.agent, purpose=purpose, model=chain[0].name,
                                 outcome="ok", context_budget=call.context_budget,
                                 context_tokens=call.context_tokens)
        started = time.perf_counter()
        key = records.cache_key(request)
        if self.use_cache and self.config.cache:
            hit = records.cache_get(self.store, key)
            if hit is not None:
                row.model_used, row.cache_hit = hit.model, True
                row.prompt_tokens, row.output_tokens = hit.prompt_tokens, hit.output_tokens
                row.latency_ms = (time.perf_counter() - started) * 1000
                reply = Reply(hit.content, hit.model, hit.prompt_tokens, hit.output_tokens,
                              0.0, True)
                if schema is not None:
                    return reply, row
                if self.on_token is not None:
                    self.on_token(hit.content)
                self._save(row)
                return reply, None
        litellm = load_litellm()
        prompt_tokens = self._count(litellm, chain[0], request["messages"])
        prices = [self.price(litellm, e) for e in chain]
        estimate = max(p.of(prompt_tokens, request["max_tokens"]) for p in prices)
        row.estimate_usd, row.priced_by = estimate, prices[0].priced_by
        spent = records.spent(self.store, call.project_id)
        if spent + estimate > self.config.budget_usd:
            row.outcome = "refused"
            row.detail = (f"spent ${spent:.4f} + estimate ${estimate:.4f} > budget "
                          f"${self.config.budget_usd:.4f}")
            self._save(row)
            raise BudgetExceeded(
                f"the {call.agent} call was refused before any request: the project has spent "
                f"${spent:.4f}, this call could cost up to ${estimate:.4f} "
                f"({prompt_tokens} prompt + {request['max_tokens']} output tokens), and the "
                f"budget is ${self.config.budget_usd:.4f}",
                hint="raise it (bmadgen config set llm.budget_usd N), lower max_tokens, or "
                     "use the offline provider")
        try:
            content, used, usage = self._send(litellm, call, request, chain)
        except BaseException as exc:
            fallback = _weaker_mode(request["mode"]) if _refused_format(exc) else None
            if fallback is not None:
                self.modes[chain[0].name] = fallback
                row.outcome, row.detail = "error", (f"the server refused json mode "
                                                    f"{request['mode']}; now {fallback}")
                self._save(row)
                return self._complete(call, messages, schema=schema, repair=repair)
            row.outcome = "error"
            row.latency_ms = (time.perf_counter() - started) * 1000
            row.detail = self._redact(_short_error(exc))
            self._save(row)
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise ModelCallFailed(
                f"the model call for {call.purpose or call.agent} failed: {row.detail}",
                hint="check the server and the key (bmadgen keys list, bmadgen models); "
                     "nothing was written") from None
        used_entry = next((e for e in chain if e.name == used), chain[0])
        price = prices[chain.index(used_entry)]
        row.model_used = used_entry.name
        row.outcome = "ok" if used_entry is chain[0] else "fallback"
        row.prompt_tokens = int(usage.get("prompt_tokens") or prompt_tokens)
        row.output_tokens = int(usage.get("completion_tokens") or 0)
        row.cost_usd = price.of(row.prompt_tokens, row.output_tokens)
        row.priced_by = price.priced_by
        row.latency_ms = (time.perf_counter() - started) * 1000
        reply = Reply(content, used_entry.name, row.prompt_tokens, row.output_tokens,
                      row.cost_usd, False)
        if self.use_cache and self.config.cache and content:
            records.cache_put(self.store, key, records.Cached(
                used_entry.name, content, row.prompt_tokens, row.output_tokens))
        if schema is None:
            self._save(row)
            return reply, None
        return reply, row

    def _save(self, row: records.CallRecord | None) -> None:
        if row is not None:
            row_id = records.record(self.store, row)
            if row_id is not None:
                self.row_ids.append(row_id)

    def _send(self, litellm: Any, call: Call, request: dict[str, Any],
              chain: list[ModelEntry]) -> tuple[str, str, dict[str, int]]:
        router = self._router(litellm, chain)
        params: dict[str, Any] = {
            "model": chain[0].name, "messages": request["messages"],
            "max_tokens": request["max_tokens"], "temperature": request["temperature"],
        }
        if request["schema"] is not None:
            fmt = structured.response_format(request["mode"], request["schema"])
            if fmt is not None:
                params["response_format"] = fmt
        self.requests += 1
        token = _PRICED_BY_BMADGEN.set(True)
        quiet = _NO_SUCCESS_LOGGING.set(True) if _NO_SUCCESS_LOGGING is not None else None
        try:
            if self.on_token is not None and request["schema"] is None:
                return self._stream(litellm, router, params)
            response = router.completion(**params)
        finally:
            if quiet is not None and _NO_SUCCESS_LOGGING is not None:
                _NO_SUCCESS_LOGGING.reset(quiet)
            _PRICED_BY_BMADGEN.reset(token)
        return (_content(response), _group(response, chain[0].name),
                _usage(getattr(response, "usage", None)))

    def _stream(self, litellm: Any, router: Any,
                params: dict[str, Any]) -> tuple[str, str, dict[str, int]]:
        chunks = []
        group = params["model"]
        stream = router.completion(**params, stream=True,
                                   stream_options={"include_usage": True})
        for chunk in stream:
            chunks.append(chunk)
            hidden = getattr(chunk, "_hidden_params", None) or {}
            group = (hidden.get("additional_headers") or {}).get("x-litellm-model-group", group)
            for choice in getattr(chunk, "choices", None) or []:
                delta = getattr(choice, "delta", None)
                text = getattr(delta, "content", None) if delta is not None else None
                if text and self.on_token is not None:
                    self.on_token(text)
        built = litellm.stream_chunk_builder(chunks, messages=params["messages"])
        return _content(built), group, _usage(getattr(built, "usage", None))

    def _router(self, litellm: Any, chain: list[ModelEntry]) -> Any:
        names = tuple(e.name for e in chain)
        router = self._routers.get(names)
        if router is not None:
            return router
        from litellm import Router

        model_list = []
        for entry in chain:
            params: dict[str, Any] = {"model": entry.model, "max_retries": 0,
                                      "timeout": entry.timeout or self.config.timeout}
            if entry.api_base:
                params["api_base"] = entry.api_base
            key = self.key_for(entry)
            if key:
                params["api_key"] = key
            elif entry.api_base and entry.provider in ("openai", "hosted_vllm", "lm_studio"):
                params["api_key"] = "none"  # local servers want some key and check none
            model_list.append({"model_name": entry.name, "litellm_params": params})
        fallbacks = [{names[i]: list(names[i + 1:])} for i in range(len(names) - 1)]
        router = Router(model_list=model_list, num_retries=self.config.retries,
                        fallbacks=fallbacks or None, retry_after=0,
                        timeout=self.config.timeout)
        self._routers[names] = router
        return router

    def key_for(self, entry: ModelEntry) -> str | None:
        """The stored key to send, or None (the provider's variable is set, or none needed)."""
        provider = entry.key or entry.provider
        variable = PROVIDER_KEY_VARIABLES.get(provider)
        if not provider or (variable and variable in self.environment_keys):
            return None
        key = keys.get_key(self.home, provider)
        if key:
            self._secrets.append(key)
        return key

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    # ------------------------------------------------------------ counting and pricing

    def _count(self, litellm: Any, entry: ModelEntry, messages: list[dict[str, str]]) -> int:
        try:
            return int(litellm.token_counter(model=entry.model, messages=messages))
        except Exception:  # noqa: BLE001 - a tokenizer that cannot load: count generously
            return sum(len(m.get("content", "")) for m in messages) // 3 + 8

    def price(self, litellm: Any, entry: ModelEntry) -> Price:
        """Per-token prices: configured, else litellm's list, else the default (never 0)."""
        return Price(*prices.price(self.config, entry, litellm.model_cost))


def _weaker_mode(mode: str) -> str | None:
    order = ("json_schema", "json_object", "instructions")
    if mode == "json_object_schema":
        return "json_object"
    return order[order.index(mode) + 1] if mode in order[:-1] else None


def _refused_format(exc: BaseException) -> bool:
    """A 400 from the server: the request's shape (here, its response_format) was refused."""
    return getattr(exc, "status_code", None) == 400 or type(exc).__name__ == "BadRequestError"


def _content(response: Any) -> str:
    try:
        content = response.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        return ""
    return content if isinstance(content, str) else ""


def _group(response: Any, default: str) -> str:
    hidden = getattr(response, "_hidden_params", None) or {}
    headers = hidden.get("additional_headers") or {}
    return str(headers.get("x-litellm-model-group") or default)


def _usage(usage: Any) -> dict[str, int]:
    if usage is None:
        return {}
    out = {}
    for name in ("prompt_tokens", "completion_tokens"):
        value = getattr(usage, name, None)
        if value is None and isinstance(usage, dict):
            value = usage.get(name)
        if isinstance(value, int):
            out[name] = value
    return out


def _short_error(exc: BaseException) -> str:
    """One line: the error's kind and the first words of its message (no body dumps)."""
    kind = type(exc).__name__
    text = " ".join(str(exc).split())
    for marker in ("<html", "<!DOCTYPE", "<!doctype"):
        if marker in text:
            text = text.split(marker)[0] + "(an HTML page)"
    return f"{kind}: {text[:240]}"


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
