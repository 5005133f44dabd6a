"""The plan as one document: brief, PRD, front-end spec, architecture and stories in phase
order, with a table of contents, as Markdown or one self-contained HTML file (inline CSS,
images as data URIs, no network), which headless Chromium prints to PDF.

Documents are Markdown written by agents and people: in HTML they are data (raw HTML in them
is escaped, never interpreted), and an image that is not a file of the project is dropped
(its alt text kept), so the file never fetches anything.
"""

from __future__ import annotations

import base64
import os
import re
from html import escape
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bmadgen import definitions, pathguard
from bmadgen.errors import BmadgenError
from bmadgen.fsutil import read_project_text

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp"}
MAX_IMAGE_BYTES = 8 * 1024 * 1024
FRONT_END_SPEC = "docs/front-end-spec.md"
SHOTS = "prototype/shots"

CSS = """body { font: 15px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
  max-width: 880px; margin: 32px auto; padding: 0 24px; }
h1 { border-bottom: 2px solid #ddd; padding-bottom: 4px; }
section.document { page-break-before: always; }
nav.toc { background: #f6f6f6; border: 1px solid #ddd; border-radius: 8px; padding: 8px 24px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
code, pre { background: #f3f3f3; border-radius: 4px; }
pre { padding: 8px; overflow-x: auto; }
img { max-width: 100%; border: 1px solid #ddd; }
"""


class Document(BaseModel):
    id: str  # "brief", "prd", ...
    phase: str
    path: str  # relative to the project folder
    title: str  # its first heading
    markdown: str


class DocumentBundle(BaseModel):
    project: str
    documents: list[Document]
    missing: list[str]  # documents of the workflow not written yet, by path


def collect(folder: Path, project_name: str) -> DocumentBundle:
    """Every Markdown document the workflow produces, in phase order; the absent ones listed."""
    documents: list[Document] = []
    missing: list[str] = []
    for phase in definitions.workflow().phases:
        for relpath in phase.produces:
            if not relpath.endswith(".md"):
                continue
            try:
                text = read_project_text(folder, relpath, relpath, lenient=True)
            except BmadgenError:
                missing.append(relpath)
                continue
            if relpath == FRONT_END_SPEC:
                text = with_screenshots(folder, text)
            documents.append(Document(id=Path(relpath).stem, phase=phase.id, path=relpath,
                                      title=_title(text, relpath), markdown=text))
    return DocumentBundle(project=project_name, documents=documents, missing=missing)


def with_screenshots(folder: Path, spec: str) -> str:
    """The front-end spec with the prototype's screenshots (`bmadgen preview --shots` takes
    them into prototype/shots/) appended as a section, when there are any."""
    shots = sorted((folder / SHOTS).glob("*.png")) if (folder / SHOTS).is_dir() else []
    if not shots:
        return spec
    lines = ["", "## Prototype Screenshots", ""]
    for shot in shots:
        lines += [f"### {shot.stem}.html", "", f"![{shot.stem}.html](../{SHOTS}/{shot.name})", ""]
    return spec.rstrip() + "\n" + "\n".join(lines)


def _title(markdown: str, fallback: str) -> str:
    for line in markdown.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return fallback


def _anchor(doc: Document) -> str:
    return f"doc-{doc.id}"


def render_markdown(bundle: DocumentBundle) -> str:
    out = [f"# {bundle.project}: the plan", "", "## Contents", ""]
    out += [f"{n}. [{doc.title}](#{_anchor(doc)}) ({doc.phase}, `{doc.path}`)"
            for n, doc in enumerate(bundle.documents, start=1)]
    if bundle.missing:
        out += ["", "Not written yet: " + ", ".join(f"`{m}`" for m in bundle.missing)]
    for doc in bundle.documents:
        out += ["", "---", "", f'<a id="{_anchor(doc)}"></a>', "", doc.markdown.strip()]
    return "\n".join(out) + "\n"


def render_html(bundle: DocumentBundle, folder: Path) -> str:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def image(_renderer: Any, tokens: Any, idx: int, _options: Any, env: Any) -> str:
        token = tokens[idx]
        src = _data_uri(folder, env["doc_folder"], str(token.attrGet("src") or ""))
        alt = "".join(child.content for child in token.children or [])
        if src is None:
            return f"<em>[image: {escape(alt)}]</em>"
        return f'<img src="{src}" alt="{escape(alt)}">'

    md.add_render_rule("image", image)
    toc = "".join(f'<li><a href="#{_anchor(doc)}">{escape(doc.title)}</a> '
                  f"<small>({escape(doc.phase)})</small></li>\n" for doc in bundle.documents)
    sections = "".join(
        f'<section class="document" id="{_anchor(doc)}" data-phase="{escape(doc.phase)}">\n'
        + md.render(doc.markdown, {"doc_folder": str(Path(doc.path).parent)})
        + "</section>\n"
        for doc in bundle.documents)
    missing = (f"<p>Not written yet: {escape(', '.join(bundle.missing))}</p>\n"
               if bundle.missing else "")
    title = f"{bundle.project}: the plan"
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:\">\n"
            f"<title>{escape(title)}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n"
            f"<header><h1>{escape(title)}</h1>\n<nav class=\"toc\"><h2>Contents</h2>\n<ol>\n"
            f"{toc}</ol>\n{missing}</nav></header>\n{sections}</body>\n</html>\n")


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _data_uri(folder: Path, doc_folder: str, src: str) -> str | None:
    """A project image as a data URI; None for anything else (a URL, a file outside the
    project, a missing or oversized file), so nothing is fetched when the file is opened."""
    if not src or _SCHEME.match(src) or src.startswith("//"):
        return None
    kind = IMAGE_TYPES.get(Path(src).suffix.lower())
    if kind is None:
        return None
    relpath = os.path.normpath(os.path.join(doc_folder, src))
    try:
        path = pathguard.inside(folder, relpath, "image")
        if not path.is_file() or path.stat().st_size > MAX_IMAGE_BYTES:
            return None
        data = path.read_bytes()
    except (BmadgenError, OSError, ValueError):
        return None
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"
