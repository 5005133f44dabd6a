"""Fixtures for the sharing tests: an ecommerce project built offline, Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


def build(store, name: str, type_: str, folder: Path, until: str = "architecture"):
    """A project created from the shipped example answers and run (offline) through `until`."""
    from bmadgen.workflow import engine

    project = engine.new_project(store, name, type_, folder, EXAMPLES / f"{type_}.answers.yaml")
    engine.run_through(store, project, asker=None, approve=lambda _r: True, until=until)
    return project


@pytest.fixture
def shop(store, tmp_path, monkeypatch):
    """The ecommerce example through architecture; the working directory is its folder."""
    folder = tmp_path / "shop"
    project = build(store, "shop", "ecommerce", folder)
    monkeypatch.chdir(folder)
    return project


@pytest.fixture
def cli(capsys):
    """Run `bmadgen ARGS` in-process; returns (exit code, stdout, stderr)."""
    from functools import partial

    from tests.workflow.test_cli_e2e import cli as run_cli

    return partial(run_cli, capsys)


def need_chromium() -> None:
    """Skip locally when Chromium is missing; fail in CI (CI=true), where .ci/run installs it."""
    from bmadgen.share import chromium

    if chromium.find() is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is required in CI (.ci/run installs Debian's chromium)")
        pytest.skip("no Chromium on this machine")


@pytest.fixture
def browser():
    need_chromium()
    from .browser import Browser

    opened = Browser()
    yield opened
    opened.close()
