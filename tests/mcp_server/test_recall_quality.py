"""Recall finds the right memory: a generated question set (benchmarks/recall_set.py) of
project memories with planted facts and natural questions whose answer is exactly one
memory, at 3,000 memories, through `recall_context` and `bmadgen memory search` alike."""

from __future__ import annotations

import sys
import time

import pytest

from tests.mcp_server.helpers import REPO, call

sys.path.insert(0, str(REPO / "benchmarks"))
import recall_set

pytestmark = pytest.mark.anyio
SIZE = 3000
DAY = 86400.0


def _load(size: int) -> tuple[recall_set.RecallSet, list[int]]:
    from bmadgen.services import memory, projects
    from bmadgen.services.session import open_session

    data = recall_set.build(size, seed=3)
    now = time.time()
    with open_session() as session:
        projects.create(session, "recall")
        ids = []
        with session.store.write():
            for item in data.memories:
                ids.append(memory.add(session, item.content, title=item.title,
                                      importance=item.importance).id)
            session.store.conn.executemany(
                "UPDATE memories SET created_at = ? WHERE id = ?",
                [(now - item.age_days * DAY, mid) for item, mid in zip(data.memories, ids,
                                                                         strict=True)])
    return data, ids


async def test_recall_context_ranks_the_answer_first(client):
    data, ids = _load(SIZE)
    hits = 0
    for question in data.questions:
        found = await call(client, "recall_context", query=question.text, limit=3)
        hits += found["items"][0]["id"] == ids[question.answer]
    assert hits / len(data.questions) >= 0.95, hits


def test_memory_search_ranks_the_answer_first(bmadgen_home, capsys):
    import json

    from bmadgen.cli.app import main

    data, ids = _load(SIZE)
    hits = 0
    for question in data.questions:
        capsys.readouterr()
        try:
            main(["memory", "search", question.text, "--limit", "1", "--json"])
        except SystemExit as exc:
            assert not exc.code, capsys.readouterr().err
        found = json.loads(capsys.readouterr().out)
        hits += found["items"][0]["id"] == ids[question.answer]
    assert hits / len(data.questions) >= 0.95, hits
