"""Opening the SQLite store safely: WAL, busy timeout, foreign keys, immediate write transactions.

Every process opens its own connection. Writers take the write lock up front (`BEGIN IMMEDIATE`)
so two writers queue on the busy timeout instead of failing with "database is locked" when a
read transaction tries to upgrade.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bmadgen.errors import StoreError

BUSY_TIMEOUT_MS = 30_000
DB_FILENAME = "bmadgen.db"


def bmadgen_home() -> Path:
    """The folder holding the store: `BMADGEN_HOME`, else the platform's user data dir."""
    env = os.environ.get("BMADGEN_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("bmadgen", appauthor=False))


def default_db_path() -> Path:
    return bmadgen_home() / DB_FILENAME


class Store:
    """A connection to the store. Use `write()` for every change and `conn` for reads."""

    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """An immediate transaction: committed on success, rolled back on any exception."""
        if self.conn.in_transaction:  # nested use joins the outer transaction
            yield self.conn
            return
        self._begin_immediate()
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def _begin_immediate(self) -> None:
        # The busy handler covers most waits; this loop covers the rare SQLITE_BUSY that
        # SQLite returns without calling it (e.g. during WAL recovery by another process).
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"the store at {self.path} stayed locked for {BUSY_TIMEOUT_MS // 1000}s",
                        hint="another bmadgen process holds a long write; try again",
                    ) from exc
                time.sleep(0.01)

    def query(self, sql: str, params: tuple | dict = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: tuple | dict = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        raise StoreError(f"could not switch {path} to WAL mode (got {mode})")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def open_store(path: Path | None = None, *, migrate: bool = True) -> Store:
    """Open (creating if needed) the store and bring its schema up to date.

    A file that is not an SQLite database, or is corrupt, or was written by a newer bmadgen,
    raises `StoreError` and is left untouched.
    """
    from bmadgen.store.migrations import apply_migrations

    path = Path(path) if path else default_db_path()
    if path.exists() and path.is_dir():
        raise StoreError(f"the store path {path} is a folder, not a database file")
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and path.stat().st_size > 0:
        with open(path, "rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise StoreError(
                    f"{path} is not a bmadgen store (not an SQLite database)",
                    hint="move the file away or point BMADGEN_HOME at another folder",
                )
    try:
        conn = _connect(path)
        if migrate:
            apply_migrations(conn, path)
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"the store at {path} cannot be read: {exc}",
            hint="run `bmadgen doctor`; restore the file from a backup if it is corrupt",
        ) from exc
    return Store(path, conn)
