"""Decide, file by file, what a generation run does to the project tree.

Inputs: what the templates produce now (`new`), what bmadgen generated last time (`base`, from
the manifest) and what is on disk (`current`). Nothing is written here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from bmadgen.generate.merge import has_conflict_markers, merge3
from bmadgen.generate.models import FileAction


@dataclass(frozen=True)
class PlannedFile:
    path: str
    owner: str
    action: FileAction
    content: str | None  # what to write (create/update/merged/conflict), else None


def read_current(project: Path, relpath: str) -> str | None:
    path = project / relpath
    try:
        return path.read_bytes().decode("utf-8", errors="surrogateescape")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


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
    """Problems with paths that would make a write land outside the project (symlinks, ..)."""
    root = project.resolve()
    problems = []
    seen: set[str] = set()
    for relpath in relpaths:
        parts = Path(relpath).parts
        if Path(relpath).is_absolute() or ".." in parts:
            problems.append(f"{relpath}: path leaves the project")
            continue
        for depth in range(1, len(parts) + 1):
            prefix = os.path.join(*parts[:depth])
            if prefix in seen:
                continue
            seen.add(prefix)
            candidate = project / prefix
            if candidate.is_symlink():
                target = candidate.resolve()
                if target != root and root not in target.parents:
                    problems.append(f"{prefix}: is a symlink pointing outside the project ({target})")
                else:
                    problems.append(f"{prefix}: is a symlink; bmadgen does not write through links")
                break
    return problems
