"""Project memories: notes, decisions and handoffs, searched with FTS5 ranked by bm25.

A search blends three things: bm25 relevance, the memory's importance, and how recent it is.
Query words lose punctuation at their edges ("sqlite," finds "sqlite"); all words must match,
and when that finds nothing the words are tried again with OR so a natural question still
answers.

This module is on the hot path of every `bmadgen memory` command and of the MCP server, so it
uses the standard library's sqlite3 through `Store`, not sqlite-utils (whose import alone costs
~230 ms); results are built straight from rows, one pydantic model per returned memory.
"""

from __future__ import annotations

import re
import time

from bmadgen.errors import InvalidInput, NotFound
from bmadgen.models import IMPORTANCE_LEVELS, MAX_MEMORY, MAX_TITLE, Memory, Page, SearchPage
from bmadgen.store import Store
from bmadgen.validation import (
    MAX_INT,
    MAX_PAGE,
    choice,
    clean_line,
    clean_text,
    int_in_range,
    page_bounds,
)

IMPORTANCE_WEIGHT = {"critical": 2.0, "high": 1.5, "medium": 1.0, "low": 0.75}
RECENCY_HALF_DAYS = 30.0
MAX_LIMIT = MAX_PAGE
MAX_QUERY = 1000
SEARCH_CANDIDATES = 1000  # matches ranked per search, newest first; see _RANKED_SQL
MAX_QUERY_WORDS = 32  # a pasted paragraph must not become a 300-term OR query
_WORD = re.compile(r"\w+", re.UNICODE)
_MEMORY_KEYS = ("id", "project_id", "kind", "title", "content", "importance", "task_id",
                "file_path", "line_start", "line_end", "created_at")
_COLUMNS = ", ".join(_MEMORY_KEYS)


def parse_lines(spec: str | None) -> tuple[int | None, int | None]:
    """'12-40' -> (12, 40); '7' -> (7, 7); None -> (None, None)."""
    if not spec:
        return None, None
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", spec)
    if not match:
        raise InvalidInput(f"invalid line range {spec!r}; use A-B, e.g. 10-25")
    digits = len(str(MAX_INT))
    if any(len(group or "") > digits for group in match.groups()):
        raise InvalidInput(f"invalid line range {spec[:40]!r}; line numbers that long do not exist")
    start = int_in_range(int(match.group(1)), "the first line", low=1)
    end = int_in_range(int(match.group(2) or start), "the last line", low=1)
    if end < start:
        raise InvalidInput(f"invalid line range {spec!r}; lines start at 1 and A <= B")
    return start, end


def add(
    store: Store,
    project_id: int,
    content: str,
    *,
    title: str = "",
    importance: str = "medium",
    kind: str = "note",
    task_id: int | None = None,
    file_path: str | None = None,
    lines: str | None = None,
    now: float | None = None,
) -> Memory:
    content = clean_text(content, "memory text", max_len=MAX_MEMORY)
    title = clean_line(title, "title", max_len=MAX_TITLE, required=False)
    importance = choice(importance, "importance", IMPORTANCE_LEVELS)
    kind = clean_line(kind, "memory kind", max_len=32)
    line_start, line_end = parse_lines(lines)
    if lines and not file_path:
        raise InvalidInput("--lines needs --file")
    if file_path is not None:
        file_path = clean_line(file_path, "file path", max_len=4096)
    created = time.time() if now is None else now
    with store.write() as conn:
        if task_id is not None and not conn.execute(
            "SELECT 1 FROM tasks WHERE id = ? AND project_id = ?", (task_id, project_id)
        ).fetchone():
            raise NotFound(f"no task {task_id} in this project")
        cur = conn.execute(
            "INSERT INTO memories (project_id, kind, title, content, importance, task_id, "
            "file_path, line_start, line_end, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (project_id, kind, title, content, importance, task_id, file_path, line_start,
             line_end, created),
        )
        memory_id = int(cur.lastrowid or 0)
    return Memory(
        id=memory_id, project_id=project_id, kind=kind, title=title, content=content,
        importance=importance,  # type: ignore[arg-type]  # checked by choice() above
        task_id=task_id, file_path=file_path, line_start=line_start, line_end=line_end,
        created_at=created,
    )


def get(store: Store, project_id: int, memory_id: int) -> Memory:
    row = store.query_one(
        f"SELECT {_COLUMNS} FROM memories WHERE id = ? AND project_id = ?", (memory_id, project_id)
    )
    if row is None:
        raise NotFound(f"no memory {memory_id} in this project")
    return Memory(**dict(row))


def forget(store: Store, project_id: int, memory_id: int) -> Memory:
    memory = get(store, project_id, memory_id)
    with store.write() as conn:
        conn.execute("DELETE FROM memories WHERE id = ?", (memory_id,))
    return memory


def list_memories(
    store: Store,
    project_id: int,
    *,
    importance: str | None = None,
    kind: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> Page[Memory]:
    page_bounds(limit, offset)
    where = ["project_id = ?"]
    params: list[object] = [project_id]
    if importance:
        where.append("importance = ?")
        params.append(choice(importance, "importance", IMPORTANCE_LEVELS))
    if kind:
        where.append("kind = ?")
        params.append(kind)
    clause = " AND ".join(where)
    total = store.scalar(f"SELECT count(*) FROM memories WHERE {clause}", tuple(params))
    rows = store.query(
        f"SELECT {_COLUMNS} FROM memories WHERE {clause} ORDER BY created_at DESC, id DESC "
        "LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return Page[Memory](items=[Memory(**dict(r)) for r in rows], total=total, limit=limit, offset=offset)


def query_words(query: str) -> list[str]:
    """The words of a query with punctuation at their edges removed, lowercased, deduplicated."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(query.lower()):
        word = word.strip("_")
        if word:
            seen.setdefault(word, None)
    return list(seen)


def fts_expression(project_id: int, words: list[str], *, any_word: bool,
                   importance: str | None = None) -> str:
    """The FTS5 query: the project's scope token AND the words, searched in title and content.

    Each word is quoted, so FTS5 operators (AND, NEAR, *, :) in user text are plain words; the
    column filter keeps a word such as "p3" from matching the scope column of every memory.
    The scope column also holds the importance (`icritical` ...), so that filter is applied
    inside the index too.
    """
    terms = [f'"{w}"' for w in words]
    body = (" OR " if any_word else " AND ").join(terms)
    scope = f'scope:"p{project_id}"'
    if importance:
        scope += f' AND scope:"i{importance}"'
    return f"{scope} AND {{title content}} : ({body})"


def search(
    store: Store,
    project_id: int,
    query: str,
    *,
    importance: str | None = None,
    limit: int = 10,
    offset: int = 0,
    now: float | None = None,
) -> SearchPage:
    """Ranked search: bm25 x importance weight x recency boost, AND first then OR."""
    page_bounds(limit, offset)
    query = clean_text(query, "search query", max_len=MAX_QUERY)
    words = query_words(query)[:MAX_QUERY_WORDS]
    if not words:
        raise InvalidInput(f"the query {query!r} has no words to search for")
    if importance:
        importance = choice(importance, "importance", IMPORTANCE_LEVELS)
    now = time.time() if now is None else now
    page = SearchPage(items=[], total=0, limit=limit, offset=offset, query=query, words=words,
                      matched="all")
    for matched in ("all", "any"):
        if matched == "any" and len(words) == 1:
            break
        expression = fts_expression(project_id, words, any_word=matched == "any",
                                    importance=importance)
        page.items, page.total, page.ranked = _ranked(store, project_id, expression, limit,
                                                      offset, now)
        page.matched = matched
        if page.total:
            break
    return page


# bm25() is negative (more negative = better), so its negation times a bigger weight ranks
# higher. Recency multiplies by 1 + 1/(1 + age/RECENCY_HALF_DAYS): x2 today, x1.5 after
# RECENCY_HALF_DAYS, tending to x1, so an old but relevant memory is never buried.
#
# Cost: bm25 and the join run once per candidate (~3-7 us each), so a word found in most of a
# project's memories would take tens of ms. Only the newest SEARCH_CANDIDATES matches are
# ranked (FTS5 walks its index in rowid order, newest first, and stops); below that number the
# ranking is exact. The join reads the covering index memories_rank, not the large rows; only
# the final page is read in full. Figures: docs/perf/store.md.
_IMPORTANCE_CASE = " ".join(f"WHEN '{k}' THEN {v}" for k, v in IMPORTANCE_WEIGHT.items())
_RANKED_SQL = f"""
    WITH hits AS (
        SELECT rowid, bm25(memories_fts, 2.0, 1.0, 0.0) AS relevance
        FROM memories_fts WHERE memories_fts MATCH :expr
        ORDER BY rowid DESC LIMIT :candidates
    ), ranked AS (
        SELECT m.id,
               -hits.relevance
               * (CASE m.importance {_IMPORTANCE_CASE} ELSE 1.0 END)
               * (1.0 + 1.0 / (1.0 + max(:now - m.created_at, 0) / 86400.0 / {RECENCY_HALF_DAYS}))
               AS score,
               count(*) OVER () AS ranked
        FROM hits JOIN memories m INDEXED BY memories_rank ON m.id = hits.rowid
        WHERE m.project_id = :project
        ORDER BY score DESC, m.id DESC
        LIMIT :limit OFFSET :offset
    )
    SELECT {", ".join("m." + key for key in _MEMORY_KEYS)}, ranked.score, ranked.ranked
    FROM ranked JOIN memories m ON m.id = ranked.id
    ORDER BY ranked.score DESC, m.id DESC
"""
_COUNT_SQL = "SELECT count(*) FROM memories_fts WHERE memories_fts MATCH :expr"


def _ranked(store: Store, project_id: int, expression: str, limit: int, offset: int,
            now: float) -> tuple[list[Memory], int, int]:
    """One page of ranked matches, the number of matches and how many of them were ranked."""
    params = {"expr": expression, "project": project_id, "now": now, "limit": limit,
              "offset": offset, "candidates": SEARCH_CANDIDATES}
    rows = store.query(_RANKED_SQL, params)
    ranked = rows[0]["ranked"] if rows else None
    if ranked is None or ranked >= SEARCH_CANDIDATES:
        # Past the last page, or more matches than were ranked: count them all (cheap: the
        # index alone answers, no bm25 and no join).
        total = int(store.scalar(_COUNT_SQL, params))
        ranked = min(total, SEARCH_CANDIDATES)
    else:
        total = ranked
    items = [Memory(**{key: row[key] for key in _MEMORY_KEYS}, score=row["score"]) for row in rows]
    return items, total, ranked
