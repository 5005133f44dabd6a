"""A real, throwaway PostgreSQL server for tests: Debian's `postgresql` package, `initdb` and
`pg_ctl` in a temporary folder, listening only on a Unix socket in that folder, stopped after.

As root, the server runs as the `postgres` user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PORT = 5432  # the socket is in a private folder, so the usual port number clashes with nothing
SERVER_USER = "postgres"


class Unavailable(Exception):
    """PostgreSQL's server programs are not installed, or cannot run here."""


def binaries() -> Path:
    """The folder holding initdb and pg_ctl: PATH first, then the newest /usr/lib/postgresql."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                      key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if not versions:
        raise Unavailable("PostgreSQL is not installed (apt-get install postgresql)")
    return Path(versions[-1]).parent


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    if shutil.which("runuser") is None:
        raise Unavailable("running as root without runuser: cannot start PostgreSQL as a user")
    return ["runuser", "-u", SERVER_USER, "--", *command]


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        raise Unavailable(f"{' '.join(command)[:300]} failed: "
                          f"{(done.stderr or done.stdout).strip()[-500:]}")


@contextmanager
def server() -> Iterator[str]:
    """A running server; yields the SQLAlchemy URL of its `postgres` database (psycopg 3)."""
    bin_dir = binaries()
    # A short folder: a Unix socket path must stay under about 100 characters.
    folder = Path(tempfile.mkdtemp(prefix="bmadgen-pg-"))
    data = folder / "data"
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, SERVER_USER, SERVER_USER)
        _run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                              "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]))
        options = f"-k {folder} -p {PORT} -c listen_addresses='' -c fsync=off"
        _run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
                              "-l", str(folder / "server.log"), "-w", "-t", "60", "start"]))
        try:
            yield f"postgresql+psycopg://postgres@/postgres?host={folder}&port={PORT}"
        finally:
            subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m",
                                            "immediate", "-w", "stop"]),
                           capture_output=True, check=False, timeout=120)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def new_database(url: str, name: str) -> str:
    """Create database `name` on the server of `url`; its URL."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return url.replace("@/postgres?", f"@/{name}?")
