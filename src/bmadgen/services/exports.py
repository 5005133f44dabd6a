"""Sharing the plan: every document as one file (Markdown, HTML, PDF), and the stories in a
tracker's import format. Nothing is sent anywhere; a file is written whole or not at all."""

from __future__ import annotations

import tempfile
from pathlib import Path

from pydantic import BaseModel

from bmadgen import export as exporter
from bmadgen.errors import InvalidInput, NotFound
from bmadgen.fsutil import read_project_text
from bmadgen.models import NextAction
from bmadgen.services.session import Session
from bmadgen.share import stories
from bmadgen.share.redact import redact

DOC_FORMATS: tuple[str, ...] = ("md", "html", "pdf")
STORY_FORMATS: tuple[str, ...] = stories.FORMATS
PRD = "docs/prd.md"


class DocsExport(BaseModel):
    project: str
    format: str
    documents: list[str]  # titles, in the order they appear
    missing: list[str]
    output: str | None
    text: str | None  # md and html when no output file was given
    bytes_written: int


class StoriesExport(BaseModel):
    project: str
    format: str
    epics: int
    stories: int
    output: str | None
    text: str


def _check_output(output: Path | None) -> Path | None:
    return exporter.check_target(output) if output is not None else None


def export_docs(session: Session, fmt: str = "md", output: Path | None = None) -> DocsExport:
    """The project's documents in phase order with a table of contents. PDF needs `output`
    and Chromium; HTML and Markdown go to standard output when no file is given."""
    if fmt not in DOC_FORMATS:
        raise InvalidInput(f"invalid document format {fmt!r}; choose one of: "
                           f"{', '.join(DOC_FORMATS)}")
    if fmt == "pdf" and output is None:
        raise InvalidInput("a PDF needs a file: give --output FILE.pdf")
    target = _check_output(output)
    from bmadgen.share import chromium, documents  # markdown-it and the phases, only here

    project = session.project()
    folder = session.folder()
    bundle = documents.collect(folder, project.name)
    if not bundle.documents:
        raise NotFound(f"{project.name} has no documents yet",
                       action=NextAction(kind="run_phase", phase="vision",
                                         detail="the vision phase writes the brief"))
    if fmt == "md":
        content: str | bytes = redact(documents.render_markdown(bundle))
    else:
        content = redact(documents.render_html(bundle, folder))
        if fmt == "pdf":
            chromium.require()  # exit 7 before anything is written
            content = _pdf(content)
    if target is not None:
        exporter.write_atomic(target, content)
    return DocsExport(project=project.name, format=fmt,
                      documents=[d.title for d in bundle.documents], missing=bundle.missing,
                      output=str(target) if target is not None else None,
                      text=content if isinstance(content, str) and target is None else None,
                      bytes_written=len(content.encode() if isinstance(content, str)
                                        else content) if target is not None else 0)


def _pdf(html_text: str) -> bytes:
    from bmadgen.share import chromium

    with tempfile.TemporaryDirectory(prefix="bmadgen-pdf-") as tmp:
        page = Path(tmp) / "plan.html"
        page.write_text(html_text, encoding="utf-8")
        pdf = Path(tmp) / "plan.pdf"
        chromium.print_pdf(page, pdf)
        return pdf.read_bytes()


def export_stories(session: Session, fmt: str, output: Path | None = None) -> StoriesExport:
    """The PRD's epics and stories, with their acceptance criteria, in a tracker's format."""
    if fmt not in STORY_FORMATS:
        raise InvalidInput(f"unknown tracker format {fmt!r}; choose one of: "
                           f"{', '.join(STORY_FORMATS)}")
    target = _check_output(output)
    project = session.project()
    try:
        prd = read_project_text(session.folder(), PRD, PRD, lenient=True)
    except NotFound:
        raise NotFound(f"{project.name} has no PRD yet ({PRD}); the requirements phase "
                       "writes the epics and stories",
                       action=NextAction(kind="run_phase", phase="requirements")) from None
    epics = stories.parse_prd(prd)
    count = sum(len(e.stories) for e in epics)
    if count == 0:
        raise InvalidInput(f"{PRD} has no stories (#### Story N.M: ... under ### Epic N: ...)",
                           action=NextAction(kind="run_phase", phase="requirements"))
    text = redact(stories.render(epics, fmt))
    if target is not None:
        exporter.write_atomic(target, text)
    return StoriesExport(project=project.name, format=fmt, epics=len(epics), stories=count,
                         output=str(target) if target is not None else None, text=text)
