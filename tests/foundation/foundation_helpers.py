"""Shared helpers for tests/foundation (imported by the test modules and the conftest)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


def run_bmadgen(*argv: str, cwd: Path | None = None, timeout: float = 60) -> CliResult:
    """Run `python -m bmadgen ARGS` as a real process with this test's BMADGEN_HOME."""
    proc = subprocess.run(
        [sys.executable, "-m", "bmadgen", *argv], capture_output=True, text=True,
        env=dict(os.environ), cwd=cwd, timeout=timeout, check=False,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_line_error(result: CliResult, code: int) -> None:
    assert result.code == code, (result.code, result.out, result.err)
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.err
