"""Three-way merge of one file with `git merge-file`: the user's edits and the template's."""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bmadgen.errors import EnvironmentUnavailable

LABELS = ("yours", "generated before", "generated now")


@dataclass(frozen=True)
class MergeResult:
    content: str
    conflicts: int


def merge3(current: str, base: str, new: str) -> MergeResult:
    """Apply base->new to current. Clashing hunks become conflict markers (yours vs generated)."""
    with tempfile.TemporaryDirectory(prefix="bmadgen-merge-") as folder:
        paths = []
        for name, text in (("current", current), ("base", base), ("new", new)):
            path = Path(folder) / name
            path.write_bytes(text.encode("utf-8"))
            paths.append(str(path))
        args = ["git", "merge-file", "-p"]
        for label in LABELS:
            args += ["-L", label]
        try:
            proc = subprocess.run(args + paths, capture_output=True, check=False)
        except FileNotFoundError as exc:
            raise EnvironmentUnavailable("git is not available", hint="install git") from exc
    if proc.returncode < 0 or proc.returncode > 127:
        raise EnvironmentUnavailable(f"git merge-file failed: {proc.stderr.decode(errors='replace')}")
    return MergeResult(proc.stdout.decode("utf-8", errors="surrogateescape"), proc.returncode)


def has_conflict_markers(text: str) -> bool:
    lines = text.splitlines()
    return any(line.startswith("<<<<<<< ") for line in lines) and any(
        line.startswith(">>>>>>> ") for line in lines
    )
