"""Opening the SQLite store safely: WAL, busy timeout, foreign keys, immediate write transactions.

Every process opens its own connection. Writers take the write lock up front (`BEGIN IMMEDIATE`)
so two writers queue on the busy timeout instead of failing with "database is locked" when a
read transaction tries to upgrade.

The store is opened with the standard library's `sqlite3`, not sqlite-utils: importing
sqlite-utils costs ~230 ms, more than a whole `bmadgen memory search` is allowed to take.
Keep sqlite-utils out of this module and out of every hot path (memory, tasks, projects).

A file that is not a bmadgen store (not SQLite, truncated, corrupt, another program's database,
or written by a newer bmadgen) raises `StoreError` before anything is written to it.
"""

from __future__ import annotations

import sqlite3
import struct
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from bmadgen.errors import StoreError

BUSY_TIMEOUT_MS = 30_000
DB_FILENAME = "bmadgen.db"
# Parameters of one statement: positional or named.
Params = tuple[Any, ...] | dict[str, Any]
SQLITE_MAGIC = b"SQLite format 3\x00"
RESTORE_HINT = "run `bmadgen doctor`; move the file away or restore it from a backup"

# Primary SQLite result codes that mean "the file itself is the problem", not the statement.
_STORE_FAILURES = {
    3: "permission denied",  # SQLITE_PERM
    8: "the store is read-only",  # SQLITE_READONLY
    10: "disk I/O error",  # SQLITE_IOERR
    11: "the database file is corrupt",  # SQLITE_CORRUPT
    13: "the disk is full",  # SQLITE_FULL
    14: "the database file cannot be opened",  # SQLITE_CANTOPEN
    26: "the file is not an SQLite database",  # SQLITE_NOTADB
}
_SQLITE_BUSY = 5


def bmadgen_home() -> Path:
    """The folder holding the store: `BMADGEN_HOME`, else the platform's user data dir."""
    from bmadgen.settings import get_settings

    return get_settings().data_home()


def default_db_path() -> Path:
    return bmadgen_home() / DB_FILENAME


def store_error(exc: sqlite3.Error, path: Path | str) -> StoreError | None:
    """The user-facing error for an SQLite failure caused by the file, else None (a bug)."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == _SQLITE_BUSY:
        return StoreError(
            f"the store at {path} stayed locked for {BUSY_TIMEOUT_MS // 1000}s",
            hint="another bmadgen process holds a long write; try again",
        )
    if primary in _STORE_FAILURES:
        return StoreError(f"the store at {path} cannot be used: {_STORE_FAILURES[primary]} ({exc})",
                          hint=RESTORE_HINT)
    if type(exc) is sqlite3.DatabaseError:  # no code, e.g. an older Python: the file is bad
        return StoreError(f"the store at {path} cannot be read: {exc}", hint=RESTORE_HINT)
    return None


class Store:
    """A connection to the store. Use `write()` for every change and `query*` for reads."""

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
        except BaseException as exc:
            if self.conn.in_transaction:
                try:
                    self.conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass  # the original error says more than the failed rollback
            if isinstance(exc, sqlite3.Error):
                self._raise_store_error(exc)
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._raise_store_error(exc)
                raise

    def _begin_immediate(self) -> None:
        # The busy handler covers most waits; this loop covers the rare SQLITE_BUSY that
        # SQLite returns without calling it (e.g. during WAL recovery by another process).
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if _is_busy(exc) and time.monotonic() < deadline:
                    time.sleep(0.01)
                    continue
                self._raise_store_error(exc)
                raise

    def _raise_store_error(self, exc: sqlite3.Error) -> None:
        error = store_error(exc, self.path)
        if error is not None:
            raise error from exc

    def query(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            self._raise_store_error(exc)
            raise

    def query_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        try:
            row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
            return row
        except sqlite3.Error as exc:
            self._raise_store_error(exc)
            raise

    def scalar(self, sql: str, params: Params = ()) -> Any:
        """The first column of the first row, or None."""
        row = self.query_one(sql, params)
        return None if row is None else row[0]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == _SQLITE_BUSY
    return "locked" in str(exc) or "busy" in str(exc)


def check_header(path: Path) -> None:
    """Refuse a file that is not SQLite or is shorter than its header says (truncated).

    Reads the first 100 bytes only, so it costs nothing on the hot path.
    """
    try:
        size = path.stat().st_size
        if size == 0:
            return  # SQLite treats an empty file as a new database
        with open(path, "rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise StoreError(f"the store at {path} cannot be read: {exc.strerror}") from exc
    if not header.startswith(SQLITE_MAGIC) or len(header) < 100:
        raise StoreError(
            f"{path} is not a bmadgen store (not an SQLite database)",
            hint="move the file away or point BMADGEN_HOME at another folder",
        )
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    change_counter, page_count = struct.unpack(">II", header[24:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    # The page count in the header is only trustworthy when it was written by the same change,
    # and only when no WAL file exists: a checkpoint in another process writes page 1 (with
    # the new count) before the pages that extend the file.
    in_use = Path(f"{path}-wal").exists()
    if not in_use and valid_for == change_counter and page_count and size < page_count * page_size:
        raise StoreError(
            f"the store at {path} is truncated ({size} bytes, the header says "
            f"{page_count * page_size})",
            hint=RESTORE_HINT,
        )


def inspect_schema(conn: sqlite3.Connection, path: Path | str) -> list[str]:
    """The migrations a database has applied; refuses foreign and newer databases. Read-only."""
    from bmadgen.store.migrations import MIGRATIONS

    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables:
        return []
    if "_migrations" not in tables:
        raise StoreError(
            f"{path} is an SQLite database but not a bmadgen store (no _migrations table)",
            hint="point BMADGEN_HOME at another folder; the file was not changed",
        )
    applied = [row[0] for row in conn.execute("SELECT name FROM _migrations ORDER BY rowid")]
    unknown = sorted(set(applied) - {m.__name__ for m in MIGRATIONS})
    if unknown:
        raise StoreError(
            f"the store at {path} was written by a newer bmadgen (unknown migrations: "
            f"{', '.join(unknown)})",
            hint="upgrade bmadgen (pip install -U bmadgen); the store was not changed",
        )
    return applied


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: the sqlite3 module must not open transactions behind our back;
    # Store.write() issues BEGIN IMMEDIATE itself.
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _enable_wal(conn: sqlite3.Connection, path: Path) -> None:
    # Switching a new file to WAL needs an exclusive lock, and SQLite may answer SQLITE_BUSY
    # without calling the busy handler when several processes create the store at once.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            break
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
    if mode.lower() != "wal":
        raise StoreError(f"could not switch {path} to WAL mode (got {mode})")
    # NORMAL is durable across application crashes in WAL mode (only a power loss may drop
    # the last commits) and saves an fsync per write.
    conn.execute("PRAGMA synchronous = NORMAL")


def open_store(path: Path | None = None, *, migrate: bool = True) -> Store:
    """Open (creating if needed) the store and bring its schema up to date.

    A file that is not an SQLite database, is corrupt or truncated, belongs to another program,
    or was written by a newer bmadgen raises `StoreError` and is left untouched.
    """
    from bmadgen.store.migrations import apply_migrations

    path = Path(path) if path else default_db_path()
    if path.is_dir():
        raise StoreError(f"the store path {path} is a folder, not a database file")
    if path.exists():
        check_header(path)
    elif not migrate:
        raise StoreError(f"there is no store at {path} yet")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the store folder {path.parent}: {exc.strerror}") from exc
    conn: sqlite3.Connection | None = None
    try:
        conn = _connect(path)
        inspect_schema(conn, path)  # before any write: a refused file stays as it was
        _enable_wal(conn, path)
        if migrate:
            apply_migrations(conn, path)
    except (sqlite3.Error, StoreError) as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, StoreError):
            raise
        raise store_error(exc, path) or StoreError(
            f"the store at {path} cannot be opened: {exc}", hint=RESTORE_HINT
        ) from exc
    return Store(path, conn)
