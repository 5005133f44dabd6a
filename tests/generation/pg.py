"""A real, throwaway PostgreSQL server for tests: Debian's `postgresql` package, `initdb` and
`pg_ctl` in a temporary folder, listening on a Unix socket in that folder (trust), stopped after.

`server(tcp_host=ADDRESS)` also listens on a free TCP port of ADDRESS (e.g. the Docker bridge's
gateway, which a container reaches); every TCP connection needs a password (scram-sha-256),
the socket stays trusted. As root, the server runs as the `postgres` user (PostgreSQL refuses
to run as root).
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PORT = 5432  # the socket is in a private folder, so the usual port number clashes with nothing
SERVER_USER = "postgres"


class Unavailable(Exception):
    """PostgreSQL's server programs are not installed, or cannot run here."""


@dataclass(frozen=True)
class Server:
    """A running server: its Unix socket folder and port (the socket's name carries the port,
    so TCP, when it listens, has the same one), and the TCP address if any."""

    socket_folder: Path
    port: int = PORT
    tcp_host: str | None = None

    @property
    def url(self) -> str:
        """The SQLAlchemy URL (psycopg 3) of the `postgres` database over the socket."""
        return f"postgresql+psycopg://postgres@/postgres?host={self.socket_folder}&port={self.port}"

    def conninfo(self, database: str = "postgres") -> str:
        """A psycopg connection string for `database` over the socket, as `postgres`."""
        return f"host={self.socket_folder} port={self.port} user=postgres dbname={database}"


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


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


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
def server(tcp_host: str | None = None) -> Iterator[Server]:
    """A running server, on its Unix socket and, with `tcp_host`, on a free port of that
    address where every role signs in with its password."""
    bin_dir = binaries()
    # A short folder: a Unix socket path must stay under about 100 characters.
    folder = Path(tempfile.mkdtemp(prefix="bmadgen-pg-"))
    data = folder / "data"
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, SERVER_USER, SERVER_USER)
        _run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres",
                              "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]))
        running = Server(folder)
        listen = ""
        if tcp_host is not None:
            try:
                running = Server(folder, free_port(tcp_host), tcp_host)
            except OSError as exc:
                raise Unavailable(f"cannot listen on {tcp_host}: {exc}") from None
            listen = tcp_host
            # initdb wrote `local ... trust` and `host ... trust` for loopback; the first line
            # that matches wins, so this one goes first: a password for every TCP client.
            hba = data / "pg_hba.conf"
            hba.write_text("host all all all scram-sha-256\n" + hba.read_text())
        options = f"-k {folder} -p {running.port} -c listen_addresses='{listen}' -c fsync=off"
        _run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options,
                              "-l", str(folder / "server.log"), "-w", "-t", "60", "start"]))
        try:
            yield running
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


def new_owned_database(running: Server, name: str) -> str:
    """A role `name` with a random password, owning a new database `name` (as an app's own
    role would, not a superuser); the SQLAlchemy URL that reaches it over TCP."""
    import psycopg
    from psycopg import sql

    if running.tcp_host is None:
        raise ValueError("the server does not listen on TCP")
    password = secrets.token_hex(16)
    with psycopg.connect(running.conninfo(), autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(name), sql.Literal(password)))
        connection.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
            sql.Identifier(name), sql.Identifier(name)))
    host = f"[{running.tcp_host}]" if ":" in running.tcp_host else running.tcp_host
    return f"postgresql+psycopg://{name}:{password}@{host}:{running.port}/{name}"
