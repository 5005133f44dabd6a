"""A workflow project's folder: where it is, and writing a file inside it safely."""

from __future__ import annotations

from pathlib import Path

from bmadgen.errors import EnvironmentUnavailable, InvalidInput, NotFound
from bmadgen.fsutil import write_text_atomic
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
    """Write atomically: a reader sees the old file or the new one, never half of one."""
    target = (folder / relpath).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise InvalidInput(f"refusing to write outside the project folder: {relpath}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(target, content)
    except OSError as exc:
        raise EnvironmentUnavailable(f"cannot write {relpath}: {exc.strerror or exc}") from exc
