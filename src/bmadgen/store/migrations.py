"""Numbered schema migrations, each applied once and recorded by name.

Append new migrations at the end of MIGRATIONS; never edit or reorder one that has shipped.
A database that records a migration this bmadgen does not know was made by a newer bmadgen:
opening it is refused rather than silently downgraded.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from bmadgen.errors import StoreError

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append(fn)
    return fn


def schema_version(conn: sqlite3.Connection) -> int:
    """How many migrations the database has applied (0 for a new file)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='_migrations'"
    ).fetchone()
    if not exists:
        return 0
    return int(conn.execute("SELECT count(*) FROM _migrations").fetchone()[0])


def apply_migrations(conn: sqlite3.Connection, path: Path | str = "") -> list[str]:
    """Apply every pending migration in one immediate transaction each; return their names."""
    known = [m.__name__ for m in MIGRATIONS]
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
    )
    applied = {row[0] for row in conn.execute("SELECT name FROM _migrations")}
    unknown = sorted(applied - set(known))
    if unknown:
        raise StoreError(
            f"the store at {path} was written by a newer bmadgen (unknown migrations: "
            f"{', '.join(unknown)})",
            hint="upgrade bmadgen (pip install -U bmadgen); the store was not changed",
        )
    done: list[str] = []
    for fn in MIGRATIONS:
        if fn.__name__ in applied:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have applied it while we waited for the lock.
            if conn.execute("SELECT 1 FROM _migrations WHERE name=?", (fn.__name__,)).fetchone():
                conn.execute("COMMIT")
                continue
            fn(conn)
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (fn.__name__, time.time())
            )
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        done.append(fn.__name__)
    return done


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run several statements inside the caller's transaction.

    `executescript` would COMMIT first, which breaks the one-transaction-per-migration rule.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        if not statement and line.strip().startswith("--"):
            continue
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement[:80]!r}")


@migration
def m001_projects_memories_tasks(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE projects (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL DEFAULT 'generic',
            description TEXT NOT NULL DEFAULT '',
            path TEXT,
            status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);

        CREATE TABLE tasks (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id),
            parent_id INTEGER REFERENCES tasks(id),
            title TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed')),
            priority TEXT NOT NULL DEFAULT 'medium'
                CHECK (priority IN ('critical', 'high', 'medium', 'low')),
            progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
            ref TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            completed_at REAL
        );
        CREATE INDEX tasks_project_status ON tasks(project_id, status, priority);
        CREATE TABLE task_notes (
            id INTEGER PRIMARY KEY,
            task_id INTEGER NOT NULL REFERENCES tasks(id),
            kind TEXT NOT NULL CHECK (kind IN ('note', 'blocker', 'resolved')),
            text TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX task_notes_task ON task_notes(task_id);

        CREATE TABLE memories (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id),
            kind TEXT NOT NULL DEFAULT 'note',
            title TEXT NOT NULL DEFAULT '',
            content TEXT NOT NULL,
            importance TEXT NOT NULL DEFAULT 'medium'
                CHECK (importance IN ('critical', 'high', 'medium', 'low')),
            task_id INTEGER REFERENCES tasks(id),
            file_path TEXT,
            line_start INTEGER,
            line_end INTEGER,
            created_at REAL NOT NULL
        );
        CREATE INDEX memories_project_created ON memories(project_id, created_at);
        -- What search ranking reads for each candidate, without touching the (large) row:
        -- halves the cost of ranking a thousand candidates (see memory._RANKED_SQL).
        CREATE INDEX memories_rank ON memories(id, project_id, importance, created_at);
        -- `scope` holds tokens naming the project (p<id>) and the importance (i<level>), so a
        -- search is narrowed inside the index (an intersection of postings) instead of
        -- filtering every match afterwards.
        CREATE VIRTUAL TABLE memories_fts USING fts5(
            title, content, scope, tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER memories_ai AFTER INSERT ON memories BEGIN
            INSERT INTO memories_fts(rowid, title, content, scope)
            VALUES (new.id, new.title, new.content,
                    'p' || new.project_id || ' i' || new.importance);
        END;
        CREATE TRIGGER memories_ad AFTER DELETE ON memories BEGIN
            DELETE FROM memories_fts WHERE rowid = old.id;
        END;
        CREATE TRIGGER memories_au
        AFTER UPDATE OF title, content, project_id, importance ON memories BEGIN
            DELETE FROM memories_fts WHERE rowid = old.id;
            INSERT INTO memories_fts(rowid, title, content, scope)
            VALUES (new.id, new.title, new.content,
                    'p' || new.project_id || ' i' || new.importance);
        END;

        CREATE TABLE handoffs (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id),
            phase TEXT,
            content TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        """
    )


@migration
def m002_workflow(conn: sqlite3.Connection) -> None:
    """Workflow state per project and phase, and the answers given to the elicitation questions.

    Hashes are JSON maps {relative path: sha256}: `approved_hashes` of the documents as
    approved (drift detection compares the files with them), `written_hashes` as the phase last
    wrote them (so a re-run never overwrites a hand edit that was not approved).
    """
    run_script(
        conn,
        """
        CREATE TABLE workflow_phases (
            project_id INTEGER NOT NULL REFERENCES projects(id),
            phase TEXT NOT NULL,
            position INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                ('pending', 'in_progress', 'awaiting_approval', 'approved', 'stale')),
            stale_reason TEXT,
            approved_hashes TEXT NOT NULL DEFAULT '{}',
            written_hashes TEXT NOT NULL DEFAULT '{}',
            commit_sha TEXT,
            checklist TEXT,
            outcome TEXT,
            elicit_position TEXT,
            started_at REAL,
            awaiting_at REAL,
            approved_at REAL,
            updated_at REAL NOT NULL,
            PRIMARY KEY (project_id, phase)
        );
        CREATE TABLE workflow_answers (
            project_id INTEGER NOT NULL REFERENCES projects(id),
            phase TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('file', 'prompt', 'set')),
            answered_at REAL NOT NULL,
            PRIMARY KEY (project_id, phase, key)
        );
        """
    )


@migration
def m003_gates(conn: sqlite3.Connection) -> None:
    run_script(
        conn,
        """
        CREATE TABLE gate_runs (
            id TEXT PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id),
            backend TEXT NOT NULL,
            isolated INTEGER NOT NULL,
            tier TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'running'
                CHECK (status IN ('running', 'passed', 'failed', 'error')),
            started_at REAL NOT NULL,
            finished_at REAL,
            report_json TEXT
        );
        CREATE INDEX gate_runs_project ON gate_runs(project_id, started_at);
        -- One row per gate (and slice) per run. `slice` is '' for app-wide gates. A result is
        -- reused by a later run when its content hash matches (what the gate reads + config +
        -- tools), and then copied into that run with cached = 1.
        CREATE TABLE gate_results (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL REFERENCES gate_runs(id),
            project_id INTEGER NOT NULL REFERENCES projects(id),
            gate TEXT NOT NULL,
            scope TEXT NOT NULL CHECK (scope IN ('app', 'slice')),
            slice TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL CHECK (status IN ('passed', 'failed', 'error', 'not_run')),
            score REAL,
            threshold REAL NOT NULL,
            required INTEGER NOT NULL,
            duration_s REAL NOT NULL DEFAULT 0,
            findings_json TEXT NOT NULL DEFAULT '[]',
            detail TEXT NOT NULL DEFAULT '',
            cached INTEGER NOT NULL DEFAULT 0,
            content_hash TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL
        );
        CREATE INDEX gate_results_run ON gate_results(run_id);
        CREATE INDEX gate_results_cache ON gate_results(project_id, gate, slice, content_hash);
        CREATE TABLE gate_waivers (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id),
            slice TEXT NOT NULL,
            gate TEXT NOT NULL,
            reason TEXT NOT NULL,
            who TEXT NOT NULL,
            created_at REAL NOT NULL,
            UNIQUE (project_id, slice, gate)
        );
        CREATE TABLE sandbox_usage (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id),
            run_id TEXT NOT NULL,
            backend TEXT NOT NULL,
            tier TEXT NOT NULL,
            cpu_s REAL NOT NULL DEFAULT 0,
            peak_memory_mb REAL NOT NULL DEFAULT 0,
            wall_s REAL NOT NULL DEFAULT 0,
            exec_count INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL
        );
        CREATE INDEX sandbox_usage_project ON sandbox_usage(project_id, created_at);
        """
    )


@migration
def m004_gate_run_owner(conn: sqlite3.Connection) -> None:
    # Which process runs a gate run, so a run whose process died (SIGKILL, power cut) can be
    # closed as an error instead of showing "running" for ever.
    conn.execute("ALTER TABLE gate_runs ADD COLUMN owner_pid INTEGER")
    conn.execute("ALTER TABLE gate_runs ADD COLUMN owner_host TEXT")


@migration
def m005_pending_writes(conn: sqlite3.Connection) -> None:
    # The hashes a phase run is about to write, recorded before it writes them: a run killed
    # between its files and its state leaves files the next run recognises as its own (JSON
    # {relative path: [sha256, ...]}), so no loop of "changed by hand" and "not awaiting
    # approval" follows a crash.
    conn.execute(
        "ALTER TABLE workflow_phases ADD COLUMN pending_hashes TEXT NOT NULL DEFAULT '{}'"
    )


@migration
def m006_memories_porter_and_section_drafts(conn: sqlite3.Connection) -> None:
    """Recall matches word forms ("printed" finds "print"): the memories index is rebuilt with
    FTS5's porter stemmer over the same columns, from the memories as they are (nothing is
    lost; the rows themselves are not touched). And the sections an MCP client's model submits
    for a phase are kept until the phase is written (`section_drafts`)."""
    run_script(
        conn,
        """
        -- The triggers of m001 name the index, not its tokenizer: they keep it up to date.
        DROP TABLE memories_fts;
        CREATE VIRTUAL TABLE memories_fts USING fts5(
            title, content, scope, tokenize='porter unicode61 remove_diacritics 2'
        );
        INSERT INTO memories_fts(rowid, title, content, scope)
        SELECT id, title, content, 'p' || project_id || ' i' || importance FROM memories;
        CREATE TABLE section_drafts (
            project_id INTEGER NOT NULL REFERENCES projects(id),
            phase TEXT NOT NULL,
            section TEXT NOT NULL,
            content TEXT NOT NULL,
            submitted_at REAL NOT NULL,
            PRIMARY KEY (project_id, phase, section)
        );
        """,
    )


@migration
def m007_llm_usage_and_cache(conn: sqlite3.Connection) -> None:
    """Every model call (accounting, the hard cap reads the spend from it) and the response
    cache keyed by the full request. `project_id` is NULL for a call made outside a project
    (drafting the answers of `new --idea` before the project exists)."""
    run_script(
        conn,
        """
        CREATE TABLE llm_calls (
            id INTEGER PRIMARY KEY,
            project_id INTEGER REFERENCES projects(id),
            phase TEXT NOT NULL DEFAULT '',
            agent TEXT NOT NULL DEFAULT '',
            purpose TEXT NOT NULL DEFAULT '',
            model TEXT NOT NULL,
            model_used TEXT NOT NULL DEFAULT '',
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            output_tokens INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL NOT NULL DEFAULT 0,
            estimate_usd REAL NOT NULL DEFAULT 0,
            priced_by TEXT NOT NULL DEFAULT 'known'
                CHECK (priced_by IN ('known', 'configured', 'default')),
            latency_ms REAL NOT NULL DEFAULT 0,
            cache_hit INTEGER NOT NULL DEFAULT 0,
            outcome TEXT NOT NULL
                CHECK (outcome IN ('ok', 'fallback', 'refused', 'invalid', 'error')),
            context_budget INTEGER NOT NULL DEFAULT 0,
            context_tokens INTEGER NOT NULL DEFAULT 0,
            detail TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL
        );
        CREATE INDEX llm_calls_project ON llm_calls(project_id, created_at);
        CREATE TABLE llm_cache (
            key TEXT PRIMARY KEY,
            model TEXT NOT NULL,
            content TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL,
            output_tokens INTEGER NOT NULL,
            created_at REAL NOT NULL,
            hits INTEGER NOT NULL DEFAULT 0
        );
        """
    )


@migration
def m008_phase_events(conn: sqlite3.Connection) -> None:
    # What happened to a phase over time (a rollback, for now), so insights can say which
    # phases are rolled back most: workflow_phases keeps only the latest state.
    run_script(
        conn,
        """
        CREATE TABLE phase_events (
            id INTEGER PRIMARY KEY,
            project_id INTEGER NOT NULL REFERENCES projects(id),
            phase TEXT NOT NULL,
            event TEXT NOT NULL CHECK (event IN ('rollback')),
            at REAL NOT NULL
        );
        CREATE INDEX phase_events_project ON phase_events(project_id, at);
        """
    )
