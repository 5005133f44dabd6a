"""Project folders for generation tests: a git repo holding an app spec, nothing else."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest

from .pg import Server

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
SPECS = Path(__file__).resolve().parent / "specs"


def git(folder: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=folder, check=True, capture_output=True, text=True
    ).stdout


def new_project(folder: Path, spec: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(spec, folder / "appspec.yaml")
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", "appspec.yaml")
    git(folder, "commit", "-q", "-m", "app spec")
    return folder


def tree(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` except git's own, for byte-for-byte comparisons."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(folder).parts[:1]
    }


def commit_count(folder: Path) -> int:
    return int(git(folder, "rev-list", "--count", "HEAD").strip())


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return new_project(tmp_path / "shop", EXAMPLES / "ecommerce.appspec.yaml")


@pytest.fixture
def generated_shop(shop: Path) -> Path:
    from bmadgen.generate.service import generate_app

    generate_app(shop)
    return shop


def render_app(spec) -> dict[str, str]:
    """Every file of the app rendered in memory (no git, no manifests): path -> content.
    Asserts that the stack and its templates found no problem."""
    from bmadgen.generate.context import app_context, stack_problems
    from bmadgen.generate.stack import Renderer, load_stack

    assert stack_problems(spec) == []
    renderer = Renderer(load_stack(spec.stack.name))
    app = app_context(spec)
    files = renderer.skeleton(app)
    for feature in app["features"]:
        files += renderer.feature(app, feature)
    assert renderer.problems == []
    return {item.path: item.content for item in files}


_databases = itertools.count()


def required_in_ci(reason: str) -> NoReturn:
    """Skip the test locally; fail it in CI (CI=true), where .ci/run installs what it needs."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@contextmanager
def running_postgres(tcp_host: str | None = None) -> Iterator[Server]:
    """A throwaway PostgreSQL server (tests/generation/pg.py); skipped where PostgreSQL is not
    installed, a failure in CI."""
    from .pg import Unavailable, server

    try:
        running = server(tcp_host)
        started = running.__enter__()
    except Unavailable as exc:
        required_in_ci(f"no PostgreSQL: {exc}")
    try:
        yield started
    finally:
        running.__exit__(None, None, None)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server for the session (its `postgres` database's URL, over a Unix
    socket); skipped where PostgreSQL is not installed, a failure in CI (CI=true)."""
    with running_postgres() as started:
        yield started.url


@pytest.fixture
def postgres_url(postgres_server: str, request: pytest.FixtureRequest) -> str:
    """A new, empty database on the test server, named after the test."""
    from .pg import new_database

    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    return new_database(postgres_server, f"{name}_{next(_databases)}")
