"""A workflow project's folder: where it is, making it, and writing a file inside it safely."""

from __future__ import annotations

from pathlib import Path

from bmadgen import pathguard
from bmadgen.errors import Conflict, EnvironmentUnavailable, InvalidInput, NotFound
from bmadgen.fsutil import disk_nearly_full, os_error, write_text_atomic
from bmadgen.models import NextAction, Project


def project_folder(project: Project) -> Path:
    if not project.path:
        raise NotFound(f"project {project.name!r} has no folder",
                       hint="only projects created by the workflow have one; create one",
                       action=NextAction(kind="create_project"))
    folder = Path(project.path)
    if not folder.is_dir():
        raise NotFound(f"the folder of project {project.name!r} ({folder}) does not exist")
    return folder


def write_file(folder: Path, relpath: str, content: str) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of one. A full
    disk or a read-only folder is one error line (exit 7), and leaves no temporary file."""
    # The path guard: no absolute path, no `..`, and no link on the way (writes never go
    # through links, so a document replaced by a link to a file elsewhere is refused).
    target = pathguard.inside(folder, relpath, "the project folder", links=False)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(target, content)
    except OSError as exc:
        error = os_error(exc, f"write {relpath}")
        if not isinstance(error, EnvironmentUnavailable):  # the project folder is no input
            error = EnvironmentUnavailable(f"cannot write {relpath}: {exc.strerror or exc}")
        raise error from exc


def ignore_locally(folder: Path, relpath: str) -> None:
    """Have git ignore `relpath` in this clone only (.git/info/exclude): for files that hold
    this machine's state, which neither belong in the history nor in a shared .gitignore."""
    info = folder / ".git" / "info"
    if not (folder / ".git").is_dir():
        return
    exclude = info / "exclude"
    line = "/" + relpath
    current = exclude.read_text(encoding="utf-8") if exclude.is_file() else ""
    if line in current.splitlines():
        return
    info.mkdir(parents=True, exist_ok=True)
    separator = "" if not current or current.endswith("\n") else "\n"
    exclude.write_text(f"{current}{separator}{line}\n", encoding="utf-8")


def create_project_folder(folder: Path) -> bool:
    """Make a new project's folder (and its parents); True when this call created it. A folder
    that exists must be empty; one that cannot be made is one error line, not a traceback."""
    try:
        str(folder).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"the folder name {str(folder)!r} is not valid UTF-8",
                           hint="pick a folder whose name is plain text (--dir)") from None
    try:
        existed = folder.exists()
        if existed and (not folder.is_dir() or any(folder.iterdir())):
            raise Conflict(f"{folder} exists and is not an empty folder",
                           hint="pick another --dir or remove the folder")
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise os_error(exc, f"create the project folder {folder}") from exc
    return not existed


def remove_created(folder: Path, created: bool) -> None:
    """Undo `create_project_folder` and what was put in the folder since (it was empty)."""
    import shutil

    if created:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for child in folder.iterdir() if folder.is_dir() else []:
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def init_repo(folder: Path) -> None:
    """Make `folder` a git repository; git's failure (a full disk ...) is one error line."""
    import git

    from bmadgen import vcs

    try:
        vcs.open_repo(folder, create=True)
    except git.GitError as exc:
        reason = " ".join(str(getattr(exc, "stderr", "") or exc).split())
        if disk_nearly_full(folder) is not None or "No space left" in reason:
            raise EnvironmentUnavailable(f"git could not create a repository in {folder}: the "
                                         "disk is full", hint="free some space on it") from exc
        raise EnvironmentUnavailable(
            f"git could not create a repository in {folder}: {reason[:300]}") from exc
    except OSError as exc:
        raise os_error(exc, f"create a git repository in {folder}") from exc
