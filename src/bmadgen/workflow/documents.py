"""The documents of a project: list them, show one (at a git revision), its history, its diff.

Documents are named by file stem (`prd`, `appspec`) or by their path; the Markdown files in
the project folder are the truth, git holds their history.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from bmadgen import definitions, vcs
from bmadgen.definitions import Phase, Workflow
from bmadgen.errors import InvalidInput, NotFound
from bmadgen.fsutil import read_project_text
from bmadgen.models import Project
from bmadgen.store import Store
from bmadgen.workflow import drift, state
from bmadgen.workflow.folder import project_folder
from bmadgen.workflow.state import PhaseStatus


class DocumentInfo(BaseModel):
    name: str
    path: str
    phase: str
    exists: bool
    phase_status: PhaseStatus
    changed_since_approval: bool


class DocumentCommit(BaseModel):
    sha: str
    short: str
    message: str
    author: str
    timestamp: int


def _documents(folder: Path, flow: Workflow) -> list[tuple[str, str, Phase]]:
    """(name, relative path, producing phase) for every document, named by file stem."""
    out = []
    for phase in flow.phases:
        for relpath in drift.expand(folder, phase.produces):
            name = relpath if relpath.startswith("prototype/") else Path(relpath).stem
            out.append((name, relpath, phase))
    return out


def _resolve(project: Project, name: str) -> tuple[Path, str, Phase]:
    folder = project_folder(project)
    docs = _documents(folder, definitions.workflow())
    for doc_name, relpath, phase in docs:
        if name in (doc_name, relpath):
            return folder, relpath, phase
    raise NotFound(f"no document {name!r}",
                   hint=f"documents are: {', '.join(d[0] for d in docs)}")


def list_documents(store: Store, project: Project) -> list[DocumentInfo]:
    flow = definitions.workflow()
    folder = project_folder(project)
    drift.detect(store, project.id, folder, flow)
    states = {s.phase: s for s in state.all_states(store, project.id)}
    out = []
    for name, relpath, phase in _documents(folder, flow):
        st = states[phase.id]
        approved = st.approved_hashes.get(relpath)
        out.append(DocumentInfo(
            name=name, path=relpath, phase=phase.id, exists=(folder / relpath).is_file(),
            phase_status=st.status,
            changed_since_approval=approved is not None
            and drift.file_hash(folder, relpath) != approved))
    return out


def show_document(project: Project, name: str, rev: str | None = None) -> str:
    folder, relpath, _ = _resolve(project, name)
    if rev:
        if rev.startswith("-"):
            raise InvalidInput(f"invalid revision {rev!r}")
        return vcs.file_at(folder, relpath, rev)
    try:  # the path guard first: a document replaced by a link out of the project is refused
        return read_project_text(folder, relpath, relpath, lenient=True)
    except NotFound:
        raise NotFound(f"{relpath} does not exist yet") from None


def document_history(project: Project, name: str, limit: int = 50) -> list[DocumentCommit]:
    folder, relpath, _ = _resolve(project, name)
    return [DocumentCommit(sha=c.sha, short=c.short, message=c.message, author=c.author,
                           timestamp=c.timestamp)
            for c in vcs.history(folder, relpath, limit=limit)]


def document_diff(project: Project, name: str, rev_a: str | None = None,
                  rev_b: str | None = None) -> str:
    folder, relpath, _ = _resolve(project, name)
    return vcs.diff(folder, relpath, rev_a, rev_b)
