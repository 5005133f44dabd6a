"""Sandbox test fixtures. Docker tests skip without an engine locally, but FAIL in CI (CI=true)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

FIXTURE_APP = Path(__file__).resolve().parents[1] / "fixtures" / "vsa_app"


@pytest.fixture
def docker_client():
    """A client with the gate image, else skip (locally) or fail (in CI, CI=true)."""
    from bmadgen.errors import EnvironmentUnavailable
    from bmadgen.sandbox.docker_backend import ready_client

    try:
        return ready_client()
    except EnvironmentUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Docker is required in CI: {exc.one_line()}")
        pytest.skip(f"no Docker: {exc.one_line()}")


@pytest.fixture
def small_app(tmp_path: Path) -> Path:
    """A copy of the fixture app (the sandbox needs something to copy in)."""
    target = tmp_path / "app_copy"
    shutil.copytree(FIXTURE_APP, target)
    return target
