"""Projects: create, find, list, update, archive, and which one is current."""

from __future__ import annotations

import json
import time
from pathlib import Path

from bmadgen.errors import BmadgenError, Conflict, InvalidInput, NotFound
from bmadgen.fsutil import read_user_text
from bmadgen.models import MAX_DESCRIPTION, MAX_NAME, NextAction, Page, Project
from bmadgen.store import Store
from bmadgen.validation import MAX_INT, clean_line, clean_text, int_in_range, page_bounds

MARKER_DIR = ".bmadgen"
MARKER_FILE = "project.json"
MARKER_RELPATH = f"{MARKER_DIR}/{MARKER_FILE}"
MARKER_MAX_BYTES = 64 * 1024  # a marker holds a name and an id
CURRENT_KEY = "current_project"


def _row_to_project(row) -> Project:
    return Project(**dict(row))


def create(
    store: Store,
    name: str,
    *,
    type: str = "generic",
    description: str = "",
    path: Path | str | None = None,
) -> Project:
    name = clean_line(name, "project name", max_len=MAX_NAME)
    description = clean_text(description, "description", max_len=MAX_DESCRIPTION, required=False)
    type = clean_line(type, "project type", max_len=64)
    now = time.time()
    with store.write() as conn:
        if conn.execute("SELECT 1 FROM projects WHERE name = ?", (name,)).fetchone():
            raise Conflict(f"a project named {name!r} already exists", hint="pick another name")
        cur = conn.execute(
            "INSERT INTO projects (name, type, description, path, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (name, type, description, str(path) if path else None, now, now),
        )
        project_id = int(cur.lastrowid or 0)
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (CURRENT_KEY, str(project_id)),
        )
    return get(store, project_id)


def _as_id(ref: int | str) -> int | None:
    """The id a reference names: an int, or a string of ASCII digits that fits in the store
    (a longer number, or digits such as '²', can only be a name)."""
    if isinstance(ref, int):
        return ref
    if ref.isascii() and ref.isdigit() and len(ref) <= len(str(MAX_INT)) and int(ref) <= MAX_INT:
        return int(ref)
    return None


def get(store: Store, ref: int | str) -> Project:
    """Find a project by id or by name."""
    row = None
    project_id = _as_id(ref)
    if project_id is not None:
        row = store.query_one("SELECT * FROM projects WHERE id = ?", (project_id,))
    if row is None and isinstance(ref, str):
        row = store.query_one("SELECT * FROM projects WHERE name = ?", (ref,))
    if row is None:
        raise NotFound(f"no project {ref!r}", hint="list the projects",
                       action=NextAction(kind="list_projects"))
    return _row_to_project(row)


def list_projects(
    store: Store, *, include_archived: bool = False, only_archived: bool = False,
    limit: int = 50, offset: int = 0
) -> Page[Project]:
    page_bounds(limit, offset)
    where = ("WHERE status = 'archived'" if only_archived
             else "" if include_archived else "WHERE status = 'active'")
    total = store.scalar(f"SELECT count(*) FROM projects {where}")
    rows = store.query(
        f"SELECT * FROM projects {where} ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return Page[Project](
        items=[_row_to_project(r) for r in rows], total=total, limit=limit, offset=offset
    )


def update(
    store: Store,
    ref: int | str,
    *,
    name: str | None = None,
    type: str | None = None,
    description: str | None = None,
    path: Path | str | None = None,
) -> Project:
    project = get(store, ref)
    changes: dict[str, object] = {}
    if name is not None:
        changes["name"] = clean_line(name, "project name", max_len=MAX_NAME)
    if type is not None:
        changes["type"] = clean_line(type, "project type", max_len=64)
    if description is not None:
        changes["description"] = clean_text(
            description, "description", max_len=MAX_DESCRIPTION, required=False
        )
    if path is not None:
        changes["path"] = str(path)
    if not changes:
        raise InvalidInput("nothing to update", hint="pass --name, --type or --description")
    changes["updated_at"] = time.time()
    with store.write() as conn:
        if "name" in changes and conn.execute(
            "SELECT 1 FROM projects WHERE name = ? AND id != ?", (changes["name"], project.id)
        ).fetchone():
            raise Conflict(f"a project named {changes['name']!r} already exists")
        assignments = ", ".join(f"{column} = ?" for column in changes)
        conn.execute(
            f"UPDATE projects SET {assignments} WHERE id = ?", (*changes.values(), project.id)
        )
    return get(store, project.id)


def archive(store: Store, ref: int | str) -> Project:
    project = get(store, ref)
    with store.write() as conn:
        conn.execute(
            "UPDATE projects SET status = 'archived', updated_at = ? WHERE id = ?",
            (time.time(), project.id),
        )
    return get(store, project.id)


def use(store: Store, ref: int | str) -> Project:
    project = get(store, ref)
    with store.write() as conn:
        conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (CURRENT_KEY, str(project.id)),
        )
    return project


def find_marker(start: Path) -> Path | None:
    """The project marker file in `start` or the nearest folder above it."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / MARKER_DIR / MARKER_FILE
        if candidate.is_file():
            return candidate
    return None


def write_marker(folder: Path, project: Project) -> Path:
    marker = folder / MARKER_DIR / MARKER_FILE
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"project": project.name, "id": project.id}, indent=2) + "\n")
    return marker


def resolve_current(store: Store, explicit: str | None = None, cwd: Path | None = None) -> Project:
    """The project a command acts on: `--project`, else the marker above cwd, else the last used."""
    if explicit:
        return get(store, explicit)
    marker = find_marker(cwd or Path.cwd())
    if marker is not None:
        return _project_of_marker(store, marker)
    row = store.query_one("SELECT value FROM settings WHERE key = ?", (CURRENT_KEY,))
    if row is None:
        raise NotFound(
            "no current project",
            hint="create a project, or name one",
            action=NextAction(kind="create_project"),
        )
    return get(store, int(row[0]))


def _project_of_marker(store: Store, marker: Path) -> Project:
    """The project a marker names: by name, else by id (the project was renamed since)."""
    hint = "fix or delete the file, or pass --project"
    try:
        data = json.loads(read_user_text(marker, "the project marker",
                                         max_bytes=MARKER_MAX_BYTES))
        name = data["project"]
        marker_id = data.get("id")
        if not isinstance(name, str) or (marker_id is not None and not isinstance(marker_id, int)):
            raise TypeError("the name must be text and the id a number")
        if marker_id is not None:
            int_in_range(marker_id, "its id", low=1)
    except BmadgenError as exc:
        raise InvalidInput(f"the project marker {marker} cannot be used: {exc.message}",
                           hint=hint) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(
            f"the project marker {marker} is not valid JSON with a 'project' name",
            hint=hint,
        ) from exc
    try:
        return get(store, name)
    except NotFound:
        if marker_id is not None:
            try:
                return get(store, marker_id)
            except NotFound:
                pass
        raise NotFound(
            f"the project marker {marker} names project {name!r}, which is not in this store",
            hint="pass --project, or check BMADGEN_HOME",
        ) from None
