"""The generated app's own image, built and run on the local Docker engine without a registry.

The recipe is the gate image's: FROM the base image imported from a debootstrapped Debian
(`bmadgen/base:bookworm`), the dependencies installed from the local wheelhouse, built with
`--network none`. The app's own Dockerfile (FROM python:X-slim, for a machine with a registry)
has the same two stages and runtime layout; templates/app-image/Dockerfile.offline is its
offline twin. `docker` is imported only inside the functions that talk to the engine.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from bmadgen.errors import Conflict, EnvironmentUnavailable, InvalidInput, NotFound
from bmadgen.models import NextAction
from bmadgen.resources import templates_root
from bmadgen.sandbox import app_environment
from bmadgen.sandbox.engine import connect
from bmadgen.sandbox.image import BASE_IMAGE, BUILD_TIMEOUT_S

Say = Callable[[str], None]
IMAGE_REPOSITORY = "bmadgen-app"
CONTAINER_PREFIX = "bmadgen-app-"
APP_LABEL = "bmadgen.app"
CONTAINER_PORT = 8000
HEALTH_TIMEOUT_S = 90
SECRET_FILE = Path(".bmadgen") / "tmp" / "app-secret-key"  # gitignored by the skeleton
IMAGE_DATABASE_URL = "sqlite:////data/app.db"  # the image's ENV, in its /data volume
# Docker 20.10+ resolves host-gateway to the host's address on the container's network (on
# Docker Desktop the name exists anyway): a database on this machine is reached by this name.
EXTRA_HOSTS = {app_environment.HOST_ALIAS: "host-gateway"}
WHEEL_PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64",
                   "any")


class AppImage(BaseModel):
    app: str
    image: str
    id: str
    size_mb: float
    build_s: float
    offline: bool = True


class AppRun(BaseModel):
    app: str
    image: str
    container: str
    url: str
    port: int
    healthy_s: float
    database: str  # the DATABASE_URL the app uses, its password masked
    environment: list[str] = []  # the names of the variables the container was given
    # How to make the first admin inside the container, for an app that signs people in.
    first_admin: str | None = None


# The generated app's own command for its first admin (app/shared/accounts.py, with sign-in).
_ACCOUNTS_MODULE = ("app", "shared", "accounts.py")


def first_admin_command(folder: Path, container: str) -> str | None:
    """The command that makes the app's first admin in its running container; None for an app
    that signs nobody in (no accounts module)."""
    if not folder.joinpath(*_ACCOUNTS_MODULE).is_file():
        return None
    return f"docker exec -it {container} python -m app.shared.accounts create-admin EMAIL"


def app_name(folder: Path) -> str:
    """The app's name from its pyproject.toml, made safe for image and container names."""
    project = _pyproject(folder).get("project", {})
    name = str(project.get("name", "")).lower()
    safe = re.sub(r"[^a-z0-9_.-]+", "-", name).strip("-._")
    if not safe:
        raise InvalidInput(f"{folder / 'pyproject.toml'} names no project",
                           hint="generate the app first",
                           action=NextAction(kind="generate", detail="generate the app"))
    return safe


def image_tag(name: str) -> str:
    return f"{IMAGE_REPOSITORY}/{name}:latest"


def container_name(name: str) -> str:
    return CONTAINER_PREFIX + name


def requirements(folder: Path) -> list[str]:
    """The runtime dependencies the app's pyproject.toml names (not the test extra)."""
    dependencies = _pyproject(folder).get("project", {}).get("dependencies", [])
    return [str(item) for item in dependencies]


def _pyproject(folder: Path) -> dict[str, Any]:
    path = folder / "pyproject.toml"
    if not path.is_file():
        raise NotFound(f"no generated app in {folder} (pyproject.toml is missing)",
                       hint="generate it first",
                       action=NextAction(kind="generate", detail="generate the app"))
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path} is not valid TOML: {exc}") from None


# ------------------------------------------------------------------ build


def _require_base(client: Any) -> None:
    from docker.errors import ImageNotFound

    try:
        client.images.get(BASE_IMAGE)
    except ImageNotFound:
        raise EnvironmentUnavailable(
            f"the base image {BASE_IMAGE} is not on the Docker engine",
            hint="build it once, offline (debootstrap), with the gate image",
            action=NextAction(kind="build_gate_image",
                              detail=f"build the gate image, which imports {BASE_IMAGE}"),
        ) from None


def _pip_download(requirements_file: Path, dest: Path, find_links: list[Path], *,
                  index: bool) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
               "--dest", str(dest), "--only-binary=:all:", "--python-version", "3.11",
               "--implementation", "cp", "-r", str(requirements_file)]
    for platform in WHEEL_PLATFORMS:
        command += ["--platform", platform]
    for folder in find_links:
        command += ["--find-links", str(folder)]
    if not index:
        command.append("--no-index")
    return subprocess.run(command, check=False, capture_output=True, text=True)


def collect_wheels(requirements_file: Path, dest: Path, cache_dir: Path, say: Say) -> None:
    """Every wheel the requirements need into `dest`, from the gate wheelhouse (and the app
    wheelhouse that earlier builds filled); the package index is asked only for what neither
    holds, once, into `<cache>/app-wheelhouse`."""
    gate_wheels = cache_dir / "wheelhouse"
    app_wheels = cache_dir / "app-wheelhouse"
    if not gate_wheels.is_dir():
        raise EnvironmentUnavailable(
            f"the wheelhouse {gate_wheels} is missing",
            hint="build the gate image once, offline; it fills the wheelhouse",
            action=NextAction(kind="build_gate_image", detail="build the gate image"),
        )
    local = [gate_wheels] + ([app_wheels] if app_wheels.is_dir() else [])
    if _pip_download(requirements_file, dest, local, index=False).returncode == 0:
        return
    say(f"some dependencies are not in {gate_wheels}: downloading them into {app_wheels}")
    app_wheels.mkdir(parents=True, exist_ok=True)
    fetched = _pip_download(requirements_file, app_wheels, [gate_wheels], index=True)
    if fetched.returncode != 0:
        raise EnvironmentUnavailable(
            "the app's dependencies are not all in the wheelhouse and could not be downloaded: "
            + (fetched.stderr.strip().splitlines() or ["pip failed"])[-1],
            hint="the package index must be reachable once; later builds reuse the wheels",
        )
    done = _pip_download(requirements_file, dest, [gate_wheels, app_wheels], index=False)
    if done.returncode != 0:
        raise EnvironmentUnavailable("the wheelhouse cannot satisfy the app's dependencies: "
                                     + done.stderr.strip()[-300:])


def copy_project(folder: Path, dest: Path) -> int:
    """The app's files as its .dockerignore leaves them (what `docker build .` would send)."""
    from docker.utils.build import exclude_paths

    ignore = folder / ".dockerignore"
    patterns: list[str] = []
    if ignore.is_file():
        patterns = [line.strip() for line in ignore.read_text(encoding="utf-8").splitlines()
                    if line.strip() and not line.strip().startswith("#")]
    count = 0
    for relative in sorted(exclude_paths(str(folder), patterns)):
        source = folder / relative
        if source.is_file() and not source.is_symlink():
            target = dest / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            count += 1
    return count


def build(folder: Path, *, cache_dir: Path, say: Say) -> AppImage:
    """Build the app's image offline; the previous image of the same tag is replaced."""
    name = app_name(folder)
    needed = requirements(folder)
    client = connect()
    _require_base(client)
    tag = image_tag(name)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bmadgen-app-image-") as tmp:
        context = Path(tmp)
        (context / "requirements.txt").write_text("\n".join(needed) + "\n", encoding="utf-8")
        (context / "wheelhouse").mkdir()
        say(f"collecting the wheels of {len(needed)} dependencies")
        collect_wheels(context / "requirements.txt", context / "wheelhouse", cache_dir, say)
        files = copy_project(folder, context / "project")
        shutil.copy2(templates_root() / "app-image" / "Dockerfile.offline",
                     context / "Dockerfile")
        say(f"building {tag} offline ({files} files of the app, FROM {BASE_IMAGE})")
        try:
            image, _logs = client.images.build(
                path=str(context), tag=tag, rm=True, forcerm=True, network_mode="none",
                buildargs={"BASE_IMAGE": BASE_IMAGE}, labels={APP_LABEL: name},
                timeout=BUILD_TIMEOUT_S,
            )
        except Exception as exc:  # docker.errors.BuildError / APIError carry the log
            raise EnvironmentUnavailable(
                f"building the app image failed: {_last_line(exc)}",
                hint="the app's own `docker build .` shows the whole log where a registry is "
                "reachable") from exc
    return AppImage(app=name, image=tag, id=image.short_id.removeprefix("sha256:"),
                    size_mb=round((image.attrs.get("Size") or 0) / 1e6, 1),
                    build_s=round(time.perf_counter() - started, 1))


def _last_line(exc: Exception) -> str:
    lines: list[str] = []
    for entry in getattr(exc, "build_log", None) or []:
        text = entry.get("stream") or entry.get("error") or ""
        lines += [line for line in str(text).splitlines() if line.strip()]
    return lines[-1] if lines else str(exc).splitlines()[0] if str(exc) else type(exc).__name__


# ------------------------------------------------------------------ run / stop


def secret_key(folder: Path, environ: Mapping[str, str] = os.environ) -> str:
    """The SECRET_KEY for `app run`: the environment's, else one kept (0600) in the project's
    gitignored .bmadgen/tmp/, so sessions survive a restart of the container."""
    given = environ.get("SECRET_KEY", "")
    if given:
        return given
    path = folder / SECRET_FILE
    if path.is_file():
        kept = path.read_text(encoding="utf-8").strip()
        if kept:
            return kept
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def port_free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:`port`. Connections of a container just stopped may linger
    in TIME_WAIT on it; they do not stop Docker from publishing the port again, so they must
    not stop this probe either (SO_REUSEADDR still refuses a port someone listens on)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _remove_container(client: Any, name: str) -> bool:
    from docker.errors import NotFound as DockerNotFound

    try:
        container = client.containers.get(name)
    except DockerNotFound:
        return False
    container.remove(force=True)
    return True


def run(folder: Path, *, port: int, say: Say, entries: Iterable[str] = (),
        env_file: Path | None = None, database_url: str | None = None,
        environ: Mapping[str, str] | None = None,
        timeout_s: float = HEALTH_TIMEOUT_S) -> AppRun:
    """Start the app's image detached (replacing this app's previous container), published on
    127.0.0.1:`port`, with its SQLite data in a named volume unless a DATABASE_URL is given;
    wait until /health answers. Everything asked for is checked before Docker is called."""
    from docker.errors import APIError, ImageNotFound

    environ = os.environ if environ is None else environ
    name = app_name(folder)
    asked = app_environment.requested(entries, env_file, database_url, environ)
    tag = image_tag(name)
    client = connect()
    try:
        client.images.get(tag)
    except ImageNotFound:
        raise NotFound(f"the app image {tag} is not built", hint="build it first",
                       action=NextAction(kind="build_app_image",
                                         detail="build the app's image")) from None
    container = container_name(name)
    if _remove_container(client, container):
        say(f"replaced the running container {container}")
    if not port_free(port):
        raise Conflict(f"port {port} on 127.0.0.1 is already in use",
                       hint="choose another with --port N")
    environment = {"APP_ENV": "production"}
    for optional in ("CORS_ORIGINS", "LOG_LEVEL"):
        if environ.get(optional):
            environment[optional] = environ[optional]
    environment.update(asked)
    if "SECRET_KEY" not in environment:
        environment["SECRET_KEY"] = secret_key(folder, environ)
    database = environment.get("DATABASE_URL")
    shown = (app_environment.mask_url(database) if database
             else f"{IMAGE_DATABASE_URL} (volume {container}-data)")
    started = time.perf_counter()
    try:
        running = client.containers.run(
            tag, name=container, detach=True, environment=environment,
            ports={f"{CONTAINER_PORT}/tcp": ("127.0.0.1", port)},
            volumes={f"{container}-data": {"bind": "/data", "mode": "rw"}},
            labels={APP_LABEL: name}, extra_hosts=EXTRA_HOSTS,
        )
    except APIError as exc:
        text = app_environment.scrub(str(exc), app_environment.secret_values(environment))
        if "allocated" in text or "address already in use" in text:
            raise Conflict(f"port {port} is already in use",
                           hint="choose another with --port N") from None
        raise EnvironmentUnavailable(f"could not start {container}: {text}") from None
    url = f"http://127.0.0.1:{port}"
    say(f"started {container} (database {shown}); waiting for {url}/health")
    _wait_healthy(running, url + "/health", timeout_s,
                  app_environment.secret_values(environment))
    return AppRun(app=name, image=tag, container=container, url=url + "/", port=port,
                  healthy_s=round(time.perf_counter() - started, 2), database=shown,
                  environment=sorted(environment),
                  first_admin=first_admin_command(folder, container))


# The line of a traceback that names the exception, e.g. "sqlalchemy.exc.OperationalError: ..."
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception): ")


def startup_failure(logs: str) -> str:
    """The line of a container's output that says why it stopped: the app's own `error: ...`,
    else the exception a traceback ended with, else the last line."""
    lines = [line.strip() for line in logs.splitlines() if line.strip()]
    for pattern in (re.compile(r"^error: "), _EXCEPTION_LINE):
        said = [line for line in lines if pattern.match(line)]
        if said:
            return said[-1]
    return lines[-1] if lines else "no output"


def _wait_healthy(container: Any, health_url: str, timeout_s: float,
                  secrets_shown_masked: list[str]) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        container.reload()
        if container.status in ("exited", "dead"):
            why = startup_failure(container.logs(tail=60).decode("utf-8", "replace"))
            raise EnvironmentUnavailable(
                "the app's container stopped at startup: "
                + app_environment.scrub(why, secrets_shown_masked)[:400],
                hint=f"see its output: docker logs {container.name}",
            )
        try:
            with urllib.request.urlopen(health_url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    raise EnvironmentUnavailable(
        f"the app did not answer {health_url} within {timeout_s:.0f} s",
        hint=f"see its output: docker logs {container.name}",
    )


def stop(folder: Path) -> str | None:
    """Stop and remove the app's container; its data volume stays. None when none ran."""
    name = container_name(app_name(folder))
    return name if _remove_container(connect(), name) else None
