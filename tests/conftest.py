"""Shared fixtures: every test gets its own store (BMADGEN_HOME) in a temporary folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests that must not run at the same time as each other when pytest-xdist spreads the suite
# over workers (`-n 2`, `--dist loadgroup` in pyproject.toml): each group runs on one worker,
# in order. "docker": every test marked `docker` (sandboxes, the gate image, app images: one
# engine, and each of them wants both CPUs); the wizard's snapshots share one fixed folder.
SERIAL_GROUPS = {"tests/tui/test_snapshots.py": "tui-snapshots"}
# Docker tests left out of the "docker" group: they spend their time asleep in a sandbox (the
# 75 s test and ~200 s mutation run of issue 15's acceptance), so the other worker may run
# them beside the group's busy tests (sandboxes of two runs never collide:
# test_gates_docker.py::test_two_gate_runs_at_once_do_not_collide).
ASLEEP_IN_DOCKER = {
    "tests/gates/test_gates_docker.py::test_slow_gates_run_to_the_tiers_timeout_not_the_clients",
}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        where = item.nodeid.split("::")[0]
        if item.get_closest_marker("docker") is not None:
            if item.nodeid.split("[")[0] not in ASLEEP_IN_DOCKER:
                item.add_marker(pytest.mark.xdist_group("docker"))
        elif where in SERIAL_GROUPS:
            item.add_marker(pytest.mark.xdist_group(SERIAL_GROUPS[where]))


@pytest.fixture(autouse=True)
def bmadgen_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("bmadgen-home")
    monkeypatch.setenv("BMADGEN_HOME", str(home))
    # Never read the developer's own config file.
    monkeypatch.setenv("BMADGEN_CONFIG", str(home / "no-config.toml"))
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    # Never read or write the developer's OS keyring: stored keys use the 0600 key file.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    # Keep git from reading the developer's config and from asking questions.
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "bmadgen tests")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "tests@bmadgen.invalid")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "bmadgen tests")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "tests@bmadgen.invalid")
    return home


@pytest.fixture
def store(bmadgen_home: Path):
    from bmadgen.store import open_store

    s = open_store()
    yield s
    s.close()


@pytest.fixture
def project(store):
    from bmadgen import projects

    return projects.create(store, "demo", type="ecommerce", description="a demo shop")


@pytest.fixture
def docker_client():
    """A Docker client whose engine answers and has the gate image; else skip locally, and
    FAIL in CI (CI=true), where .ci/run guarantees both."""
    from bmadgen.errors import EnvironmentUnavailable
    from bmadgen.sandbox.engine import ready_client

    try:
        return ready_client()
    except EnvironmentUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Docker is required in CI: {exc.one_line()}")
        pytest.skip(f"no Docker: {exc.one_line()}")
