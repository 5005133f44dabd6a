"""`bmadgen doctor`: what bmadgen needs from this machine, checked without changing anything.

It never creates or migrates the store, never prints a key's value (only which provider
variables are set), and gives Docker a short timeout so a missing engine answers quickly.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from bmadgen import __version__
from bmadgen.errors import ExitCode

Status = Literal["ok", "warn", "fail"]

DOCKER_TIMEOUT_S = 3


class Check(BaseModel):
    name: str
    status: Status
    detail: str


class StoreInfo(BaseModel):
    path: str
    exists: bool
    size_bytes: int  # the database plus its WAL and shared-memory files
    schema_applied: int
    schema_known: int
    projects: int | None = None
    memories: int | None = None
    tasks: int | None = None
    error: str | None = None


class DoctorReport(BaseModel):
    bmadgen_version: str
    python: str
    platform: str
    home: str
    store: StoreInfo
    git: str | None
    docker: str | None  # the engine's version when reachable
    llm_provider_keys: list[str]  # names of the variables that are set, never their values
    checks: list[Check]

    @property
    def exit_code(self) -> ExitCode:
        failed = {c.name for c in self.checks if c.status == "fail"}
        if "store" in failed:
            return ExitCode.STORE
        if failed:
            return ExitCode.ENVIRONMENT
        return ExitCode.OK


def check_store(path: Path) -> StoreInfo:
    """Facts about the store file; opens it without migrating, never creates it."""
    from bmadgen.errors import StoreError
    from bmadgen.store.db import open_store
    from bmadgen.store.migrations import MIGRATIONS

    size = sum(
        p.stat().st_size
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
        if p.is_file()
    )
    info = StoreInfo(path=str(path), exists=path.is_file(), size_bytes=size, schema_applied=0,
                     schema_known=len(MIGRATIONS))
    if not info.exists:
        return info
    try:
        with open_store(path, migrate=False) as store:
            info.schema_applied = store.scalar("SELECT count(*) FROM _migrations") or 0
            for table in ("projects", "memories", "tasks"):
                if store.scalar("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                                (table,)):
                    setattr(info, table, store.scalar(f"SELECT count(*) FROM {table}"))
            verdict = store.scalar("PRAGMA quick_check")
            if verdict != "ok":
                info.error = f"quick_check: {verdict}"
    except StoreError as exc:
        info.error = exc.one_line()
    return info


def check_git() -> str | None:
    exe = shutil.which("git")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10,
                             check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.strip().removeprefix("git version ").strip()


def check_docker(timeout: float = DOCKER_TIMEOUT_S) -> tuple[str | None, str]:
    """(engine version or None, what happened). The docker SDK is imported only here."""
    try:
        import docker
    except ImportError:
        return None, "the docker Python package is not installed"
    try:
        client = docker.from_env(timeout=timeout)
        try:
            version = client.version().get("Version", "unknown")
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"; say why in one line
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, f"no Docker engine reachable ({reason[:160]})"
    from bmadgen.settings import get_settings

    host = get_settings().docker_host or "the local socket"
    return version, f"engine {version} at {host}"


def run(*, store_path: Path | None = None, docker: bool = True) -> DoctorReport:
    from bmadgen.store.db import bmadgen_home, default_db_path

    path = Path(store_path) if store_path else default_db_path()
    store = check_store(path)
    git = check_git()
    docker_version, docker_detail = check_docker() if docker else (None, "not checked")
    from bmadgen.settings import get_settings

    settings = get_settings()
    keys = list(settings.provider_keys)
    checks = [
        Check(name="python", status="ok" if sys.version_info >= (3, 11) else "fail",
              detail=platform.python_version()),
        _store_check(store),
        Check(name="git", status="ok" if git else "fail",
              detail=f"git {git}" if git else "git not found on PATH (apt-get install git)"),
        _docker_check(docker, docker_version, docker_detail),
        Check(name="llm keys", status="ok" if keys else "warn",
              detail=", ".join(keys) if keys
              else "no provider key set; the offline provider fills documents from templates"),
        _key_storage_check(settings.data_home()),
    ]
    return DoctorReport(
        bmadgen_version=__version__,
        python=platform.python_version(),
        platform=platform.platform(terse=True),
        home=str(bmadgen_home()),
        store=store,
        git=git,
        docker=docker_version,
        llm_provider_keys=keys,
        checks=checks,
    )


def _key_storage_check(home: Path) -> Check:
    """Where stored provider keys are sealed: the master key in the OS keyring, or (on a
    machine without one) in a file with mode 0600 beside the store."""
    from bmadgen.llm import keys

    stored = keys.stored_providers(home) if (home / keys.KEYS_FILENAME).exists() else []
    what = f"{len(stored)} stored key(s) ({', '.join(stored)})" if stored else "no stored keys"
    if keys.backend(home) == "keyring":
        return Check(name="key storage", status="ok",
                     detail=f"{what}; master key in the OS keyring")
    return Check(name="key storage", status="ok" if not stored else "warn",
                 detail=f"{what}; no OS keyring works here, so the master key is a file with "
                        f"mode 0600 at {home / keys.MASTER_FILENAME}")


def _docker_check(checked: bool, version: str | None, detail: str) -> Check:
    if not checked:
        return Check(name="docker", status="ok", detail="not checked (--no-docker)")
    if version:
        return Check(name="docker", status="ok", detail=detail)
    return Check(name="docker", status="warn",
                 detail=f"{detail}; gates fall back to the local backend, which does not isolate")


def _store_check(store: StoreInfo) -> Check:
    if store.error:
        return Check(name="store", status="fail", detail=store.error)
    if not store.exists:
        return Check(name="store", status="ok",
                     detail=f"{store.path} (not created yet; the first command creates it)")
    pending = store.schema_known - store.schema_applied
    detail = (f"{store.path}, {store.size_bytes / 1e6:.1f} MB, schema "
              f"{store.schema_applied}/{store.schema_known}")
    if pending:
        detail += f" ({pending} migration(s) will apply on the next command)"
    return Check(name="store", status="ok", detail=detail)
