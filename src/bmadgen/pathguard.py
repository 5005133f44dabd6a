"""One check for every path bmadgen reads from a project (or a person) before it uses it.

A path that comes from disk (a journal, a manifest, a marker file) or from a person is data,
not a place bmadgen may go: before it is read, written, moved or deleted it must be a relative
POSIX path that stays inside the project folder, lexically (not absolute, no `..`, no NUL, no
backslash) and on disk (no symbolic link on the way that leads out of the folder).

    inside(root, relpath, what)          -> the Path under root, or InvalidInput naming `what`
    problem(root, relpath)               -> why not (one line), or None
    lexical_problem(relpath)             -> the same without looking at the disk

`links=False` also refuses a link that stays inside (writes never go through links). The
folder `root` itself may be reached through links (say /tmp -> /private/tmp); only what lies
below it is checked.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path, PurePosixPath, PureWindowsPath

from bmadgen.errors import InvalidInput

MAX_PATH_LENGTH = 4096


def lexical_problem(relpath: object) -> str | None:
    """Why `relpath` is not a relative path that stays below its folder, from the text alone."""
    if not isinstance(relpath, str):
        return f"{relpath!r} is not a path (a {type(relpath).__name__}, not text)"
    if not relpath:
        return "an empty path"
    if len(relpath) > MAX_PATH_LENGTH:
        return f"a path of {len(relpath)} characters (the limit is {MAX_PATH_LENGTH})"
    if "\x00" in relpath:
        return f"{relpath!r} contains a NUL character"
    if "\\" in relpath:
        return f"{relpath!r} contains a backslash (bmadgen writes '/' paths)"
    if relpath.startswith("/") or PureWindowsPath(relpath).drive:
        return f"{relpath!r} is absolute; only paths inside the project are allowed"
    parts = PurePosixPath(relpath).parts
    if ".." in parts:
        return f"{relpath!r} leaves the project (..)"
    if not parts or parts == (".",):
        return f"{relpath!r} names the project folder itself, not a file in it"
    return None


def _outside(target: Path, real_root: Path) -> bool:
    return target != real_root and real_root not in target.parents


def problem(root: Path, relpath: object, *, links: bool = True) -> str | None:
    """Why `relpath` may not be used below `root`, or None. Looks at every component on disk:
    a symbolic link leading outside `root` is refused (any link when `links` is False)."""
    lexical = lexical_problem(relpath)
    if lexical is not None:
        return lexical
    assert isinstance(relpath, str)
    try:
        real_root = Path(root).resolve()
        current = Path(root)
        parts = PurePosixPath(relpath).parts
        for depth, part in enumerate(parts, start=1):
            current = current / part
            if current.is_symlink():
                prefix = "/".join(parts[:depth])
                target = current.resolve()
                if _outside(target, real_root):
                    return f"{prefix}: is a symlink pointing outside the project ({target})"
                if not links:
                    return f"{prefix}: is a symlink; bmadgen does not write through links"
            elif not current.exists():
                break  # nothing below a missing component exists either
    except (OSError, RuntimeError) as exc:  # a link loop, a name too long for the system
        return f"{relpath!r} cannot be checked: {exc}"
    return None


def inside(root: Path, relpath: object, what: str, *, links: bool = True) -> Path:
    """`root / relpath` when `relpath` passes `problem`, else InvalidInput naming `what` (the
    file the path was read from, or the option it was given with)."""
    found = problem(root, relpath, links=links)
    if found is not None:
        raise InvalidInput(f"refusing a path from {what}", details=[found],
                           hint=f"bmadgen only uses paths inside {os.fspath(root)}")
    assert isinstance(relpath, str)
    return Path(root) / relpath


def problems(root: Path, relpaths: Iterable[object], *, links: bool = True) -> list[str]:
    """Every distinct problem of `relpaths` (a folder link is reported once, not per file)."""
    found: list[str] = []
    for relpath in relpaths:
        text = problem(root, relpath, links=links)
        if text is not None and text not in found:
            found.append(text)
    return found
