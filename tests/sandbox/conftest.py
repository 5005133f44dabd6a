"""Sandbox test fixtures. Docker tests skip without an engine locally, but FAIL in CI (CI=true)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURE_APP = Path(__file__).resolve().parents[1] / "fixtures" / "vsa_app"



@pytest.fixture
def small_app(tmp_path: Path) -> Path:
    """A copy of the fixture app (the sandbox needs something to copy in)."""
    target = tmp_path / "app_copy"
    shutil.copytree(FIXTURE_APP, target)
    return target
