"""Project memories: notes, decisions and handoffs, searched with FTS5 ranked by bm25.

A search ranks every match inside SQLite by bm25 relevance, with the memory's importance and
how recent it is as tie-breakers that cannot lift a weak match over a much better one. Query
words lose punctuation at their edges ("sqlite," finds "sqlite") and the words of a question
that carry no meaning ("how", "do", "the"); the index stems words (porter), so "printed" finds
"print". Memories holding all the words come first; when none does, those holding all but
one, and so on down to any word, so a natural question still answers and the memory that
answers more of it wins.

This module is on the hot path of every `bmadgen memory` command and of the MCP server, so it
uses the standard library's sqlite3 through `Store`, not sqlite-utils (whose import alone costs
~230 ms); results are built straight from rows, one pydantic model per returned memory.
"""

from __future__ import annotations

import itertools
import math
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

# Tie-breakers (see _RANKED_SQL): importance from 0 (low) to 1 (critical), recency from 1
# (today) to 1/2 after RECENCY_HALF_DAYS; together they move a score by at most TIE_BREAK_MAX.
IMPORTANCE_RANK = {"critical": 1.0, "high": 0.67, "medium": 0.33, "low": 0.0}
RECENCY_HALF_DAYS = 30.0
TIE_BREAK_MAX = 0.1
MAX_LIMIT = MAX_PAGE
MAX_QUERY = 1000
MAX_QUERY_WORDS = 32  # a pasted paragraph must not become a 300-term OR query
MAX_WORD_GROUPS = 20  # "all but k words" is tried while it means at most this many groups
# Matches whose words stand together ("browser support", "errors are collected") rank as if
# PROXIMITY_BOOST times as relevant as the same words scattered over a note.
PROXIMITY = 2
PROXIMITY_BOOST = 1.3
# Words of a question that say nothing about what is asked. They are dropped from a query
# that has other words: "how fast do refunds get processed" searches "fast refunds processed".
STOP_WORDS = frozenset("""
a about after all also am an and any are as at be been before being but by can could did do
does doing done for from get gets got had has have having he her here hers him his how i if in
into is it its just me my no nor not of on or our ours out over she should so some such than
that the their them then there these they this those to too under until up us very was we were
what when where which while who whom why will with would you your yours
""".split())  # noqa: SIM905 - a block of words reads better than a list
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


def of_task(store: Store, project_id: int, task_id: int, *, limit: int = 20) -> list[Memory]:
    """The memories linked to a task, newest first."""
    rows = store.query(
        f"SELECT {_COLUMNS} FROM memories WHERE project_id = ? AND task_id = ? "
        "ORDER BY created_at DESC, id DESC LIMIT ?", (project_id, task_id, limit))
    return [Memory(**dict(row)) for row in rows]


def query_words(query: str) -> list[str]:
    """The words of a query with punctuation at their edges removed, lowercased, deduplicated."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(query.lower()):
        word = word.strip("_")
        if word:
            seen.setdefault(word, None)
    return list(seen)


def fts_expression(words: list[str], *, need: int | None = None, near: bool = False,
                   project_id: int | None = None) -> str:
    """The FTS5 query for memories holding at least `need` of the words (all of them by
    default) in their title or content; with `near`, only where those words stand within
    PROXIMITY words of each other; with `project_id`, only that project's (its scope token).

    Each word is quoted, so FTS5 operators (AND, NEAR, *, :) in user text are plain words; the
    column filter keeps a word such as "p3" from matching the scope column of every memory.
    """
    terms = [f'"{w}"' for w in words]
    need = len(terms) if need is None else max(1, min(need, len(terms)))
    groups = [" ".join(group) for group in itertools.combinations(terms, need)]
    if near:
        body = " OR ".join(f"NEAR({group}, {PROXIMITY})" for group in groups)
    else:
        body = " OR ".join("(" + group.replace(" ", " AND ") + ")" for group in groups)
    scope = f'scope:"p{project_id}" AND ' if project_id is not None else ""
    return f"{scope}{{title content}} : ({body})"


# Whether a search names the project inside the FTS query, per (store, project), for a while.
# The answer is the same either way (the join keeps the project's rows, and the scope column
# weighs nothing in bm25); only the cost differs. The scope token cuts other projects' matches
# before bm25 ranks them, but bm25 then reads the token's whole list (one entry per memory of
# the project: ~8 ms at 100,000). So it pays only where the project is a small part of the
# store.
SCOPE_SHARE = 0.5
SCOPE_CHECK_SECONDS = 300.0
_scope_checked: dict[tuple[str, int], tuple[float, bool]] = {}


def _scope_pays(store: Store, project_id: int) -> bool:
    key = (str(store.path), project_id)
    now = time.monotonic()
    checked = _scope_checked.get(key)
    if checked is None or checked[0] < now:
        mine = store.scalar("SELECT count(*) FROM memories WHERE project_id = ?", (project_id,))
        everyone = store.scalar("SELECT count(*) FROM memories")
        checked = (now + SCOPE_CHECK_SECONDS, mine < SCOPE_SHARE * everyone)
        _scope_checked[key] = checked
    return checked[1]


def _tiers(count: int) -> list[int]:
    """How many of `count` words a match must hold, tried in turn: all, then one fewer ...
    (while the groups of words to try stay few), then any."""
    tiers = [count]
    for need in range(count - 1, 1, -1):
        if math.comb(count, need) > MAX_WORD_GROUPS:
            break
        tiers.append(need)
    if count > 1:
        tiers.append(1)
    return tiers


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
    """Ranked search: memories holding all the words first; when none does, those holding all
    but one, and so on down to any word. Within that, bm25, with importance and recency as
    tie-breakers."""
    page_bounds(limit, offset)
    query = clean_text(query, "search query", max_len=MAX_QUERY)
    words = query_words(query)[:MAX_QUERY_WORDS]
    if not words:
        raise InvalidInput(f"the query {query!r} has no words to search for")
    words = [w for w in words if w not in STOP_WORDS] or words
    if importance:
        importance = choice(importance, "importance", IMPORTANCE_LEVELS)
    now = time.time() if now is None else now
    page = SearchPage(items=[], total=0, limit=limit, offset=offset, query=query, words=words,
                      matched="all", matched_words=len(words))
    scope = project_id if _scope_pays(store, project_id) else None
    for need in _tiers(len(words)):
        expression = fts_expression(words, need=need, project_id=scope)
        close = fts_expression(words, need=need, near=True) if need > 1 else _NOTHING
        page.items, page.total = _ranked(store, project_id, importance, expression, close,
                                         limit, offset, now)
        page.ranked = page.total
        page.matched = "all" if need == len(words) else "any"
        page.matched_words = need
        if page.total:
            break
    return page


# Every match is ranked inside SQLite: bm25 (negative, more negative = better) is negated and
# multiplied by a tie-breaker of at most TIE_BREAK_MAX (+10%): importance adds up to half of it
# and recency (1 / (1 + age / RECENCY_HALF_DAYS)) the other half. So importance and recency
# order memories that match about equally well, and can never lift a match past one whose
# text fits more than 10% better. SQLite keeps only the LIMIT best rows while sorting.
#
# Cost: bm25 runs once per match (~3-7 us), so `search` drops the words of a question that
# carry no meaning (a natural question's "how", "do" and "get" would make every memory a
# match), and asks for all the words before fewer of them. Figures: docs/performance.md.
_IMPORTANCE_CASE = " ".join(f"WHEN '{k}' THEN {v}" for k, v in IMPORTANCE_RANK.items())
_RANKED_SQL = f"""
    WITH hits AS MATERIALIZED (
        SELECT rowid, bm25(memories_fts, 2.0, 1.0, 0.0) AS relevance
        FROM memories_fts WHERE memories_fts MATCH :expr
    ), close AS MATERIALIZED (
        SELECT rowid FROM memories_fts WHERE memories_fts MATCH :close
    ), ranked AS (
        SELECT m.id,
               -hits.relevance
               * (CASE WHEN hits.rowid IN close THEN {PROXIMITY_BOOST} ELSE 1.0 END)
               * (1.0 + {TIE_BREAK_MAX / 2} * (CASE m.importance {_IMPORTANCE_CASE} ELSE 0.5 END)
                      + {TIE_BREAK_MAX / 2}
                        / (1.0 + max(:now - m.created_at, 0) / 86400.0 / {RECENCY_HALF_DAYS}))
               AS score,
               count(*) OVER () AS total
        FROM hits JOIN memories m INDEXED BY memories_rank ON m.id = hits.rowid
        WHERE m.project_id = :project AND (:importance IS NULL OR m.importance = :importance)
        ORDER BY score DESC, m.id DESC
        LIMIT :limit OFFSET :offset
    )
    SELECT {", ".join("m." + key for key in _MEMORY_KEYS)}, ranked.score, ranked.total
    FROM ranked JOIN memories m ON m.id = ranked.id
    ORDER BY ranked.score DESC, m.id DESC
"""
_COUNT_SQL = """
    SELECT count(*) FROM memories_fts JOIN memories m INDEXED BY memories_rank
    ON m.id = memories_fts.rowid
    WHERE memories_fts MATCH :expr AND m.project_id = :project
    AND (:importance IS NULL OR m.importance = :importance)
"""


_NOTHING = 'scope:"nothing"'  # a query that matches no memory: no proximity to reward


def _ranked(store: Store, project_id: int, importance: str | None, expression: str,
            close: str, limit: int, offset: int, now: float) -> tuple[list[Memory], int]:
    """One page of ranked matches (those matching `close` boosted) and the number of
    matches."""
    params = {"expr": expression, "close": close, "project": project_id,
              "importance": importance, "now": now, "limit": limit, "offset": offset}
    rows = store.query(_RANKED_SQL, params)
    if rows:
        total = int(rows[0]["total"])
    elif offset:  # past the last page: count them (the index alone answers, no bm25)
        total = int(store.scalar(_COUNT_SQL, params))
    else:
        total = 0
    items = [Memory(**{key: row[key] for key in _MEMORY_KEYS}, score=row["score"]) for row in rows]
    return items, total
