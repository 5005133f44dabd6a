"""Secrets a person typed into the answers (an API key pasted as a summary, say), found before
a phase's files are committed to git.

Answers are written to `.bmadgen/answers.yaml` and drawn into the documents, and approval
commits both, so a key typed into an answer would end up in the project's history. A finding
names the answer and the kind of key and the files it is in — never the value, which must not
be echoed to a terminal, a log or a CI transcript either.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bmadgen.errors import BmadgenError
from bmadgen.fsutil import read_project_text
from bmadgen.plan import Answers
from bmadgen.secret_patterns import PATTERNS


class SecretFinding(BaseModel):
    key: str  # the answer, e.g. "vision.summary" or "requirements.features item 2"
    kind: str  # what it looks like, e.g. "a GitHub token"
    files: list[str] = []  # the project files it is in (relative paths)


def _values(answers: Answers) -> Iterator[tuple[str, str]]:
    for phase, values in answers.items():
        for key, value in values.items():
            items: list[Any] = value if isinstance(value, list) else [value]
            for position, item in enumerate(items, start=1):
                if isinstance(item, str):
                    name = f"{phase}.{key}" + (f" item {position}" if isinstance(value, list)
                                               else "")
                    yield name, item


def find(answers: Answers, folder: Path | None = None,
         files: list[str] | None = None) -> list[SecretFinding]:
    """The answers that look like they hold a key, each with the `files` (under `folder`) that
    contain it."""
    findings = []
    for name, text in _values(answers):
        for kind, pattern in PATTERNS:
            matches = set(pattern.findall(text))
            if not matches:
                continue
            found_in = []
            for relpath in files or []:
                try:  # through the path guard: a file linked from outside is not read
                    content = read_project_text(folder, relpath, relpath,
                                                lenient=True) if folder else ""
                except BmadgenError:
                    continue
                if any(m in content for m in matches):
                    found_in.append(relpath)
            findings.append(SecretFinding(key=name, kind=kind, files=found_in))
    return findings


def warnings(findings: list[SecretFinding]) -> list[str]:
    """One sentence per finding, for a person; the value itself is never included."""
    out = []
    for f in findings:
        where = f" It is in {', '.join(f.files)}, which approval commits to git." if f.files \
            else " Approval commits the answers to git."
        out.append(f"the answer {f.key} looks like it holds {f.kind}.{where} Remove it from the "
                   "answers (and revoke the key) before approving")
    return out
