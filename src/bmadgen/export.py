"""Export a whole project (tasks with notes, memories, handoffs) as JSON or Markdown.

The file is written atomically: a temporary file in the same folder, flushed to disk, then
renamed over the target, so an interrupted export never leaves half a file behind. A FIFO is
written into (a reader waits on it); a device or a socket is refused, never replaced.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from bmadgen import __version__
from bmadgen.errors import InvalidInput, NotFound
from bmadgen.fsutil import os_error, write_bytes_atomic
from bmadgen.models import Memory, Project, Task
from bmadgen.store import Store

ExportFormat = Literal["md", "json"]
FORMATS: tuple[str, ...] = ("md", "json")


class HandoffRecord(BaseModel):
    id: int
    phase: str | None
    content: str
    created_at: float


class ProjectExport(BaseModel):
    bmadgen_version: str
    exported_at: float
    project: Project
    tasks: list[Task]
    memories: list[Memory]
    handoffs: list[HandoffRecord]


def collect(store: Store, project: Project, *, now: float | None = None) -> ProjectExport:
    """Everything stored for one project, oldest first."""
    from bmadgen import tasks  # here: the safe writer below is used without the task layer

    all_tasks = tasks.list_tasks(store, project.id, limit=tasks.MAX_LIMIT)
    task_items = list(all_tasks.items)
    while len(task_items) < all_tasks.total:
        task_items += tasks.list_tasks(store, project.id, limit=tasks.MAX_LIMIT,
                                       offset=len(task_items)).items
    memories = [
        Memory(**dict(row))
        for row in store.query(
            "SELECT id, project_id, kind, title, content, importance, task_id, file_path, "
            "line_start, line_end, created_at FROM memories WHERE project_id = ? ORDER BY id",
            (project.id,),
        )
    ]
    handoffs = [
        HandoffRecord(**dict(row))
        for row in store.query(
            "SELECT id, phase, content, created_at FROM handoffs WHERE project_id = ? ORDER BY id",
            (project.id,),
        )
    ]
    return ProjectExport(
        bmadgen_version=__version__,
        exported_at=time.time() if now is None else now,
        project=project,
        tasks=sorted(task_items, key=lambda t: t.id),
        memories=memories,
        handoffs=handoffs,
    )


def render(data: ProjectExport, fmt: str) -> str:
    if fmt == "json":
        return data.model_dump_json(indent=2) + "\n"
    if fmt == "md":
        return render_markdown(data)
    raise InvalidInput(f"invalid export format {fmt!r}; choose one of: {', '.join(FORMATS)}")


def _stamp(ts: float | None) -> str:
    import datetime as dt

    return "-" if ts is None else dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _quote(text: str) -> list[str]:
    """User text as a Markdown block quote, so headings or lists in it stay inside the item."""
    return ["> " + line if line else ">" for line in text.splitlines()] or [">"]


def render_markdown(data: ProjectExport) -> str:
    p = data.project
    out = [f"# {p.name}", "", f"- type: {p.type}", f"- status: {p.status}",
           f"- created: {_stamp(p.created_at)}",
           f"- exported: {_stamp(data.exported_at)} (bmadgen {data.bmadgen_version})"]
    if p.description:
        out += ["", *_quote(p.description)]
    out += ["", f"## Tasks ({len(data.tasks)})"]
    for t in data.tasks:
        out += ["", f"### #{t.id} {t.title}", "",
                f"- status: {t.status}, priority: {t.priority}, progress: {t.progress}%"]
        if t.parent_id:
            out.append(f"- parent: #{t.parent_id}")
        if t.completed_at:
            out.append(f"- completed: {_stamp(t.completed_at)}")
        if t.description:
            out += ["", *_quote(t.description)]
        for note in t.notes:
            out.append(f"- {_stamp(note.created_at)} {note.kind}: {' '.join(note.text.split())}")
    out += ["", f"## Memories ({len(data.memories)})"]
    for m in data.memories:
        title = f" {m.title}" if m.title else ""
        out += ["", f"### #{m.id}{title}", "",
                f"- {m.kind}, {m.importance}, {_stamp(m.created_at)}"]
        if m.file_path:
            lines = f":{m.line_start}-{m.line_end}" if m.line_start else ""
            out.append(f"- file: {m.file_path}{lines}")
        if m.task_id:
            out.append(f"- task: #{m.task_id}")
        out += ["", *_quote(m.content)]
    out += ["", f"## Handoffs ({len(data.handoffs)})"]
    for h in data.handoffs:
        phase = f" ({h.phase})" if h.phase else ""
        out += ["", f"### {_stamp(h.created_at)}{phase}", "", *_quote(h.content)]
    return "\n".join(out) + "\n"


def _target(path: Path) -> str:
    """What `path` is as an export target: 'new', 'file' (replaced atomically) or 'fifo'
    (written into, as a shell redirection would). A folder, a device, a socket and a missing
    parent folder are refused before anything is rendered or written."""
    try:
        mode = os.stat(path).st_mode  # follows a link: a link to a FIFO is written into it
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise NotFound(f"the folder {path.parent} does not exist") from None
        return "new"
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"cannot export to {str(path)!r}: "
                           f"{getattr(exc, 'strerror', None) or exc}") from exc
    if stat.S_ISDIR(mode):
        raise InvalidInput(f"{path} is a folder; give a file name to export to")
    if stat.S_ISFIFO(mode):
        return "fifo"
    if not stat.S_ISREG(mode):
        kind = "a socket" if stat.S_ISSOCK(mode) else "a device"
        raise InvalidInput(
            f"{path} is {kind}, not a file; an export replaces only regular files (or writes "
            "into a FIFO)", hint="give a file name, or leave out -o and redirect standard output")
    return "file"


def _write_into_fifo(path: Path, content: str | bytes) -> None:
    """Write into a FIFO a person set up (waits, like `>`, until something reads it)."""
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISFIFO(os.fstat(fd).st_mode):  # replaced since it was checked
            raise InvalidInput(f"{path} changed while it was opened; nothing was written")
        data = memoryview(content.encode("utf-8") if isinstance(content, str) else content)
        while data:
            data = data[os.write(fd, data):]
    finally:
        os.close(fd)


def check_target(path: Path) -> Path:
    """Refuse, before any work, an export target that is a folder, a device, a socket or in a
    missing folder (the same checks `write_atomic` makes)."""
    path = Path(path).expanduser()
    _target(path)
    return path


def write_atomic(path: Path, content: str | bytes) -> Path:
    """Write `content` (text as UTF-8, or bytes) to `path` all at once (a FIFO is written
    into); refuses a folder, a device and a missing parent folder."""
    path = Path(path).expanduser()
    kind = _target(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        if kind == "fifo":
            _write_into_fifo(path, data)
        else:
            write_bytes_atomic(path, data, durable=True)
    except OSError as exc:
        raise os_error(exc, f"write {path}") from exc
    return path


def export_project(store: Store, project: Project, fmt: str = "md",
                   output: Path | None = None) -> str:
    """Render the project; write it to `output` when given. Returns the rendered text."""
    if fmt not in FORMATS:
        raise InvalidInput(f"invalid export format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if output is not None:
        _target(Path(output).expanduser())  # fail before the work
    text = render(collect(store, project), fmt)
    if output is not None:
        write_atomic(Path(output), text)
    return text
