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

The journal is read back from the project, so it is data, never trusted: before anything is
replayed every path in it passes the path guard (inside the project, no link on the way, the
staging folder inside `.bmadgen/tmp/`, nothing in `.git/`, nothing git would read as a
pattern). A journal that fails is refused whole and nothing is touched.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from bmadgen import pathguard, vcs
from bmadgen.errors import BmadgenError, Conflict, InvalidInput

STATE_DIR = ".bmadgen"
STAGING_DIR = f"{STATE_DIR}/tmp"
JOURNAL = f"{STATE_DIR}/generation-journal.json"
MAX_JOURNAL_BYTES = 16 * 1024 * 1024  # paths only, never contents: 100 000 files fit
MAX_MESSAGE_LENGTH = 10_000
# Characters git reads as a pattern in a pathspec (a leading ':' is "magic", e.g. ':/' = all).
_PATHSPEC_PATTERN = frozenset("*?[")
_SHOWN_PROBLEMS = 5


def _after_file_op(count: int) -> None:
    """Test seam, a no-op: `Transaction.apply` calls it after each file it stages, then after
    each staged file it renames into place, with the number of those operations so far.

    Tests replace this module attribute (`writer._after_file_op = ...`) in a child process to
    kill it at a chosen point (tests/generation/test_atomic_writes.py). Recovery never calls it.
    """


def _write(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Create `path` (it must not exist; a link is never followed) with the mode the umask
    gives a new file, as any editor would: the rename keeps it for the file a person sees."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o666)
    with open(fd, "wb") as handle:
        handle.write(data)
        if durable:
            handle.flush()
            os.fsync(handle.fileno())


def _state_path(project: Path, relpath: str) -> Path:
    """A path of bmadgen's own state, refused when a link leads it anywhere (even inside)."""
    return pathguard.inside(project, relpath, f"the project's {STATE_DIR} folder", links=False)


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
        staging_rel = f"{STAGING_DIR}/{run_id}"
        moves = [[f"{staging_rel}/{index}", relpath]
                 for index, relpath in enumerate(sorted(self.writes))]
        journal = {
            "message": self.message,
            "commit": self.commit,
            "moves": moves,
            "deletes": sorted(self.deletes),
            "also_commit": sorted(self.also_commit),
            "staging": staging_rel,
        }
        # The same check recovery makes: a run never writes a journal it would refuse.
        problems = journal_problems(self.project, journal)
        if problems:
            raise _refusal(problems, "this run")
        journal_path = _state_path(self.project, JOURNAL)
        pending = journal_path.with_name(journal_path.name + f".{run_id}")
        try:
            for count, (staged, relpath) in enumerate(moves, start=1):
                content = self.writes[relpath]
                _write(self.project / staged, content.encode("utf-8", errors="surrogateescape"))
                _after_file_op(count)
            _write(pending, json.dumps(journal, indent=1).encode(), durable=True)
            os.replace(pending, journal_path)  # the commit point
        except OSError as exc:  # before the commit point: the tree is as it was; tidy up
            shutil.rmtree(self.project / staging_rel, ignore_errors=True)
            with suppress(OSError):
                pending.unlink()
            with suppress(OSError):
                (self.project / STAGING_DIR).rmdir()
            from bmadgen.fsutil import os_error

            raise os_error(exc, "stage the generated files (nothing was changed)") from exc
        try:
            return _roll_forward(self.project, journal, done=len(moves))
        except OSError as exc:  # after it: the journal finishes the run next time
            from bmadgen.fsutil import os_error

            error = os_error(exc, "apply the generated files")
            if isinstance(error, BmadgenError):
                error.hint = (error.hint + "; then " if error.hint else "") + \
                    "run the same command again: it finishes this run"
            raise error from exc


def _prune_empty_parents(project: Path, relpath: str) -> None:
    parent = (project / relpath).parent
    while parent != project and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def _roll_forward(project: Path, journal: dict[str, Any], done: int | None = None) -> str | None:
    """Apply a journal that passed `journal_problems`. `done`: file operations this run did
    before (None when recovering)."""
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
    with suppress(OSError):  # the staging root too, unless another run's folder is in it
        (project / STAGING_DIR).rmdir()
    sha = None
    if journal["commit"]:
        paths = sorted({target for _, target in journal["moves"]} | set(journal["deletes"])
                       | set(journal.get("also_commit", [])))
        sha = vcs.commit(project, journal["message"], paths)
    (project / JOURNAL).unlink(missing_ok=True)
    return sha


def _path_problem(project: Path, relpath: object, *, git: bool = True) -> str | None:
    """The guard's verdict on one path of a journal, plus what a journal may never name."""
    found = pathguard.problem(project, relpath, links=False)
    if found is not None:
        return found
    assert isinstance(relpath, str)
    parts = PurePosixPath(relpath).parts
    if parts[0] == ".git":
        return f"{relpath!r} is inside .git"
    if git and (relpath.startswith(":") or _PATHSPEC_PATTERN & set(relpath)):
        return f"{relpath!r} holds a character git reads as a pattern (: * ? [)"
    return None


def _string_list(journal: dict[str, Any], key: str, problems: list[str]) -> list[Any]:
    value = journal.get(key, [])
    if not isinstance(value, list):
        problems.append(f"{key}: a {type(value).__name__}, not a list")
        return []
    return value


def journal_problems(project: Path, journal: object) -> list[str]:
    """Why `journal` may not be replayed in `project`: every problem, none when it is sound."""
    if not isinstance(journal, dict):
        return [f"a {type(journal).__name__}, not a JSON object"]
    problems: list[str] = []
    unknown = sorted(set(journal) - {"message", "commit", "moves", "deletes", "also_commit",
                                     "staging"})
    if unknown:
        problems.append(f"unknown keys {unknown}")
    message = journal.get("message")
    if not isinstance(message, str) or len(message) > MAX_MESSAGE_LENGTH or "\x00" in message:
        problems.append("message: not a commit message")
    if not isinstance(journal.get("commit"), bool):
        problems.append("commit: not true or false")
    staging = journal.get("staging")
    staging_problem = _path_problem(project, staging, git=False)
    if staging_problem is None and PurePosixPath(str(staging)).parent != PurePosixPath(STAGING_DIR):
        staging_problem = f"staging {staging!r} is not a folder in {STAGING_DIR}/"
    if staging_problem is not None:
        problems.append(staging_problem)
    for move in _string_list(journal, "moves", problems):
        if not (isinstance(move, list) and len(move) == 2):
            problems.append(f"moves: {move!r} is not a [staged, target] pair")
            continue
        source, target = move
        found = _path_problem(project, source, git=False) or _path_problem(project, target)
        if found is None and PurePosixPath(source).parent != PurePosixPath(str(staging)):
            found = f"{source!r} is not in the staging folder {staging!r}"
        if found is not None:
            problems.append(found)
    for key in ("deletes", "also_commit"):
        for relpath in _string_list(journal, key, problems):
            found = _path_problem(project, relpath)
            if found is not None:
                problems.append(found)
    return list(dict.fromkeys(problems))


def _refusal(problems: list[str], source: str) -> InvalidInput:
    shown = problems[:_SHOWN_PROBLEMS]
    if len(problems) > len(shown):
        shown.append(f"and {len(problems) - len(shown)} more")
    return InvalidInput(
        f"refusing {JOURNAL} ({source}): it is not a journal bmadgen would write; nothing was "
        "done",
        details=shown,
        hint=f"read {JOURNAL}; if no bmadgen generation was interrupted here, delete it and run "
        "again",
    )


def _read_journal(project: Path) -> dict[str, Any] | None:
    """The interrupted run's journal, checked whole; None when there is none."""
    path = _state_path(project, JOURNAL)
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    source = "left by an interrupted run"
    if not stat.S_ISREG(info.st_mode):
        raise _refusal(["not a regular file"], source)
    if info.st_size > MAX_JOURNAL_BYTES:
        raise _refusal([f"{info.st_size} bytes (the limit is {MAX_JOURNAL_BYTES})"], source)
    try:
        journal = json.loads(path.read_bytes().decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise _refusal([f"not JSON: {exc}"], source) from exc
    problems = journal_problems(project, journal)
    if problems or not isinstance(journal, dict):
        raise _refusal(problems, source)
    return journal


def recover(project: Path) -> bool:
    """Finish a run that was interrupted after its commit point; drop unjournaled staging.

    Returns True when a run was rolled forward. A journal that fails the checks raises
    InvalidInput and nothing is touched.
    """
    state = _state_path(project, STATE_DIR)
    staging = _state_path(project, STAGING_DIR)
    journal = _read_journal(project)
    if journal is not None:
        _roll_forward(project, journal)
    if staging.is_dir():
        shutil.rmtree(staging, ignore_errors=True)
    if state.is_dir():
        for leftover in state.glob("generation-journal.json.*"):
            leftover.unlink(missing_ok=True)
    return journal is not None


@contextmanager
def locked(project: Path) -> Iterator[None]:
    """Hold the project's generation lock: two runs at once would interleave their renames.

    The lock is taken on the project folder itself, so taking it creates no file (a refused
    run leaves the folder exactly as it was)."""
    try:
        import fcntl
    except ImportError:  # no advisory locks on this platform: run unlocked
        yield
        return
    fd = os.open(project, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise Conflict(
                "another bmadgen command is generating this project",
                hint="wait for it to finish, then run again",
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
