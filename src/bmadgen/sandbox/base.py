"""What every sandbox backend offers, and the records they return."""

from __future__ import annotations

import abc
import errno
import hashlib
import io
import os
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Literal, Self

from pydantic import BaseModel

from bmadgen.errors import InvalidInput

# Inside every sandbox the app lives here; gates write reports under OUT_DIR.
APP_DIR = "/scratch/app"
OUT_DIR = "/scratch/out"
HOME_DIR = "/scratch/home"

# Never copied into a sandbox: caches, VCS data and bulky folders that no gate reads (in a git
# work tree, whatever .gitignore ignores is left out as well).
COPY_EXCLUDES = frozenset({
    ".git", ".venv", "venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
    "mutants", "node_modules", "htmlcov", ".coverage", ".tox", ".nox",
})
MAX_LISTED = 5  # items named in a message; the rest are counted

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
    def sweep(self) -> list[str]:
        """Kill every process that the commands run so far left behind (a test's background
        process, double-forked or in a session of its own); describe each one killed."""

    @abc.abstractmethod
    def reset(self) -> None:
        """Put the app copy, the home folder and /tmp back as they were when the sandbox
        started (a no-op when no command ran since), so that the next command reads exactly
        the app's snapshot and nothing an earlier command left there."""

    @abc.abstractmethod
    def usage(self) -> SandboxUsage: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _excluded(rel: PurePosixPath) -> bool:
    *folders, name = rel.parts
    return (any(d in COPY_EXCLUDES or d.endswith(".egg-info") for d in folders)
            or name in COPY_EXCLUDES or name.endswith((".pyc", ".pyo")))


def _git_listed(root: Path) -> list[str] | None:
    """What `git add -A` would commit in a work tree rooted at `root` (tracked files, and
    untracked ones .gitignore does not ignore); None when `root` is not one."""
    git = shutil.which("git")
    if git is None or not (root / ".git").exists():
        return None
    try:  # the repository's own config must not run a command (core.fsmonitor could)
        done = subprocess.run(
            [git, "-c", "core.fsmonitor=false", "-C", str(root), "ls-files", "-z", "--cached",
             "--others", "--exclude-standard"], capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return sorted({name for name in done.stdout.decode("utf-8", "surrogateescape").split("\0")
                   if name})


def _walked(root: Path) -> list[str]:
    """Every path under `root` outside the excluded folders (links included, never entered)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        dirnames[:] = [d for d in dirnames
                       if d not in COPY_EXCLUDES and not d.endswith(".egg-info")]
        for name in dirnames:
            if (Path(dirpath) / name).is_symlink():
                found.append((rel_dir / name).as_posix())  # os.walk never enters it
        found.extend((rel_dir / name).as_posix() for name in filenames)
    return sorted(found)


def some_of(items: list[str], shown: int = MAX_LISTED) -> str:
    """The first few items, and how many more there are."""
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return "; ".join(items[:shown]) + more


def app_files(root: Path) -> tuple[list[PurePosixPath], list[str]]:
    """The files of an app that go into a sandbox, relative to `root` in a stable order, and
    the symbolic links among the paths that would (`path -> target`).

    In a git work tree these are the files a commit would hold (.gitignore respected, `.git`
    never); elsewhere every file outside the excluded folders. Links are never followed: a
    link, or a file under a linked folder, is reported instead of copied.
    """
    listed = _git_listed(root)
    names = listed if listed is not None else _walked(root)
    files: list[PurePosixPath] = []
    links: dict[str, str] = {}
    for name in names:
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts or _excluded(rel):
            continue
        linked = next((PurePosixPath(*rel.parts[:n]) for n in range(1, len(rel.parts) + 1)
                       if (root / PurePosixPath(*rel.parts[:n])).is_symlink()), None)
        if linked is not None:
            links.setdefault(str(linked), os.readlink(root / linked))
            continue
        if (root / rel).is_file():  # a tracked file deleted from the folder is not there
            files.append(rel)
    return files, [f"{path} -> {target}" for path, target in sorted(links.items())]


def iter_app_files(root: Path) -> Iterator[PurePosixPath]:
    """The files of an app that go into a sandbox (links left out: see `app_files`)."""
    yield from app_files(root)[0]


class AppSnapshot:
    """The app's files, read once: what a gate run hashes, copies into its sandbox, and puts
    back between gates, so that every gate reads exactly the content its result is keyed by.

    A symbolic link in the app is refused: it would never be copied in (it could point
    anywhere on the host), so the code behind it would go unexamined while the gates passed.
    """

    def __init__(self, root: Path):
        self.root = Path(root)
        rels, links = app_files(self.root)
        if links:
            raise InvalidInput(
                f"{self.root} holds symbolic links, which are never copied into a sandbox, so "
                f"the gates would not examine what is behind them: {some_of(links)}",
                hint="replace each link with the file or folder itself (or, in a git "
                "repository, have .gitignore ignore it)",
            )
        self.files: list[tuple[str, int, int, bytes]] = []  # (path, mode, mtime, content)
        for rel in rels:
            path = self.root / rel
            try:
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            except OSError as exc:
                if exc.errno == errno.ELOOP:  # swapped for a link since it was listed
                    raise InvalidInput(f"{path} became a symbolic link while being read") from None
                raise
            with os.fdopen(fd, "rb") as fh:
                info = os.fstat(fh.fileno())
                self.files.append((rel.as_posix(), info.st_mode & 0o777, int(info.st_mtime),
                                   fh.read()))
        self._tarball: bytes | None = None

    def digests(self) -> dict[str, str]:
        return {path: hashlib.sha256(data).hexdigest() for path, _, _, data in self.files}

    def tarball(self) -> bytes:
        """A tar of the files (no links, no owners) ready to stream into a sandbox."""
        if self._tarball is None:
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w") as tar:
                for path, mode, mtime, data in self.files:
                    info = tarfile.TarInfo(path)
                    info.size, info.mode, info.mtime = len(data), mode, mtime
                    tar.addfile(info, io.BytesIO(data))
            self._tarball = buffer.getvalue()
        return self._tarball

    def write_to(self, folder: Path) -> None:
        for path, mode, mtime, data in self.files:
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            os.chmod(target, mode)
            os.utime(target, (mtime, mtime))


def app_tarball(root: Path) -> bytes:
    """A tar of every regular file under `root`, links left out (a tool's cache folder)."""
    buffer = io.BytesIO()
    files = (p.relative_to(root) for p in sorted(root.rglob("*"))
             if p.is_file() and not p.is_symlink())
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
