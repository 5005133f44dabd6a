"""Secrets a person typed into the answers (an API key pasted as a summary, say), found before
a phase's files are committed to git.

Answers are written to `.bmadgen/answers.yaml` and drawn into the documents, and approval
commits both, so a key typed into an answer would end up in the project's history. A finding
names the answer and the kind of key and the files it is in — never the value, which must not
be echoed to a terminal, a log or a CI transcript either.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bmadgen.errors import BmadgenError
from bmadgen.fsutil import read_project_text
from bmadgen.plan import Answers

# Well-known key formats: a prefix and enough key material that prose does not match.
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern)) for kind, pattern in (
        ("an OpenAI-style API key (sk-...)", r"\bsk-[A-Za-z0-9_-]{20,}"),
        ("an AWS access key id", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
        ("a GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})"),
        ("a GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
        ("a Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
        ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}"),
        ("a Stripe key", r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}"),
        ("a private key", r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    )
)


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
