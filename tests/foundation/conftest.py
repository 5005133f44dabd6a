"""Fixtures for the foundation tests: run the CLI in process."""

from __future__ import annotations

import pytest

from .foundation_helpers import CliResult


@pytest.fixture
def cli(capsys):
    """Run `bmadgen ARGS` in this process; returns exit code, stdout and stderr."""
    from bmadgen.cli.app import main

    def run(*argv: str) -> CliResult:
        capsys.readouterr()
        try:
            main(list(argv))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
