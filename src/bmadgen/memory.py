"""Project memories: notes, decisions and handoffs, searched with FTS5 ranked by bm25.

A search blends three things: bm25 relevance, the memory's importance, and how recent it is.
Query words lose punctuation at their edges ("sqlite," finds "sqlite"); all words must match,
and when that finds nothing the words are tried again with OR so a natural question still
answers.
"""

from __future__ import annotations

import re
import time

from bmadgen.errors import InvalidInput, NotFound
from bmadgen.models import IMPORTANCE_LEVELS, MAX_MEMORY, MAX_TITLE, Memory, Page
from bmadgen.store import Store
from bmadgen.validation import choice, clean_text

IMPORTANCE_WEIGHT = {"critical": 2.0, "high": 1.5, "medium": 1.0, "low": 0.75}
RECENCY_HALF_DAYS = 30.0
MAX_LIMIT = 500
_WORD = re.compile(r"\w+", re.UNICODE)
_COLUMNS = "id, project_id, kind, title, content, importance, task_id, file_path, line_start, line_end, created_at"


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    if offset < 0:
        raise InvalidInput(f"offset must not be negative, got {offset}")


def parse_lines(spec: str | None) -> tuple[int | None, int | None]:
    """'12-40' -> (12, 40); '7' -> (7, 7); None -> (None, None)."""
    if not spec:
        return None, None
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", spec)
    if not match:
        raise InvalidInput(f"invalid line range {spec!r}; use A-B, e.g. 10-25")
    start = int(match.group(1))
    end = int(match.group(2) or start)
    if start < 1 or end < start:
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
    title = clean_text(title, "title", max_len=MAX_TITLE, required=False)
    importance = choice(importance, "importance", IMPORTANCE_LEVELS)
    kind = clean_text(kind, "memory kind", max_len=32)
    line_start, line_end = parse_lines(lines)
    if lines and not file_path:
        raise InvalidInput("--lines needs --file")
    if file_path is not None:
        file_path = clean_text(file_path, "file path", max_len=4096)
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
        importance=importance, task_id=task_id, file_path=file_path, line_start=line_start,
        line_end=line_end, created_at=created,  # type: ignore[arg-type]
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
    _check_page(limit, offset)
    where = ["project_id = ?"]
    params: list[object] = [project_id]
    if importance:
        where.append("importance = ?")
        params.append(choice(importance, "importance", IMPORTANCE_LEVELS))
    if kind:
        where.append("kind = ?")
        params.append(kind)
    clause = " AND ".join(where)
    total = store.query_one(f"SELECT count(*) FROM memories WHERE {clause}", tuple(params))[0]
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


def fts_expression(project_id: int, words: list[str], *, any_word: bool) -> str:
    # Each word is quoted, so FTS5 operators (AND, NEAR, *, :) in user text are plain words.
    terms = [f'"{w}"' for w in words]
    body = (" OR " if any_word else " AND ").join(terms)
    return f'scope:"p{project_id}" AND ({body})'


def search(
    store: Store,
    project_id: int,
    query: str,
    *,
    importance: str | None = None,
    limit: int = 10,
    offset: int = 0,
    now: float | None = None,
) -> Page[Memory]:
    """Ranked search: bm25 x importance weight x recency boost, AND first then OR."""
    _check_page(limit, offset)
    query = clean_text(query, "search query", max_len=1000)
    words = query_words(query)
    if not words:
        raise InvalidInput(f"the query {query!r} has no words to search for")
    if importance:
        choice(importance, "importance", IMPORTANCE_LEVELS)
    now = time.time() if now is None else now
    for any_word in (False, True):
        page = _ranked(store, project_id, fts_expression(project_id, words, any_word=any_word),
                       importance, limit, offset, now)
        if page.total or any_word or len(words) == 1:
            return page
    return page


def _ranked(store: Store, project_id: int, expression: str, importance: str | None,
            limit: int, offset: int, now: float) -> Page[Memory]:
    filters = "m.project_id = :project"
    if importance:
        filters += " AND m.importance = :importance"
    # bm25() is negative (more negative = better), so multiplying by a bigger weight ranks higher.
    weight = " ".join(f"WHEN '{k}' THEN {v}" for k, v in IMPORTANCE_WEIGHT.items())
    sql = f"""
        WITH hits AS (
            SELECT rowid, bm25(memories_fts, 2.0, 1.0, 0.0) AS relevance
            FROM memories_fts WHERE memories_fts MATCH :expr
        )
        SELECT m.*, -hits.relevance
               * (CASE m.importance {weight} ELSE 1.0 END)
               * (1.0 + 1.0 / (1.0 + max(:now - m.created_at, 0) / 86400.0 / {RECENCY_HALF_DAYS}))
               AS score,
               count(*) OVER () AS total
        FROM hits JOIN memories m ON m.id = hits.rowid
        WHERE {filters}
        ORDER BY score DESC, m.id DESC
        LIMIT :limit OFFSET :offset
    """
    params = {"expr": expression, "project": project_id, "importance": importance,
              "now": now, "limit": limit, "offset": offset}
    rows = store.query(sql, params)
    if rows:
        total = rows[0]["total"]
    elif offset:
        count_sql = ("SELECT count(*) FROM memories_fts JOIN memories m ON m.id = memories_fts.rowid "
                     f"WHERE memories_fts MATCH :expr AND {filters}")
        total = store.query_one(count_sql, params)[0]
    else:
        total = 0
    items = []
    for row in rows:
        data = dict(row)
        data.pop("total", None)
        items.append(Memory(**data))
    return Page[Memory](items=items, total=total, limit=limit, offset=offset)
