"""The context of one model call, within a token budget: the sections of the upstream
documents that the step needs, then the project memories that full-text search ranks highest
for it. Sections are ranked by how many of the step's words they share (a section the step
names by title first); whole documents are never pasted in.

Tokens are estimated at four characters each: cheap enough to run before the cache is asked
(so a cached call never loads a tokenizer); the gateway counts the final prompt exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bmadgen.agents.checklists import sections
from bmadgen.store import Store

_WORD = re.compile(r"[a-z][a-z0-9]{2,}")
_STOP = frozenset(["the", "and", "for", "with", "that", "this", "from", "each", "one", "are", "its", "into", "what", "who", "why", "how", "not", "but", "all", "any"])
MEMORY_LIMIT = 4


def estimate_tokens(text: str) -> int:
    return (len(text) + 3) // 4


def words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


@dataclass(frozen=True)
class Context:
    text: str
    tokens: int
    budget: int
    whole_tokens: int  # every upstream document whole, for comparison


@dataclass(frozen=True)
class Piece:
    source: str
    title: str
    body: str


def upstream_pieces(folder: Path, requires: tuple[str, ...]) -> list[Piece]:
    pieces = []
    for relpath in requires:
        path = folder / relpath
        if not relpath.endswith(".md") or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for level, title, body in sections(text):
            if level > 1 and body.strip():
                pieces.append(Piece(relpath, title, body.strip()))
    return pieces


def whole_tokens(folder: Path, requires: tuple[str, ...]) -> int:
    total = 0
    for relpath in requires:
        path = folder / relpath
        if path.is_file():
            total += estimate_tokens(path.read_text(encoding="utf-8", errors="replace"))
    return total


def build(query: str, pieces: list[Piece], memories: list[str], budget: int,
          whole: int = 0) -> Context:
    """The best pieces and memories for `query` that fit in `budget` tokens."""
    wanted = words(query)
    ranked = sorted(
        (p for p in pieces if wanted & words(p.title + " " + p.body)),
        key=lambda p: (-(3 * len(wanted & words(p.title)) + len(wanted & words(p.body))),
                       len(p.body)))
    candidates = [f"[{p.source} / {p.title}]\n{p.body}" for p in ranked]
    candidates += [f"[memory] {m}" for m in memories]
    parts: list[str] = []
    used = 0
    for text in candidates:  # what does not fit is left out; smaller ones after it may fit
        cost = estimate_tokens(text)
        if used + cost <= budget:
            parts.append(text)
            used += cost
    return Context(text="\n\n".join(parts), tokens=used, budget=budget, whole_tokens=whole)


def memories_for(store: Store, project_id: int, query: str,
                 exclude_titles: frozenset[str] = frozenset()) -> list[str]:
    """The memories FTS ranks highest for `query` (none when the query has no words).

    Left out so that a re-run of a phase asks what its first run asked (and is answered by
    the cache): handoffs (summaries of the documents already in the context, with commit ids
    that change on every approval), memories titled in `exclude_titles` (what the phase itself
    or a later one decided), and repeats of a memory already taken (a phase approved again
    records its decisions again). Of the best matches, the earliest recorded are taken, in
    that order: memories added later do not push out what an earlier run saw.
    """
    from bmadgen import memory
    from bmadgen.errors import BmadgenError

    terms = " ".join(sorted(words(query))[:8])
    if not terms:
        return []
    try:
        page = memory.search(store, project_id, terms, limit=MEMORY_LIMIT * 4)
    except BmadgenError:
        return []
    first: dict[str, int] = {}
    for m in page.items:
        if m.kind == "handoff" or m.title in exclude_titles:
            continue
        text = f"{m.title}: {m.content}" if m.title else m.content
        first[text] = min(first.get(text, m.id), m.id)
    return sorted(first, key=first.__getitem__)[:MEMORY_LIMIT]
