"""The store: migrations, refusing bad files untouched, concurrent writers, a killed writer."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bmadgen import memory, projects, tasks
from bmadgen.errors import StoreError
from bmadgen.store import default_db_path, open_store
from bmadgen.store.migrations import MIGRATIONS, schema_version

from .foundation_helpers import assert_one_line_error, file_digest


def _populated_store() -> Path:
    with open_store() as store:
        project = projects.create(store, "keep")
        for i in range(300):  # enough rows for several pages, so truncation cuts real data
            memory.add(store, project.id, f"memory number {i} " + "filler text " * 20)
        tasks.add(store, project.id, "a task")
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return default_db_path()


def test_new_store_applies_every_migration_once(store):
    assert schema_version(store.conn) == len(MIGRATIONS)
    assert store.scalar("PRAGMA journal_mode") == "wal"
    assert store.scalar("PRAGMA foreign_keys") == 1
    store.close()
    with open_store() as again:  # reopening applies nothing twice
        names = [r[0] for r in again.query("SELECT name FROM _migrations")]
        assert names == [m.__name__ for m in MIGRATIONS]


def test_write_rolls_back_on_error(store, project):
    with pytest.raises(RuntimeError), store.write() as conn:
        conn.execute("INSERT INTO memories (project_id, content, created_at) VALUES (?, 'x', 0)",
                     (project.id,))
        raise RuntimeError("boom")
    assert store.scalar("SELECT count(*) FROM memories") == 0
    assert not store.conn.in_transaction


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncated", "corrupt_pages", "newer_schema", "foreign_sqlite", "short_header"],
)
def test_bad_store_file_is_refused_with_exit_6_and_left_untouched(cli, damage):
    db = _populated_store()
    data = db.read_bytes()
    if damage == "garbage":
        db.write_bytes(os.urandom(64 * 1024))
    elif damage == "truncated":
        db.write_bytes(data[: len(data) // 3])
    elif damage == "corrupt_pages":  # keep the header and schema page, wreck everything after
        db.write_bytes(data[:4096] + b"\xde\xad\xbe\xef" * ((len(data) - 4096) // 4))
    elif damage == "newer_schema":
        with sqlite3.connect(db) as conn:
            conn.execute("INSERT INTO _migrations VALUES ('m999_from_the_future', 0)")
        conn.close()
    elif damage == "foreign_sqlite":
        db.unlink()
        with sqlite3.connect(db) as conn:
            conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
            conn.execute("INSERT INTO invoices VALUES (1, 9.5)")
        conn.close()
    elif damage == "short_header":
        db.write_bytes(b"SQLite format 3\x00" + b"\x00" * 20)
    before = file_digest(db)

    for argv in (["memory", "list"], ["memory", "add", "new text"], ["task", "list"],
                 ["project", "new", "another"]):
        result = cli(*argv)
        assert_one_line_error(result, 6)
    assert file_digest(db) == before, "a refused store must not be modified"
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


def test_newer_schema_error_says_upgrade(cli):
    db = _populated_store()
    with sqlite3.connect(db) as conn:
        conn.execute("INSERT INTO _migrations VALUES ('m999_from_the_future', 0)")
    conn.close()
    with pytest.raises(StoreError, match="newer bmadgen.*m999_from_the_future"):
        open_store()


def test_store_path_that_is_a_folder(cli, bmadgen_home):
    (bmadgen_home / "bmadgen.db").mkdir()
    assert_one_line_error(cli("project", "list"), 6)


def test_home_that_is_a_file(cli, bmadgen_home, tmp_path, monkeypatch):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    monkeypatch.setenv("BMADGEN_HOME", str(not_a_folder))
    assert_one_line_error(cli("project", "list"), 6)


# ---------------------------------------------------------------- concurrency

WRITERS = 8
WRITES_EACH = 500


def _writer(worker: int, project_id: int, home: str, start_together, results) -> None:
    os.environ["BMADGEN_HOME"] = home
    try:
        with open_store() as store:
            start_together.wait(timeout=120)  # all connected: now write at the same moment
            started = time.monotonic()
            task_ids: list[int] = []
            for i in range(WRITES_EACH):
                step = i % 3
                if step == 0:
                    memory.add(store, project_id, f"worker {worker} write {i}")
                elif step == 1 or not task_ids:
                    task_ids.append(tasks.add(store, project_id, f"w{worker}-t{i}").id)
                else:
                    tasks.update(store, project_id, task_ids[-1], note=f"w{worker}-n{i}",
                                 progress=i % 101)
            results.put((worker, started, time.monotonic(), None))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the test
        results.put((worker, 0.0, 0.0, f"{type(exc).__name__}: {exc}"))


def test_eight_processes_writing_at_once_lose_nothing(store, project, bmadgen_home):
    # spawn, not fork: a forked child would inherit this process's open SQLite connection,
    # which SQLite forbids (its lock bookkeeping is per process).
    ctx = multiprocessing.get_context("spawn")
    start_together = ctx.Barrier(WRITERS)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_writer,
                    args=(w, project.id, str(bmadgen_home), start_together, results))
        for w in range(WRITERS)
    ]
    for p in workers:
        p.start()
    reports = [results.get(timeout=300) for _ in workers]
    for p in workers:
        p.join(timeout=60)
    assert [r[3] for r in reports if r[3]] == []  # no "database is locked", nothing else
    assert all(p.exitcode == 0 for p in workers)
    # The writers really overlapped in time (else this would prove nothing).
    spans = [(r[1], r[2]) for r in reports]
    for start, end in spans:
        assert any(s < end and start < e for s, e in spans if (s, e) != (start, end))

    memories_each = len(range(0, WRITES_EACH, 3))
    tasks_each = len(range(1, WRITES_EACH, 3))
    notes_each = len(range(2, WRITES_EACH, 3))
    assert store.scalar("SELECT count(*) FROM memories") == WRITERS * memories_each
    assert store.scalar("SELECT count(*) FROM tasks") == WRITERS * tasks_each
    assert store.scalar("SELECT count(*) FROM task_notes") == WRITERS * notes_each
    for w in range(WRITERS):  # every single write is there, not just the right count
        contents = {r[0] for r in store.query(
            "SELECT content FROM memories WHERE content LIKE ?", (f"worker {w} write %",))}
        assert contents == {f"worker {w} write {i}" for i in range(0, WRITES_EACH, 3)}
    # and the search index agrees with the table
    assert memory.search(store, project.id, "worker 3 write", limit=1).total >= memories_each
    assert store.scalar("PRAGMA integrity_check") == "ok"


# ---------------------------------------------------------------- a killed writer

KILLED_WRITER = textwrap.dedent(
    """
    import sys, time
    from bmadgen import memory, projects
    from bmadgen.store import open_store

    store = open_store()
    project = projects.get(store, "demo")
    for i in range(50):
        memory.add(store, project.id, f"committed row {i}")
    with store.write() as conn:
        conn.execute(
            "INSERT INTO memories (project_id, content, created_at) VALUES (?, ?, 0)",
            (project.id, "uncommitted row"),
        )
        print("inside", flush=True)
        time.sleep(120)
    """
)


def test_sigkill_mid_transaction_keeps_committed_rows(store, project):
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER], stdout=subprocess.PIPE,
                             text=True, env=dict(os.environ))
    try:
        assert child.stdout.readline().strip() == "inside"
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
    store.close()
    with open_store() as after:
        assert after.scalar("PRAGMA integrity_check") == "ok"
        contents = {r[0] for r in after.query("SELECT content FROM memories")}
        assert contents == {f"committed row {i}" for i in range(50)}
        assert memory.search(after, project.id, "uncommitted").total == 0
        # the lock died with the process: a new write goes through at once
        memory.add(after, project.id, "after the crash")
        assert memory.search(after, project.id, "crash").total == 1


def test_the_porter_migration_keeps_every_memory_and_stems_them(tmp_path, monkeypatch):
    from bmadgen.store import migrations
    from bmadgen.store.db import _connect

    path = tmp_path / "old.db"
    conn = _connect(path)
    names = [m.__name__ for m in MIGRATIONS]
    before = MIGRATIONS[: names.index("m006_memories_porter_and_section_drafts")]
    monkeypatch.setattr(migrations, "MIGRATIONS", before)
    migrations.apply_migrations(conn, path)  # a store as the previous bmadgen left it
    conn.execute("INSERT INTO projects (name, created_at, updated_at) VALUES ('old', 0, 0)")
    conn.executemany(
        "INSERT INTO memories (project_id, title, content, importance, created_at) "
        "VALUES (1, ?, ?, 'high', 0)",
        [(f"note {i}", f"the packing slips printed {i} labels") for i in range(250)])
    conn.close()
    monkeypatch.undo()

    with open_store(path) as store:
        assert store.scalar("SELECT count(*) FROM memories") == 250
        assert memory.search(store, 1, "print").total == 250  # stemmed: "printed"
        assert memory.search(store, 1, "labels", importance="high").total == 250
        added = memory.add(store, 1, "a new memory about printing")
        assert memory.search(store, 1, "printing").total == 251
        memory.forget(store, 1, added.id)
        assert memory.search(store, 1, "print").total == 250
        assert store.scalar("SELECT count(*) FROM section_drafts") == 0
