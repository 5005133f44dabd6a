"""What the gateway keeps in the store: one accounting row per call, the spend the hard cap
reads, and the response cache keyed by the full request."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from bmadgen.store import Store

OUTCOMES = ("ok", "fallback", "refused", "invalid", "error")


@dataclass
class CallRecord:
    project_id: int | None
    phase: str
    agent: str
    purpose: str
    model: str
    outcome: str
    model_used: str = ""
    prompt_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    estimate_usd: float = 0.0
    priced_by: str = "known"
    latency_ms: float = 0.0
    cache_hit: bool = False
    context_budget: int = 0
    context_tokens: int = 0
    detail: str = ""
    created_at: float = field(default_factory=time.time)


def record(store: Store | None, call: CallRecord) -> int | None:
    """Insert the row; its id (None without a store)."""
    if store is None:
        return None
    values = dict(vars(call))
    values["cache_hit"] = int(call.cache_hit)
    values["detail"] = call.detail[:500]
    columns = ", ".join(values)
    marks = ", ".join(f":{k}" for k in values)
    with store.write() as conn:
        cursor = conn.execute(f"INSERT INTO llm_calls ({columns}) VALUES ({marks})", values)
    return cursor.lastrowid


def claim(store: Store, row_ids: list[int], project_id: int) -> None:
    """Rows recorded before their project existed (drafting `new --idea`) become its rows."""
    if not row_ids:
        return
    marks = ", ".join("?" for _ in row_ids)
    with store.write() as conn:
        conn.execute(f"UPDATE llm_calls SET project_id = ? WHERE project_id IS NULL "
                     f"AND id IN ({marks})", (project_id, *row_ids))


def spent(store: Store | None, project_id: int | None) -> float:
    if store is None or project_id is None:
        return 0.0
    return float(store.scalar("SELECT coalesce(sum(cost_usd), 0) FROM llm_calls "
                              "WHERE project_id = ?", (project_id,)) or 0.0)


def cache_key(request: dict[str, Any]) -> str:
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Cached:
    model: str
    content: str
    prompt_tokens: int
    output_tokens: int


def cache_get(store: Store | None, key: str) -> Cached | None:
    if store is None:
        return None
    row = store.query_one("SELECT model, content, prompt_tokens, output_tokens FROM llm_cache "
                          "WHERE key = ?", (key,))
    if row is None:
        return None
    with store.write() as conn:
        conn.execute("UPDATE llm_cache SET hits = hits + 1 WHERE key = ?", (key,))
    return Cached(row["model"], row["content"], row["prompt_tokens"], row["output_tokens"])


def cache_put(store: Store | None, key: str, cached: Cached) -> None:
    if store is None:
        return
    with store.write() as conn:
        conn.execute("INSERT OR REPLACE INTO llm_cache (key, model, content, prompt_tokens, "
                     "output_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                     (key, cached.model, cached.content, cached.prompt_tokens,
                      cached.output_tokens, time.time()))
