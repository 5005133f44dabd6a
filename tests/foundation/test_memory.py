"""Memories: add, list, show, forget, and ranked search (bm25 x importance x recency)."""

from __future__ import annotations

import time

import pytest

from bmadgen import memory, projects, tasks
from bmadgen.errors import InvalidInput, NotFound
from bmadgen.models import MAX_MEMORY

DAY = 86400.0


def test_add_and_get_round_trip(store, project):
    task = tasks.add(store, project.id, "checkout")
    added = memory.add(store, project.id, "  Use Stripe  ", title="Payments", importance="high",
                       kind="decision", task_id=task.id, file_path="app/pay.py", lines="10-25")
    got = memory.get(store, project.id, added.id)
    assert got == added
    assert (got.content, got.line_start, got.line_end, got.kind) == ("Use Stripe", 10, 25,
                                                                     "decision")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"content": ""}, "must not be empty"),
        ({"content": "   "}, "must not be empty"),
        ({"content": "x" * (MAX_MEMORY + 1)}, "limit is 50000"),
        ({"content": "bell \x07"}, "control characters"),
        ({"content": "ok", "importance": "urgent"}, "invalid importance"),
        ({"content": "ok", "lines": "10-25"}, "--lines needs --file"),
        ({"content": "ok", "file_path": "a.py", "lines": "25-10"}, "invalid line range"),
        ({"content": "ok", "file_path": "a.py", "lines": "ten"}, "invalid line range"),
        ({"content": "ok", "title": "t" * 501}, "limit is 500"),
    ],
)
def test_add_refuses_bad_input_and_stores_nothing(store, project, kwargs, message):
    with pytest.raises(InvalidInput, match=message):
        memory.add(store, project.id, **kwargs)
    assert store.scalar("SELECT count(*) FROM memories") == 0


def test_memory_at_the_limit_is_accepted(store, project):
    assert len(memory.add(store, project.id, "x" * MAX_MEMORY).content) == MAX_MEMORY


def test_unknown_task_and_memory_ids(store, project):
    with pytest.raises(NotFound):
        memory.add(store, project.id, "x", task_id=999)
    with pytest.raises(NotFound):
        memory.get(store, project.id, 999)
    with pytest.raises(NotFound):
        memory.forget(store, project.id, 999)


def test_memories_are_scoped_to_their_project(store, project):
    other = projects.create(store, "other")
    mine = memory.add(store, project.id, "shared word sqlite")
    memory.add(store, other.id, "shared word sqlite")
    with pytest.raises(NotFound):
        memory.get(store, other.id, mine.id)
    page = memory.search(store, project.id, "sqlite")
    assert [m.id for m in page.items] == [mine.id]
    assert page.total == 1


def test_forget_removes_it_from_search(store, project):
    m = memory.add(store, project.id, "temporary zebra note")
    memory.forget(store, project.id, m.id)
    assert memory.search(store, project.id, "zebra").total == 0


def test_list_pages_newest_first(store, project):
    now = time.time()
    ids = [memory.add(store, project.id, f"note {i}", now=now + i).id for i in range(25)]
    first = memory.list_memories(store, project.id, limit=10)
    second = memory.list_memories(store, project.id, limit=10, offset=10)
    last = memory.list_memories(store, project.id, limit=10, offset=20)
    assert first.total == 25
    assert [m.id for m in first.items + second.items + last.items] == ids[::-1]
    assert memory.list_memories(store, project.id, offset=100).items == []


def test_list_filters_by_importance_and_kind(store, project):
    memory.add(store, project.id, "a", importance="critical", kind="decision")
    memory.add(store, project.id, "b", importance="low")
    assert [m.content for m in memory.list_memories(store, project.id,
                                                    importance="critical").items] == ["a"]
    assert [m.content for m in memory.list_memories(store, project.id,
                                                    kind="decision").items] == ["a"]


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (501, 0), (10, -1)])
def test_bad_paging_is_refused(store, project, limit, offset):
    with pytest.raises(InvalidInput):
        memory.list_memories(store, project.id, limit=limit, offset=offset)
    with pytest.raises(InvalidInput):
        memory.search(store, project.id, "x", limit=limit, offset=offset)


# ---------------------------------------------------------------- search


def _filler(store, project, n=20):
    """Unrelated memories, so the words under test have a meaningful idf."""
    for i in range(n):
        memory.add(store, project.id, f"unrelated filler about gardening and cooking {i}")


def test_query_words_strip_edge_punctuation():
    assert memory.query_words('"SQLite," (WAL)... c++ sqlite!') == ["sqlite", "wal", "c"]
    assert memory.query_words("...!?") == []


def test_punctuation_at_word_edges_is_ignored(store, project):
    _filler(store, project)
    m = memory.add(store, project.id, "We chose sqlite, not postgres.")
    for query in ("sqlite", "SQLite,", "(sqlite)", "'postgres'?", "sqlite; postgres!"):
        assert [x.id for x in memory.search(store, project.id, query).items] == [m.id], query


def test_fts_syntax_in_a_query_is_plain_text(store, project):
    _filler(store, project)
    m = memory.add(store, project.id, "near and or not columns title: scope")
    for query in ('NEAR(a b)', 'title: scope', 'and OR not', '"unbalanced', "col*", "^start"):
        page = memory.search(store, project.id, query)  # never an FTS5 syntax error
        assert page.total >= 0
    assert memory.search(store, project.id, "title: scope").items[0].id == m.id


def test_scope_token_is_not_searchable_as_a_word(store, project):
    _filler(store, project)
    # Every memory's scope column holds "p<id>" and "i<importance>": a query for that
    # token must not match all of them.
    assert memory.search(store, project.id, f"p{project.id}").total == 0
    assert memory.search(store, project.id, "imedium").total == 0


def test_all_words_first_then_any_word(store, project):
    _filler(store, project)
    both = memory.add(store, project.id, "docker sandbox limits")
    memory.add(store, project.id, "docker image cache")
    strict = memory.search(store, project.id, "docker sandbox")
    assert strict.matched == "all"
    assert [m.id for m in strict.items] == [both.id]
    loose = memory.search(store, project.id, "sandbox kubernetes")
    assert loose.matched == "any"
    assert [m.id for m in loose.items] == [both.id]
    assert memory.search(store, project.id, "kubernetes").total == 0


def test_empty_or_wordless_query_is_refused(store, project):
    for query in ("", "   ", "?!...", "x" * 1001):
        with pytest.raises(InvalidInput):
            memory.search(store, project.id, query)


def test_title_match_outranks_content_match(store, project):
    _filler(store, project)
    now = time.time()
    in_content = memory.add(store, project.id, "the invoice layout needs work", now=now)
    in_title = memory.add(store, project.id, "needs work", title="invoice", now=now)
    assert [m.id for m in memory.search(store, project.id, "invoice", now=now).items] == [
        in_title.id, in_content.id]


def test_importance_raises_rank(store, project):
    _filler(store, project)
    now = time.time()
    low = memory.add(store, project.id, "refund policy text", importance="low", now=now)
    critical = memory.add(store, project.id, "refund policy text", importance="critical", now=now)
    ranked = memory.search(store, project.id, "refund", now=now).items
    assert [m.id for m in ranked] == [critical.id, low.id]
    assert ranked[0].score > ranked[1].score


def test_recency_raises_rank_but_relevance_still_counts(store, project):
    _filler(store, project)
    now = time.time()
    old = memory.add(store, project.id, "webhook retry", now=now - 365 * DAY)
    new = memory.add(store, project.id, "webhook retry", now=now)
    assert [m.id for m in memory.search(store, project.id, "webhook", now=now).items] == [
        new.id, old.id]
    # An old memory that matches much better still wins over a recent weak match.
    strong_old = memory.add(store, project.id, "tls tls tls certificate tls", title="tls",
                            now=now - 200 * DAY)
    weak_new = memory.add(store, project.id, "a long note that mentions tls once among many "
                          "other words about nothing in particular at all", now=now)
    top = memory.search(store, project.id, "tls", now=now).items
    assert [m.id for m in top] == [strong_old.id, weak_new.id]


def test_importance_filter(store, project):
    _filler(store, project)
    memory.add(store, project.id, "cache layer", importance="low")
    high = memory.add(store, project.id, "cache invalidation", importance="high")
    page = memory.search(store, project.id, "cache", importance="high")
    assert [m.id for m in page.items] == [high.id]
    assert page.total == 1
    with pytest.raises(InvalidInput):
        memory.search(store, project.id, "cache", importance="urgent")


def test_search_pages_and_totals(store, project):
    _filler(store, project)
    now = time.time()
    ids = {memory.add(store, project.id, f"pagination item {i}", now=now - i).id
           for i in range(23)}
    seen = []
    for offset in (0, 10, 20):
        page = memory.search(store, project.id, "pagination", limit=10, offset=offset, now=now)
        assert page.total == 23
        seen += [m.id for m in page.items]
    assert sorted(seen) == sorted(ids)
    beyond = memory.search(store, project.id, "pagination", offset=40)
    assert beyond.items == [] and beyond.total == 23


def test_every_match_is_ranked_not_only_the_newest(store, project):
    now = time.time()
    best = memory.add(store, project.id, "ledger ledger reconciliation", title="ledger",
                      now=now - 400 * DAY)
    with store.write() as conn:  # 1,500 newer, weaker matches
        conn.executemany(
            "INSERT INTO memories (project_id, kind, title, content, importance, created_at) "
            "VALUES (?, 'note', '', ?, 'critical', ?)",
            [(project.id, f"note {i} mentions the ledger once among other words", now)
             for i in range(1500)])
    page = memory.search(store, project.id, "ledger", limit=5, now=now)
    assert page.total == 1501 and page.ranked == 1501
    assert page.items[0].id == best.id


def test_word_forms_match(store, project):
    _filler(store, project)
    m = memory.add(store, project.id, "Packing slips print the order number")
    for query in ("what is printed on the packing slip?", "printing slips", "prints"):
        assert [x.id for x in memory.search(store, project.id, query).items][:1] == [m.id], query


def test_importance_cannot_bury_a_much_better_match(store, project):
    _filler(store, project)
    now = time.time()
    better = memory.add(store, project.id, "refunds are processed within five days",
                        title="refund processing", importance="low", now=now - 300 * DAY)
    memory.add(store, project.id, "the refund button on the admin page is blue",
               importance="critical", now=now)
    top = memory.search(store, project.id, "how are refunds processed?", now=now).items
    assert top[0].id == better.id


def test_memories_holding_more_of_the_question_rank_first(store, project):
    _filler(store, project)
    now = time.time()
    two = memory.add(store, project.id, "the invoice bucket is stored on s3", now=now - DAY)
    for _ in range(3):
        memory.add(store, project.id, "invoice invoice invoice", title="invoice", now=now)
    page = memory.search(store, project.id, "where are invoices stored in the archive?", now=now)
    assert page.matched == "any" and page.matched_words == 2
    assert page.items[0].id == two.id


def test_edits_to_importance_reindex(store, project):
    _filler(store, project)
    m = memory.add(store, project.id, "reindex me", importance="low")
    with store.write() as conn:
        conn.execute("UPDATE memories SET importance = 'critical' WHERE id = ?", (m.id,))
    assert memory.search(store, project.id, "reindex", importance="critical").total == 1
    assert memory.search(store, project.id, "reindex", importance="low").total == 0


def test_diacritics_are_folded(store, project):
    _filler(store, project)
    m = memory.add(store, project.id, "café crème")
    assert [x.id for x in memory.search(store, project.id, "cafe creme").items] == [m.id]
