"""The generated app's container: Dockerfile, compose.yaml and .dockerignore as generated, and
`bmadgen app build|run|stop` on the real Docker engine (offline build, /health through the
container, a non-root user, the health check, the production guard on SECRET_KEY)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from bmadgen.appspec import load as load_spec
from bmadgen.errors import ExitCode

from .conftest import EXAMPLES, REPO, render_app

OFFLINE_DOCKERFILE = REPO / "templates" / "app-image" / "Dockerfile.offline"


def bmadgen(*args: str, cwd: Path, env: dict[str, str] | None = None,
            timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bmadgen", *args], check=False, cwd=cwd,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return render_app(load_spec(EXAMPLES / "ecommerce.appspec.yaml"))


def _runtime_stage(dockerfile: str) -> list[str]:
    """The instructions after the last FROM, continuation lines joined, comments dropped."""
    joined = dockerfile.replace("\\\n", " ")
    lines = [" ".join(line.split()) for line in joined.splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    last_from = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    return lines[last_from + 1:]


def test_the_dockerfile_has_a_builder_and_a_non_root_runtime(files: dict[str, str]) -> None:
    dockerfile = files["Dockerfile"]
    assert "FROM ${PYTHON_IMAGE} AS builder" in dockerfile
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in dockerfile
    assert "pip wheel --wheel-dir /wheels ." in dockerfile
    runtime = _runtime_stage(dockerfile)
    assert "COPY --from=builder /opt/venv /opt/venv" in runtime
    users = [line for line in runtime if line.startswith("USER ")]
    assert users == ["USER app"]
    health = next(line for line in runtime if line.startswith("HEALTHCHECK"))
    assert "urllib.request" in health and "/health" in health and "curl" not in dockerfile
    assert runtime[-1] == ('CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", '
                           '"8000", "--no-access-log"]')
    assert "APP_ENV=production" in " ".join(runtime)


def test_the_offline_twin_has_the_same_runtime_stage(files: dict[str, str]) -> None:
    """`bmadgen app build` must give the image the person's own `docker build` gives: only the
    base image, the PATH it needs and where the sources come from may differ."""
    ours = _runtime_stage(files["Dockerfile"])
    offline = _runtime_stage(OFFLINE_DOCKERFILE.read_text())

    def comparable(lines: list[str]) -> list[str]:
        return [line.replace("PATH=/opt/venv/bin:$PATH", "PATH=")
                .replace("PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                         "/sbin:/bin", "PATH=")
                .replace("COPY project/ ./", "COPY . .") for line in lines]

    assert comparable(ours) == comparable(offline)
    assert "--no-index --find-links /wheelhouse" in OFFLINE_DOCKERFILE.read_text()


def test_compose_runs_the_app_on_postgresql_with_no_default_secret(
        files: dict[str, str]) -> None:
    compose = yaml.safe_load(files["compose.yaml"])
    assert compose["name"] == "shop"
    db, app = compose["services"]["db"], compose["services"]["app"]
    assert db["image"] == "postgres:16"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert db["volumes"] == ["db-data:/var/lib/postgresql/data"]
    assert "db-data" in compose["volumes"]
    assert db["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert app["depends_on"] == {"db": {"condition": "service_healthy"}}
    environment = app["environment"]
    assert environment["APP_ENV"] == "production"
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert environment["DATABASE_URL"].startswith("postgresql+psycopg://app:${POSTGRES_PASSWORD}@db")
    assert app["build"] == "." and app["ports"] == ["${APP_PORT:-8000}:8000"]


def test_the_image_leaves_out_secrets_history_and_caches(files: dict[str, str]) -> None:
    ignored = files[".dockerignore"].splitlines()
    for pattern in (".git", ".env", ".bmadgen", "*.db", "mutants", "**/__pycache__"):
        assert pattern in ignored, pattern
    assert ".env" in files[".gitignore"].splitlines()


def test_the_readme_says_how_to_run_it(files: dict[str, str]) -> None:
    readme = files["README.md"]
    for words in ("docker compose up --build", "bmadgen app build", "SECRET_KEY",
                  "POSTGRES_PASSWORD", "APP_ENV=production"):
        assert words in readme, words


def test_the_offline_context_holds_what_docker_build_would_send(generated_shop: Path,
                                                                 tmp_path: Path) -> None:
    from bmadgen.sandbox.app_image import copy_project, requirements

    (generated_shop / ".env").write_text("SECRET_KEY=x\n")
    (generated_shop / "app.db").write_bytes(b"")
    (generated_shop / ".bmadgen" / "tmp").mkdir(parents=True, exist_ok=True)
    (generated_shop / ".bmadgen" / "tmp" / "app-secret-key").write_text("k\n")
    copied = tmp_path / "context"
    count = copy_project(generated_shop, copied)
    sent = {p.relative_to(copied).as_posix() for p in copied.rglob("*") if p.is_file()}
    assert count == len(sent)
    assert {"app/main.py", "pyproject.toml", "Dockerfile", "compose.yaml"} <= sent
    assert not [p for p in sent
                if p.startswith((".git/", ".bmadgen/", ".github/")) or p in (".env", "app.db")]
    assert "pydantic-settings>=2.2" in requirements(generated_shop)


def test_app_build_without_an_app_is_not_found(tmp_path: Path) -> None:
    done = bmadgen("app", "build", "--dir", str(tmp_path), cwd=tmp_path)
    assert done.returncode == ExitCode.NOT_FOUND, done.stderr
    assert done.stderr.startswith("error: no generated app in")
    assert len(done.stderr.strip().splitlines()) == 1


def test_app_build_without_an_engine_says_so(generated_shop: Path) -> None:
    done = bmadgen("app", "build", "--json", cwd=generated_shop,
                   env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert done.returncode == ExitCode.ENVIRONMENT, done.stderr
    assert json.loads(done.stdout)["message"].startswith("no Docker engine answers")


# ------------------------------------------------------------------ on the Docker engine


@pytest.fixture
def engine_with_base():
    """A Docker client whose engine has the base image; skip locally, FAIL in CI."""
    from docker.errors import ImageNotFound

    from bmadgen.errors import EnvironmentUnavailable
    from bmadgen.sandbox.engine import connect
    from bmadgen.sandbox.image import BASE_IMAGE

    try:
        client = connect()
        client.images.get(BASE_IMAGE)
    except (EnvironmentUnavailable, ImageNotFound) as exc:
        reason = exc.one_line() if isinstance(exc, EnvironmentUnavailable) else str(exc)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Docker and {BASE_IMAGE} are required in CI: {reason}")
        pytest.skip(f"no Docker or no base image: {reason}")
    return client


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.docker
@pytest.mark.slow
def test_build_run_and_stop_the_app_image(engine_with_base, generated_shop: Path) -> None:
    from docker.errors import ContainerError

    client = engine_with_base
    built = bmadgen("app", "build", "--json", cwd=generated_shop)
    assert built.returncode == 0, built.stderr
    image = json.loads(built.stdout)
    assert image["image"] == "bmadgen-app/shop:latest" and image["offline"] is True
    # Production (the image's default) without SECRET_KEY: one line naming it, exit 1.
    with pytest.raises(ContainerError) as refused:
        client.containers.run(image["image"], remove=True, stdout=True, stderr=True)
    assert refused.value.exit_status == 1
    assert b"error: SECRET_KEY is required when APP_ENV=production" in refused.value.stderr
    assert b"Traceback" not in refused.value.stderr
    container_name = "bmadgen-app-shop"
    port = _free_port()
    try:
        with socket.socket() as holder:  # the port is taken: one line, exit 5
            holder.bind(("127.0.0.1", port))
            holder.listen()
            busy = bmadgen("app", "run", "--port", str(port), cwd=generated_shop)
        assert busy.returncode == ExitCode.CONFLICT, busy.stderr
        assert f"port {port} on 127.0.0.1 is already in use" in busy.stderr
        # A key the app refuses: the container stops, and `app run` says why (exit 7).
        refused_key = bmadgen("app", "run", "--port", str(port), cwd=generated_shop,
                              env={"SECRET_KEY": "too-short"})
        assert refused_key.returncode == ExitCode.ENVIRONMENT, refused_key.stderr
        assert ("the app's container stopped at startup: error: SECRET_KEY must be at least 32 "
                "characters in production") in refused_key.stderr
        started = bmadgen("app", "run", "--port", str(port), cwd=generated_shop)
        assert started.returncode == 0, started.stderr
        url = f"http://127.0.0.1:{port}/"
        assert started.stdout.startswith(f"shop is running at {url}")
        with urllib.request.urlopen(url + "health", timeout=5) as answer:
            assert json.load(answer) == {"status": "ok"}
            request_id = answer.headers["x-request-id"]
        with urllib.request.urlopen(url + "products", timeout=5) as answer:
            assert answer.status == 200
        container = client.containers.get(container_name)
        assert container.attrs["Config"]["User"] == "app"
        uid = container.exec_run(["id", "-u"]).output.decode().strip()
        assert uid == "10001"
        assert container.exec_run(["sh", "-c", "command -v curl"]).exit_code != 0
        # The image's own HEALTHCHECK (python + urllib) turns the container healthy.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            container.reload()
            if container.attrs["State"]["Health"]["Status"] == "healthy":
                break
            time.sleep(1)
        assert container.attrs["State"]["Health"]["Status"] == "healthy"
        logged = [json.loads(line) for line in container.logs(stdout=True, stderr=True)
                  .decode().splitlines() if line.startswith("{")]
        mine = [line for line in logged if line.get("request_id") == request_id]
        assert mine and mine[0]["path"] == "/health" and mine[0]["status"] == 200
        # The secret key given to the container is kept (0600) in the project's scratch space.
        key_file = generated_shop / ".bmadgen" / "tmp" / "app-secret-key"
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"
        assert "app-secret-key" not in subprocess.run(
            ["git", "status", "--porcelain", "--ignored=no"], cwd=generated_shop,
            capture_output=True, text=True, check=True).stdout
    finally:
        stopped = bmadgen("app", "stop", cwd=generated_shop)
    assert stopped.returncode == 0 and stopped.stdout.strip() == f"stopped {container_name}"
    assert container_name not in [c.name for c in client.containers.list(all=True)]


@pytest.mark.docker
def test_run_without_a_built_image_is_not_found(engine_with_base, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "never-built-app"\n')
    done = bmadgen("app", "run", "--dir", str(tmp_path), cwd=tmp_path)
    assert done.returncode == ExitCode.NOT_FOUND, done.stderr
    assert "bmadgen app build" in done.stderr
