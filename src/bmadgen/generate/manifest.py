"""The pristine generator output, kept beside the user's tree for 3-way merges.

One JSON file per owner under `.bmadgen/generated/`: `skeleton.json` for the app skeleton and
`slices/<name>.json` for each slice, each mapping a project path to the content bmadgen last
generated there. They are committed with the code, so every commit carries its own merge base.
"""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST_DIR = ".bmadgen/generated"
FORMAT = 1


def manifest_path(owner: str) -> str:
    return f"{MANIFEST_DIR}/skeleton.json" if owner == "" else f"{MANIFEST_DIR}/slices/{owner}.json"


def dump(stack: str, files: dict[str, str]) -> str:
    data = {"format": FORMAT, "stack": stack, "files": dict(sorted(files.items()))}
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def load_owner(project: Path, owner: str) -> dict[str, str] | None:
    path = project / manifest_path(owner)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(files, dict):
        return None
    return {str(k): str(v) for k, v in files.items()}


def generated_slices(project: Path) -> list[str]:
    folder = project / MANIFEST_DIR / "slices"
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.json"))
