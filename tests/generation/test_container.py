"""The generated app's container: Dockerfile, compose.yaml and .dockerignore as generated, and
`bmadgen app build|run|stop` on the real Docker engine (offline build, /health through the
container, a non-root user, the health check, the production guard on SECRET_KEY), and the
container on a real PostgreSQL server: migrations applied at start, items created, read,
listed, filtered and deleted over HTTP and seen in PostgreSQL. The image is built once per run."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from bmadgen.appspec import load as load_spec
from bmadgen.errors import ExitCode

from .conftest import (
    EXAMPLES,
    REPO,
    new_project,
    render_app,
    required_in_ci,
    running_postgres,
)
from .pg import Server, new_owned_database

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


@pytest.fixture(scope="module")
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
        required_in_ci(f"Docker and {BASE_IMAGE}: {reason}")
    return client


@pytest.fixture(scope="module")
def built_shop(engine_with_base, tmp_path_factory: pytest.TempPathFactory
               ) -> tuple[Path, dict, subprocess.CompletedProcess]:
    """The ecommerce example generated once for this module and its image built offline by
    `bmadgen app build --json` (the module's tests share the image: one build per run)."""
    from bmadgen.generate.service import generate_app

    folder = new_project(tmp_path_factory.mktemp("built") / "shop",
                         EXAMPLES / "ecommerce.appspec.yaml")
    generate_app(folder)
    built = bmadgen("app", "build", "--json", cwd=folder)
    image = json.loads(built.stdout) if built.returncode == 0 else {}
    return folder, image, built


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.docker
@pytest.mark.slow
def test_build_run_and_stop_the_app_image(engine_with_base, built_shop) -> None:
    from docker.errors import ContainerError

    client = engine_with_base
    generated_shop, image, built = built_shop
    assert built.returncode == 0, built.stderr
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


# ------------------------------------------------------------------ on PostgreSQL


@pytest.fixture(scope="module")
def postgres_for_containers(engine_with_base) -> Iterator[Server]:
    """A PostgreSQL server on the Docker bridge's gateway address (where a container reaches
    this machine) with password auth there; skip locally, FAIL in CI."""
    bridge = engine_with_base.networks.get("bridge").attrs["IPAM"]["Config"]
    gateway = next((entry["Gateway"] for entry in bridge if entry.get("Gateway")), None)
    if gateway is None:
        required_in_ci("the Docker bridge network has no gateway address")
    with running_postgres(tcp_host=gateway) as server:
        yield server


def api(client: httpx.Client, method: str, path: str, **kwargs) -> httpx.Response:
    """Every HTTP call to the app in the PostgreSQL test goes through here."""
    return client.request(method, path, **kwargs)


def _head_revision(folder: Path) -> str:
    """The revision no other revision of the app names as its down_revision."""
    revisions, downs = set(), set()
    for path in (folder / "app" / "migrations" / "versions").glob("[0-9]*.py"):
        text = path.read_text()
        revisions.add(re.search(r'^revision: str = "([^"]+)"', text, re.MULTILINE).group(1))
        down = re.search(r'^down_revision: [^=]+= "([^"]+)"', text, re.MULTILINE)
        downs.update([down.group(1)] if down else [])
    (head,) = revisions - downs
    return head


@pytest.mark.docker
@pytest.mark.slow
def test_the_container_runs_the_app_on_postgresql_with_its_migrations_applied(
        engine_with_base, built_shop, postgres_for_containers: Server) -> None:
    import psycopg

    folder, _image, built = built_shop
    assert built.returncode == 0, built.stderr
    server = postgres_for_containers
    database = "shop_in_container"
    url = new_owned_database(server, database)  # the app's own role, not a superuser
    password = url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    # As a person would write it: postgresql:// (made psycopg's), the host as the container
    # names this machine, the password kept off the command line (--env KEY takes it from here).
    container_url = url.replace("postgresql+psycopg://", "postgresql://").replace(
        f"@{server.tcp_host}:", "@host.docker.internal:")
    port = _free_port()
    started_at = time.perf_counter()
    started = bmadgen("app", "run", "--port", str(port), "--env", "DATABASE_URL",
                      "--env", "LOG_LEVEL=WARNING", "--json", cwd=folder,
                      env={"DATABASE_URL": container_url})
    try:
        assert started.returncode == 0, started.stderr
        run = json.loads(started.stdout)
        assert run["database"] == (f"postgresql+psycopg://{database}:***@host.docker.internal:"
                                   f"{server.port}/{database}")
        assert {"APP_ENV", "DATABASE_URL", "LOG_LEVEL", "SECRET_KEY"} <= set(run["environment"])
        with psycopg.connect(server.conninfo(database)) as connection:
            version = connection.execute("SELECT version_num FROM alembic_version").fetchall()
            owned = dict(connection.execute(
                "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall())
        assert version == [(_head_revision(folder),)]
        assert owned == {name: database for name in
                         ("alembic_version", "category", "product", "order")}

        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            category = api(client, "POST", "/categories", json={"name": "Tools"})
            assert category.status_code == 201, category.text
            made = {}
            for title, status in (("Hammer", "published"), ("Saw", "draft")):
                answer = api(client, "POST", "/products", json={
                    "title": title, "price": "9.50", "stock": 3, "active": True,
                    "status": status, "category_id": category.json()["id"]})
                assert answer.status_code == 201, answer.text
                made[title] = answer.json()
            read = api(client, "GET", f"/products/{made['Saw']['id']}")
            assert read.status_code == 200 and read.json() == made["Saw"]
            listed = api(client, "GET", "/products", params={"status": "draft"}).json()
            assert [item["title"] for item in listed["items"]] == ["Saw"]
            assert listed["total"] == 1
            with psycopg.connect(server.conninfo(database)) as connection:
                rows = connection.execute(
                    "SELECT title, price, status FROM product ORDER BY id").fetchall()
            # Money as whole cents; an enum as its member name (SQLAlchemy's Enum, as on SQLite).
            assert rows == [("Hammer", 950, "PUBLISHED"), ("Saw", 950, "DRAFT")]

            deleted = api(client, "DELETE", f"/products/{made['Saw']['id']}")
            assert deleted.status_code == 204, deleted.text
            assert api(client, "GET", f"/products/{made['Saw']['id']}").status_code == 404
        with psycopg.connect(server.conninfo(database)) as connection:
            titles = connection.execute("SELECT title FROM product").fetchall()
        assert titles == [("Hammer",)]
        logs = engine_with_base.containers.get("bmadgen-app-shop").logs().decode()
        for said in (started.stdout, started.stderr, logs):
            assert password not in said
    finally:
        stopped = bmadgen("app", "stop", cwd=folder)
    assert stopped.returncode == 0, stopped.stderr
    print(f"\nPostgreSQL container test: {run['healthy_s']:.2f} s to /health, "
          f"{time.perf_counter() - started_at:.1f} s in all")


@pytest.mark.parametrize(("options", "code", "said"), [
    (["--database-url", "postgresql://app:SeCrEt99@localhost:5432/app"], ExitCode.INVALID_INPUT,
     "error: the database URL postgresql://app:***@localhost:5432/app names localhost"),
    (["--env", "DATABASE_URL=mysql://app:SeCrEt99@db/app"], ExitCode.INVALID_INPUT,
     "error: the database URL mysql://app:***@db/app is not SQLite or PostgreSQL"),
    (["--env", "9LIVES=x"], ExitCode.INVALID_INPUT,
     "error: environment entry: '9LIVES' is not a variable name"),
    (["--env-file", "missing.env"], ExitCode.NOT_FOUND, "error: env file missing.env does not"),
])
def test_app_run_checks_what_it_hands_the_container_before_docker(
        tmp_path: Path, options: list[str], code: ExitCode, said: str) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "checked-app"\n')
    # No engine answers here: each refusal comes before Docker is asked anything.
    done = bmadgen("app", "run", *options, "--dir", str(tmp_path), cwd=tmp_path,
                   env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert done.returncode == code, done.stderr
    assert done.stderr.startswith(said)
    assert len(done.stderr.strip().splitlines()) == 1 and "SeCrEt99" not in done.stderr
