"""What every sandbox backend offers, and the records they return."""

from __future__ import annotations

import abc
import io
import os
import tarfile
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel

# Inside every sandbox the app lives here; gates write reports under OUT_DIR.
APP_DIR = "/scratch/app"
OUT_DIR = "/scratch/out"
HOME_DIR = "/scratch/home"

# Never copied into a sandbox: caches, VCS data and bulky folders that no gate reads.
COPY_EXCLUDES = frozenset({
    ".git", ".venv", "venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
    "mutants", "node_modules", ".bmadgen", "htmlcov", ".coverage", ".tox", ".nox",
})

ExecOutcome = Literal["ok", "timeout", "out of memory", "resource limit", "sandbox error"]


class ExecResult(BaseModel):
    """One command run inside a sandbox. `exit_code` is None when it never produced one."""

    command: str
    exit_code: int | None
    stdout: str
    stderr: str
    duration_s: float
    outcome: ExecOutcome = "ok"
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok" and self.exit_code == 0


class SandboxInfo(BaseModel):
    """A sandbox as `bmadgen sandbox list` shows it."""

    id: str
    name: str
    backend: str
    project: str
    run_id: str
    status: str
    created: str
    owner_pid: int | None = None
    image: str = ""


class SandboxUsage(BaseModel):
    cpu_s: float = 0.0
    peak_memory_mb: float = 0.0
    wall_s: float = 0.0
    exec_count: int = 0


class Sandbox(abc.ABC):
    """A place to run gate commands against one copy of the app."""

    backend: str = "?"
    isolated: bool = False

    @abc.abstractmethod
    def exec(self, command: str, *, timeout_s: float, workdir: str = APP_DIR) -> ExecResult:
        """Run a shell command with a hard timeout; never raises for the command's own failure."""

    @abc.abstractmethod
    def fetch(self, path: str, dest: Path) -> Path:
        """Copy a folder out of the sandbox into `dest` (refusing hostile entries)."""

    @abc.abstractmethod
    def push(self, source: Path, path: str) -> None:
        """Copy a host folder's files into the sandbox at `path` (created if missing)."""

    @abc.abstractmethod
    def usage(self) -> SandboxUsage: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_app_files(root: Path):
    """The files of an app that go into a sandbox, relative to `root`, in a stable order."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if d not in COPY_EXCLUDES and not d.endswith(".egg-info")
        )
        for name in sorted(filenames):
            if name in COPY_EXCLUDES or name.endswith((".pyc", ".pyo")):
                continue
            full = Path(dirpath) / name
            if full.is_symlink():
                continue  # a link could point anywhere on the host: never follow one out
            yield full.relative_to(root)


def app_tarball(root: Path, *, everything: bool = False) -> bytes:
    """A tar of the app's files (no links, no owners) ready to stream into a sandbox.

    `everything` keeps what COPY_EXCLUDES leaves out (for a tool's cache folder).
    """
    buffer = io.BytesIO()
    files = (
        (p.relative_to(root) for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink())
        if everything else iter_app_files(root)
    )
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for rel in files:
            info = tar.gettarinfo(str(root / rel), arcname=str(rel))
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with open(root / rel, "rb") as fh:
                tar.addfile(info, fh)
    return buffer.getvalue()


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host (owned by anyone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by another user
        return True
    return True
