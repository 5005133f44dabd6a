"""The pristine generator output, kept beside the user's tree for 3-way merges.

One JSON file per owner under `.bmadgen/generated/`: `skeleton.json` for the app skeleton and
`slices/<name>.json` for each slice, each mapping a project path to the content bmadgen last
generated there. They are committed with the code, so every commit carries its own merge base.

They are read back from the project, so they are data: the file itself and every path in it
pass the path guard, and a slice manifest is named like a slice, before anything uses them.
"""

from __future__ import annotations

import json
from pathlib import Path

from bmadgen import pathguard
from bmadgen.errors import InvalidInput
from bmadgen.validation import identifier

MANIFEST_DIR = ".bmadgen/generated"
FORMAT = 1


def manifest_path(owner: str) -> str:
    return f"{MANIFEST_DIR}/skeleton.json" if owner == "" else f"{MANIFEST_DIR}/slices/{owner}.json"


def dump(stack: str, files: dict[str, str]) -> str:
    data = {"format": FORMAT, "stack": stack, "files": dict(sorted(files.items()))}
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def load_owner(project: Path, owner: str) -> dict[str, str] | None:
    """The pristine files of `owner` (None when it was never generated or the manifest is not
    one); InvalidInput when the manifest names a path outside the project."""
    relpath = manifest_path(owner)
    path = pathguard.inside(project, relpath, relpath)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
    except (ValueError, KeyError, TypeError, RecursionError):
        return None
    if not isinstance(files, dict):
        return None
    problems = [p for p in (pathguard.lexical_problem(k) for k in files) if p is not None]
    if problems:
        raise InvalidInput(f"refusing a path from {relpath}", details=problems[:5],
                           hint="bmadgen only uses paths inside the project; restore the file "
                           "from git (git checkout -- FILE)")
    return {str(k): str(v) for k, v in files.items()}


def generated_slices(project: Path) -> list[str]:
    folder = pathguard.inside(project, f"{MANIFEST_DIR}/slices", MANIFEST_DIR)
    if not folder.is_dir():
        return []
    names = sorted(p.stem for p in folder.glob("*.json"))
    for name in names:
        identifier(name, f"{MANIFEST_DIR}/slices/{name}.json: the slice name")
    return names
