"""Drift: an approved document that changed on disk since its approval.

The approved phase goes back to awaiting approval (so the hand edit is reviewed and committed
by `phase approve`), and every later phase that had output is marked stale with the reason:
which file changed, after which phase's approval.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel

from bmadgen import pathguard
from bmadgen.definitions import Phase, Workflow
from bmadgen.store import Store
from bmadgen.workflow import state


class DriftFinding(BaseModel):
    phase: str
    changed: list[str]
    stale: list[str]
    reason: str


def expand(folder: Path, produces: list[str]) -> list[str]:
    """The files a phase produces: folders (ending in '/') expand to the files inside them,
    links included (never followed: `file_hash` judges them)."""
    out: list[str] = []
    for relpath in produces:
        if relpath.endswith("/"):
            base = folder / relpath
            if base.is_dir() and pathguard.problem(folder, relpath.rstrip("/")) is None:
                out += sorted(p.relative_to(folder).as_posix() for p in base.rglob("*")
                              if p.is_file() or p.is_symlink())
        else:
            out.append(relpath)
    return out


REFUSED = "refused: "


def file_hash(folder: Path, relpath: str) -> str | None:
    """The file's SHA-256; None when it does not exist. A path the guard refuses (a link out of
    the project) is not read: its "hash" names the problem, so it shows as a change."""
    problem = pathguard.problem(folder, relpath)
    if problem is not None:
        return f"{REFUSED}{problem}"
    try:
        return hashlib.sha256((folder / relpath).read_bytes()).hexdigest()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def hashes(folder: Path, phase: Phase) -> dict[str, str]:
    out = {}
    for relpath in expand(folder, phase.produces):
        digest = file_hash(folder, relpath)
        if digest is not None:
            out[relpath] = digest
    return out


def changed_files(folder: Path, phase: Phase, recorded: dict[str, str]) -> list[str]:
    current = hashes(folder, phase)
    names = sorted(set(current) | set(recorded))
    return [n for n in names if current.get(n) != recorded.get(n)]


def describe(folder: Path, changed: list[str]) -> str:
    parts = [f"{n} was deleted" if not (folder / n).exists() else f"{n} changed" for n in changed]
    return ", ".join(parts)


def detect(store: Store, project_id: int, folder: Path, flow: Workflow) -> list[DriftFinding]:
    findings = []
    for st in state.all_states(store, project_id):
        if st.status != "approved":
            continue
        phase = flow.phase(st.phase)
        changed = changed_files(folder, phase, st.approved_hashes)
        if not changed:
            continue
        what = describe(folder, changed)
        state.update(store, project_id, phase.id, status="awaiting_approval",
                     stale_reason=f"{what} by hand after approval; approve it to commit the edit")
        later = [p.id for p in flow.phases[flow.index(phase.id) + 1:]]
        reason = f"{what} after {phase.id} was approved"
        stale = state.mark_stale(store, project_id, later, reason)
        findings.append(DriftFinding(phase=phase.id, changed=changed, stale=stale, reason=reason))
    return findings
