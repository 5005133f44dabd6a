"""Decide, file by file, what a generation run does to the project tree.

Inputs: what the templates produce now (`new`), what bmadgen generated last time (`base`, from
the manifest) and what is on disk (`current`). Nothing is written here.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from bmadgen import pathguard
from bmadgen.errors import InvalidInput
from bmadgen.generate.merge import has_conflict_markers, merge3
from bmadgen.generate.models import FileAction


@dataclass(frozen=True)
class PlannedFile:
    path: str
    owner: str
    action: FileAction
    content: str | None  # what to write (create/update/merged/conflict), else None


def read_current(project: Path, relpath: str, what: str = "the file plan") -> str | None:
    """The file's text on disk (None when there is none). A path that leads out of the
    project is refused (InvalidInput naming `what`), never read; so is anything that is not a
    regular file (a folder, a FIFO that would block, a device)."""
    path = pathguard.inside(project, relpath, what)
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except NotADirectoryError as exc:
        raise InvalidInput(f"cannot use {relpath}: a folder on its way is a file") from exc
    if not stat.S_ISREG(info.st_mode):
        raise InvalidInput(f"cannot use {relpath}: it is not a regular file")
    try:
        return path.read_bytes().decode("utf-8", errors="surrogateescape")
    except OSError as exc:
        raise InvalidInput(f"cannot read {relpath}: {exc.strerror or exc}") from exc


def plan_file(path: str, owner: str, new: str | None, base: str | None, current: str | None) -> PlannedFile:
    if new is None:  # no longer generated
        if current is None:
            return PlannedFile(path, owner, "unchanged", None)
        if current == base:
            return PlannedFile(path, owner, "delete", None)
        return PlannedFile(path, owner, "kept", None)
    if current is None:
        return PlannedFile(path, owner, "create", new)
    if current == new:
        return PlannedFile(path, owner, "unchanged", None)
    if current == base:
        return PlannedFile(path, owner, "update", new)
    if new == base:
        return PlannedFile(path, owner, "kept", None)
    merged = merge3(current, base or "", new)
    return PlannedFile(path, owner, "conflict" if merged.conflicts else "merged", merged.content)


def unresolved_conflicts(project: Path, paths: list[str]) -> list[str]:
    """Files that still hold conflict markers from an earlier run."""
    return [p for p in paths if has_conflict_markers(read_current(project, p) or "")]


def unsafe_paths(project: Path, relpaths: list[str]) -> list[str]:
    """Problems with paths that would make a write land outside the project (.., absolute) or
    go through a symlink (bmadgen never writes through links, even ones that stay inside)."""
    return pathguard.problems(project, relpaths, links=False)
