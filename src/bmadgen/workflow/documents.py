"""The documents of a project: list them, show one (at a git revision), its history, its diff.

Documents are named by file stem (`prd`, `appspec`) or by their path; the Markdown files in
the project folder are the truth, git holds their history.
"""

from __future__ import annotations

import re
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


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def sections(text: str) -> list[tuple[int, str, str]]:
    """(level, title, the text under it to the next heading of the same or a higher level)
    for every Markdown heading of a document, in order. Fenced code is not read as headings."""
    lines = text.splitlines()
    heads: list[tuple[int, int, str]] = []  # (line number, level, title)
    fenced = False
    for number, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match:
            heads.append((number, len(match.group(1)), match.group(2)))
    out = []
    for i, (number, level, title) in enumerate(heads):
        end = next((n for n, lv, _ in heads[i + 1:] if lv <= level), len(lines))
        out.append((level, title, "\n".join(lines[number:end]).strip()))
    return out


def section_of(text: str, wanted: str, document: str) -> tuple[str, str]:
    """(title, text) of the first section of `document` whose title is `wanted`, else the
    first whose title starts with or contains it (case-insensitive)."""
    key = wanted.strip().lower().lstrip("#").strip()
    found = sections(text)
    for test in (str.__eq__, str.startswith, str.__contains__):
        for _, title, body in found:
            if key and test(title.lower(), key):
                return title, body
    raise NotFound(f"document {document!r} has no section {wanted!r}",
                   hint=f"sections are: {'; '.join(title for _, title, _ in found[:30])}")


def search_sections(text: str, query: str) -> list[tuple[int, str, str]]:
    """(score, title, text) of the innermost sections holding any of the query's words,
    scored by how many distinct words they hold, then how often."""
    words = {w for w in re.findall(r"\w+", query.lower()) if len(w) > 2}
    if not words:
        raise InvalidInput(f"the query {query!r} has no words to search for")
    out = []
    found = sections(text)
    for i, (level, title, body) in enumerate(found):
        following = found[i + 1] if i + 1 < len(found) else None
        own = body if following is None or following[0] <= level else \
            body.split("\n" + "#" * following[0] + " ", 1)[0]
        lowered = own.lower()
        present = [w for w in words if w in lowered]
        if present:
            score = 1000 * len(present) + sum(lowered.count(w) for w in present)
            out.append((score, title, own))
    return out
