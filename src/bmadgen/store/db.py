"""Opening the SQLite store safely: WAL, busy timeout, foreign keys, immediate write transactions.

Every process opens its own connection. Writers take the write lock up front (`BEGIN IMMEDIATE`)
so two writers queue on the busy timeout instead of failing with "database is locked" when a
read transaction tries to upgrade.

The store is opened with the standard library's `sqlite3`, not sqlite-utils: importing
sqlite-utils costs ~230 ms, more than a whole `bmadgen memory search` is allowed to take.
Keep sqlite-utils out of this module and out of every hot path (memory, tasks, projects).

A file that is not a bmadgen store (not SQLite, truncated, corrupt, another program's database,
or written by a newer bmadgen) raises `StoreError` before anything is written to it.

A healthy store on a read-only file, folder or file system is opened read-only: commands that
only read work, and a change is refused by `Store.write()` saying why. A full disk or a
read-only store is reported as what it is (exit 7, the environment), never as a damaged file.

Values a person typed reach SQLite here and nowhere else, so this is where the values SQLite
cannot hold are refused for every command at once: integers beyond 64 bits and text that is
not UTF-8 (lone surrogates from undecodable command-line bytes) raise `InvalidInput`.
"""

from __future__ import annotations

import os
import sqlite3
import struct
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from bmadgen.errors import BmadgenError, EnvironmentUnavailable, InvalidInput, StoreError
from bmadgen.fsutil import disk_nearly_full
from bmadgen.models import NextAction
from bmadgen.validation import MAX_INT

BUSY_TIMEOUT_MS = 30_000
DB_FILENAME = "bmadgen.db"
# Parameters of one statement: positional or named.
Params = tuple[Any, ...] | dict[str, Any]
SQLITE_MAGIC = b"SQLite format 3\x00"
RESTORE_HINT = "move the file away or restore it from a backup; check it first with"
# Hints that end by pointing at the doctor: the error carries that as its next action, which
# the face words as a command (cli/wording.py).
DOCTOR = NextAction(kind="doctor")
READ_ONLY_HINT = ("make the file and its folder writable (or mount the disk read-write), or set "
                  "BMADGEN_HOME to a writable folder; commands that only read work as they are")

# Primary SQLite result codes that mean "the file or the place it is in is the problem", not
# the statement, with what to do about each once a full disk and a read-only place are ruled
# out (those are diagnosed first: see `environment_error`).
_STORE_FAILURES = {
    3: ("permission denied", "check who owns the file and its folder (ls -l)"),  # SQLITE_PERM
    8: ("the store is read-only", READ_ONLY_HINT),  # SQLITE_READONLY
    10: ("disk I/O error", "check the disk (free space, `dmesg`), then run"),
    11: ("the database file is corrupt", RESTORE_HINT),  # SQLITE_CORRUPT
    13: ("the disk is full", "free some space, then try again; the store itself is fine"),
    14: ("the database file cannot be opened",  # SQLITE_CANTOPEN
         "check that its folder exists and that you may read and write it"),
    26: ("the file is not an SQLite database", RESTORE_HINT),  # SQLITE_NOTADB
}
_ENVIRONMENT_CODES = {3, 8, 10, 13, 14}  # worth checking free space and writability for
_SQLITE_BUSY = 5


def bmadgen_home() -> Path:
    """The folder holding the store: `BMADGEN_HOME`, else the platform's user data dir."""
    from bmadgen.settings import get_settings

    return get_settings().data_home()


def default_db_path() -> Path:
    return bmadgen_home() / DB_FILENAME


def read_only_reason(path: Path) -> str | None:
    """Why the store at `path` (an existing file) cannot be written, or None when it can."""
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return "its file system is mounted read-only"
    except OSError:
        pass
    if not os.access(path, os.W_OK):
        return "the file is not writable"
    sidecars = [Path(f"{path}{suffix}") for suffix in ("-wal", "-shm")]
    if all(p.exists() and os.access(p, os.W_OK) for p in sidecars):
        return None  # SQLite needs nothing new in the folder
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return "its folder is not writable"
    return None


def environment_error(path: Path | str) -> BmadgenError | None:
    """A full disk or a read-only file, folder or file system where the store is, else None."""
    path = Path(path)
    free = disk_nearly_full(path.parent)
    if free is not None:
        return EnvironmentUnavailable(
            f"the disk holding the store at {path} is full ({free} bytes free)",
            hint=f"free some space there (df -h {path.parent}), then try again; the store "
                 "itself is fine")
    reason = read_only_reason(path) if path.exists() else None
    if reason is not None:
        return EnvironmentUnavailable(f"the store at {path} is read-only: {reason}",
                                      hint=READ_ONLY_HINT)
    return None


def store_error(exc: sqlite3.Error, path: Path | str) -> BmadgenError | None:
    """The user-facing error for an SQLite failure caused by the file or the place it is in
    (a full disk, a read-only file system), else None (a bug)."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == _SQLITE_BUSY:
        return StoreError(
            f"the store at {path} stayed locked for {BUSY_TIMEOUT_MS // 1000}s",
            hint="another bmadgen process holds a long write; try again",
        )
    if primary in _ENVIRONMENT_CODES:
        found = environment_error(path)
        if found is not None:
            return found
    if primary in _STORE_FAILURES:
        what, hint = _STORE_FAILURES[primary]
        kind = EnvironmentUnavailable if primary in (8, 13) else StoreError
        return kind(f"the store at {path} cannot be used: {what} ({exc})", hint=hint,
                    action=DOCTOR if hint.endswith((" with", " run")) else None)
    if type(exc) is sqlite3.DatabaseError:  # no code, e.g. an older Python: the file is bad
        return StoreError(f"the store at {path} cannot be read: {exc}", hint=RESTORE_HINT,
                          action=DOCTOR)
    return None


def value_error(exc: BaseException) -> InvalidInput | None:
    """The user-facing error for a value SQLite cannot hold (raised while binding it), else
    None: an integer beyond 64 bits, or text with lone surrogates (bytes that were not UTF-8,
    which Python keeps as surrogates in command-line arguments)."""
    if isinstance(exc, OverflowError) and "SQLite INTEGER" in str(exc):
        return InvalidInput(f"a number is out of range: the largest bmadgen accepts is {MAX_INT}")
    if isinstance(exc, UnicodeEncodeError) and exc.reason == "surrogates not allowed":
        text = exc.object if isinstance(exc.object, str) else ""
        near = text[max(exc.start - 20, 0):exc.start + 20]
        return InvalidInput(f"text is not valid UTF-8 (near {near!r})",
                            hint="bmadgen keeps text as UTF-8; check the encoding of the "
                                 "terminal or the file it came from")
    return None


class Store:
    """A connection to the store. Use `write()` for every change and `query*` for reads.

    `read_only` says why the store cannot be written (None when it can): it was opened
    read-only, and `write()` refuses with that reason.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, *, read_only: str | None = None):
        self.path = path
        self.conn = conn
        self.read_only = read_only

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """An immediate transaction: committed on success, rolled back on any exception."""
        if self.conn.in_transaction:  # nested use joins the outer transaction
            yield self.conn
            return
        self._refuse_read_only()
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
            self._raise_value_error(exc)
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._raise_store_error(exc)
                raise

    @contextmanager
    def rehearsal(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that is always rolled back: what a change would do, checked
        by the same code that makes it (every `write()` inside joins it), with nothing kept.
        Used by the dry runs of the MCP tools."""
        if self.conn.in_transaction:
            raise RuntimeError("a rehearsal cannot run inside another transaction")
        self._refuse_read_only()
        self._begin_immediate()
        try:
            with self._user_errors():
                yield self.conn
        finally:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")

    def _refuse_read_only(self) -> None:
        if self.read_only is not None:
            raise EnvironmentUnavailable(
                f"the store at {self.path} is read-only ({self.read_only}); this command "
                "changes it", hint=READ_ONLY_HINT)

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

    @staticmethod
    def _raise_value_error(exc: BaseException) -> None:
        error = value_error(exc)
        if error is not None:
            raise error from exc

    @contextmanager
    def _user_errors(self) -> Iterator[None]:
        """SQLite failures caused by the file or its place, and values SQLite cannot hold,
        raised as the user-facing errors they are; anything else as it is."""
        try:
            yield
        except sqlite3.Error as exc:
            self._raise_store_error(exc)
            raise
        except (OverflowError, UnicodeEncodeError) as exc:
            self._raise_value_error(exc)
            raise

    def query(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        with self._user_errors():
            return self.conn.execute(sql, params).fetchall()

    def query_one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        with self._user_errors():
            row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
            return row

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
            hint=RESTORE_HINT, action=DOCTOR,
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


def _connect(path: Path | str, *, uri: bool = False) -> sqlite3.Connection:
    # isolation_level=None: the sqlite3 module must not open transactions behind our back;
    # Store.write() issues BEGIN IMMEDIATE itself.
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False,
        uri=uri,
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
        reason = read_only_reason(path)
        if reason is not None:
            return _open_read_only(path, reason)
    elif not migrate:
        raise StoreError(f"there is no store at {path} yet")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the store folder {path.parent}: {exc.strerror}",
                         hint="set BMADGEN_HOME to a folder you may write") from exc
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
            f"the store at {path} cannot be opened: {exc}", hint=RESTORE_HINT,
            action=DOCTOR
        ) from exc
    return Store(path, conn)


def _open_read_only(path: Path, reason: str) -> Store:
    """The store opened read-only, for the commands that only read it; refused when this
    bmadgen would first have to upgrade its schema (a write)."""
    from bmadgen.store.migrations import MIGRATIONS

    target = "file:" + urllib.parse.quote(str(path)) + "?mode=ro"
    conn: sqlite3.Connection | None = None
    # A WAL store whose -shm file is gone cannot be read where that file cannot be created
    # (a read-only folder or file system); nothing can write it there either, so it is read
    # as an immutable file.
    for suffix in ("", "&immutable=1"):
        conn = _connect(target + suffix, uri=True)
        try:
            applied = inspect_schema(conn, path)
            break
        except sqlite3.Error as exc:
            conn.close()
            conn = None
            if suffix:
                raise store_error(exc, path) or StoreError(
                    f"the store at {path} cannot be opened: {exc}", hint=RESTORE_HINT,
            action=DOCTOR
                ) from exc
        except StoreError:
            conn.close()
            raise
    assert conn is not None
    pending = [m.__name__ for m in MIGRATIONS if m.__name__ not in applied]
    if pending:
        conn.close()
        raise EnvironmentUnavailable(
            f"the store at {path} is read-only ({reason}) and this bmadgen must first upgrade "
            f"it ({len(pending)} schema change(s))", hint=READ_ONLY_HINT)
    return Store(path, conn, read_only=reason)
