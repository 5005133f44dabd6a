"""Answers that fit a model's context: every list, search and long text is cut to about
MAX_TOKENS, with a visible marker saying what was left out and the offset to continue from.

Pure functions over JSON-ready data; the server turns service results into that data.
"""

from __future__ import annotations

import json
from typing import Any

from bmadgen.models import jsonable as as_data

MAX_TOKENS = 4000
CHARS_PER_TOKEN = 4  # the usual estimate for English text and JSON
MAX_CHARS = MAX_TOKENS * CHARS_PER_TOKEN


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False))


def _clip_strings(item: dict[str, Any], budget: int) -> dict[str, Any]:
    """An item too big to show whole: its longest text cut so the item fits `budget`."""
    clipped = dict(item)
    key = max((k for k, v in clipped.items() if isinstance(v, str)),
              key=lambda k: len(clipped[k]), default=None)
    if key is None:
        return clipped
    over = _size(clipped) - budget
    text = clipped[key]
    keep = max(len(text) - over - 100, 200)
    clipped[key] = text[:keep] + f" [... {len(text) - keep} more characters not shown]"
    clipped["truncated"] = True
    return clipped


def page(items: list[Any], *, total: int, offset: int, limit: int,
         max_chars: int = MAX_CHARS, **extra: Any) -> dict[str, Any]:
    """One page of `items` (already limited by the service), cut to `max_chars` of JSON, with
    `next_offset` and a `more` marker whenever something was left out."""
    rows = as_data(items)
    kept: list[Any] = []
    used = _size(as_data(extra)) + 200
    for row in rows:
        size = _size(row)
        if used + size > max_chars:
            if not kept:  # one item bigger than the budget: show it cut, never nothing
                kept.append(_clip_strings(row, max_chars - used) if isinstance(row, dict)
                            else row)
            break
        kept.append(row)
        used += size
    shown_to = offset + len(kept)
    out: dict[str, Any] = {**as_data(extra), "items": kept, "total": total, "offset": offset,
                           "limit": limit, "next_offset": shown_to if shown_to < total else None}
    if shown_to < total:
        why = (f"cut to about {max_chars // CHARS_PER_TOKEN} tokens" if len(kept) < len(rows)
               else f"limit {limit}")
        out["more"] = (f"[truncated: items {offset + 1}-{shown_to} of {total} shown ({why}); "
                       f"call again with offset={shown_to} for more]")
    return out


def text_page(text: str, *, offset: int = 0, max_chars: int = MAX_CHARS,
              **extra: Any) -> dict[str, Any]:
    """A long text from character `offset`, cut to `max_chars`, with the offset of the rest."""
    chunk = text[offset: offset + max_chars]
    end = offset + len(chunk)
    out: dict[str, Any] = {**as_data(extra), "text": chunk, "offset": offset,
                           "length": len(text), "next_offset": end if end < len(text) else None}
    if end < len(text):
        out["more"] = (f"[truncated: characters {offset}-{end} of {len(text)} shown; call again "
                       f"with offset={end} for the rest]")
    return out
