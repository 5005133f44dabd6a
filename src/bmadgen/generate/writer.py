"""Atomic application of a set of file writes and deletions to the project tree.

1. Stage every new content into `.bmadgen/tmp/<run>/` (inside the project, so renames stay on
   one file system). Like git's defaults, staged files are not fsynced one by one (that
   doubled the time of a 200-file run): an interrupted or killed process loses nothing, a
   power cut can lose what the OS had not flushed, as with git.
2. Write the journal `.bmadgen/generation-journal.json` (fsynced, written to a temporary name
   and renamed: this rename is the commit point).
3. Rename each staged file over its target, delete what goes, commit to git, drop the journal.

Interrupted before step 2, the tree is untouched and the staging folder is garbage. Interrupted
after it, the journal says what is left to do and `recover()` (run first by every generation
command) rolls the run forward. Each file is replaced by one rename, so no file is ever half
written. `_after_file_op` is a test seam called after every staged or renamed file (tests
replace it to interrupt a run at every point).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bmadgen import vcs
from bmadgen.errors import Conflict

STATE_DIR = ".bmadgen"
STAGING_DIR = f"{STATE_DIR}/tmp"
JOURNAL = f"{STATE_DIR}/generation-journal.json"
LOCK = f"{STATE_DIR}/generation.lock"


def _after_file_op(count: int) -> None:
    """Test seam, a no-op: `Transaction.apply` calls it after each file it stages, then after
    each staged file it renames into place, with the number of those operations so far.

    Tests replace this module attribute (`writer._after_file_op = ...`) in a child process to
    kill it at a chosen point (tests/generation/test_atomic_writes.py). Recovery never calls it.
    """


def _write(path: Path, data: bytes, *, durable: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
        if durable:
            handle.flush()
            os.fsync(handle.fileno())


@dataclass
class Transaction:
    project: Path
    message: str
    commit: bool = True  # False when conflicts are written: the user resolves, then commits
    writes: dict[str, str] = field(default_factory=dict)
    deletes: list[str] = field(default_factory=list)
    also_commit: list[str] = field(default_factory=list)  # e.g. the app spec it came from

    def apply(self) -> str | None:
        """Stage, journal, apply; returns the new commit's sha (None if no commit)."""
        run_id = uuid.uuid4().hex[:12]
        staging = self.project / STAGING_DIR / run_id
        moves = []
        for index, (relpath, content) in enumerate(sorted(self.writes.items())):
            staged = staging / str(index)
            _write(staged, content.encode("utf-8", errors="surrogateescape"))
            moves.append([staged.relative_to(self.project).as_posix(), relpath])
            _after_file_op(len(moves))
        journal = {
            "message": self.message,
            "commit": self.commit,
            "moves": moves,
            "deletes": sorted(self.deletes),
            "also_commit": sorted(self.also_commit),
            "staging": staging.relative_to(self.project).as_posix(),
        }
        journal_path = self.project / JOURNAL
        pending = journal_path.with_name(journal_path.name + f".{run_id}")
        _write(pending, json.dumps(journal, indent=1).encode(), durable=True)
        os.replace(pending, journal_path)  # the commit point
        return _roll_forward(self.project, journal, done=len(moves))


def _prune_empty_parents(project: Path, relpath: str) -> None:
    parent = (project / relpath).parent
    while parent != project and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def _roll_forward(project: Path, journal: dict, done: int | None = None) -> str | None:
    """Apply a journal. `done`: file operations this run did before (None when recovering)."""
    for staged, target in journal["moves"]:
        source = project / staged
        if source.exists():
            destination = project / target
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, destination)
            if done is not None:
                done += 1
                _after_file_op(done)
    for relpath in journal["deletes"]:
        path = project / relpath
        if path.is_file() or path.is_symlink():
            path.unlink()
        _prune_empty_parents(project, relpath)
    shutil.rmtree(project / journal["staging"], ignore_errors=True)
    sha = None
    if journal["commit"]:
        paths = sorted({target for _, target in journal["moves"]} | set(journal["deletes"])
                       | set(journal.get("also_commit", [])))
        sha = vcs.commit(project, journal["message"], paths)
    (project / JOURNAL).unlink(missing_ok=True)
    return sha


def recover(project: Path) -> bool:
    """Finish a run that was interrupted after its commit point; drop unjournaled staging.

    Returns True when a run was rolled forward.
    """
    journal_path = project / JOURNAL
    rolled = False
    if journal_path.is_file():
        try:
            journal = json.loads(journal_path.read_text(encoding="utf-8"))
        except ValueError:
            journal = None
        if journal is not None:
            _roll_forward(project, journal)
            rolled = True
        else:  # a torn journal cannot happen (it is renamed into place), but never loop on one
            journal_path.unlink()
    staging = project / STAGING_DIR
    if staging.is_dir():
        shutil.rmtree(staging, ignore_errors=True)
    for leftover in (project / STATE_DIR).glob("generation-journal.json.*"):
        leftover.unlink(missing_ok=True)
    return rolled


@contextmanager
def locked(project: Path) -> Iterator[None]:
    """Hold the project's generation lock: two runs at once would interleave their renames."""
    try:
        import fcntl
    except ImportError:  # no advisory locks on this platform: run unlocked
        yield
        return
    # Inside .git when it is a folder, so a refused run leaves the work tree untouched.
    git_dir = project / ".git"
    path = git_dir / "bmadgen-generation.lock" if git_dir.is_dir() else project / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise Conflict(
                "another bmadgen command is generating this project",
                hint="wait for it to finish, then run again",
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
