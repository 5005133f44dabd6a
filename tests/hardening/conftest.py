"""Fixtures for the hardening tests: the CLI run in process with real-looking standard streams,
a dump of the store to prove a refusal changed nothing, and bmadgen run as a real process."""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
DOCUMENTED_EXITS = {0, 1, 2, 3, 4, 5, 6, 7, 8, 130}


@dataclass
class Run:
    code: int
    out: str
    err: str

    def one_line_error(self, *codes: int) -> str:
        """Assert the run ended with one `error:` line and one of `codes`; return the line."""
        assert self.code in codes, (self.code, self.out, self.err)
        assert "Traceback" not in self.err, self.err
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), self.err
        return lines[0]


def _stream(errors: str) -> io.TextIOWrapper:
    # As a terminal's: UTF-8, strict on stdout (an unencodable character fails as it would in
    # a real process), backslashreplace on stderr as Python sets it.
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors=errors, write_through=True)


def run_in_process(*argv: str, stdin: str = "") -> Run:
    """`bmadgen ARGV` in this process. Any exception other than SystemExit escaping `main` is
    what a real process would print as a traceback: it is re-raised to fail the test."""
    from bmadgen.cli.app import main

    out, err = _stream("strict"), _stream("backslashreplace")
    saved_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(argv))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.stdin = saved_stdin
    return Run(code, out.buffer.getvalue().decode("utf-8", "replace"),  # type: ignore[attr-defined]
               err.buffer.getvalue().decode("utf-8", "replace"))  # type: ignore[attr-defined]


@pytest.fixture
def cli():
    return run_in_process


def run_process(*argv: str, cwd: Path | None = None, timeout: float = 60, **kwargs) -> Run:
    """`python -m bmadgen ARGV` as a real process, with this test's BMADGEN_HOME."""
    proc = subprocess.run([sys.executable, "-m", "bmadgen", *argv], capture_output=True,
                          env=dict(os.environ), cwd=cwd, timeout=timeout, check=False, **kwargs)
    return Run(proc.returncode, proc.stdout.decode("utf-8", "replace"),
               proc.stderr.decode("utf-8", "replace"))


def store_dump(home: Path) -> list[tuple[str, list[tuple]]]:
    """Every row of every table of the store at `home`, read over a connection of its own."""
    db = home / "bmadgen.db"
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name NOT LIKE 'memories_fts_%' ORDER BY name")]
        return [(t, conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall())
                for t in tables]
    finally:
        conn.close()


def git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def blog(store, tmp_path):
    """A blog project folder made from the shipped example answers, with no phase run yet."""
    from bmadgen.workflow import engine

    return engine.new_project(store, "garden", "blog", tmp_path / "garden",
                              EXAMPLES / "blog.answers.yaml")
