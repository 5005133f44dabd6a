"""The Docker engine: a client for the engine `DOCKER_HOST` names, and whether it has the image.

bmadgen never pulls an image implicitly: a missing gate image is an error that says how to build
it (a `build_gate_image` next action) and how long that takes. `docker` is imported only when a
client is actually made (it is slow to import).

The client's timeout bounds each API request; it never bounds a running exec (the sandbox reads
an exec's stream for as long as the tier's timeout allows).
"""

from __future__ import annotations

from typing import Any

from bmadgen.errors import EnvironmentUnavailable
from bmadgen.models import NextAction

DEFAULT_IMAGE = "bmadgen/gates:latest"
API_TIMEOUT_S = 60  # one API request (exec streams set their own read deadline)
# `bmadgen sandbox image build --offline`, measured on a shared 2-CPU machine (load 3-7): 0.8 s
# when nothing changed, 34 s with the base image and wheels cached (no layer cache), 147 s the
# first time (debootstrap 97 s, import 4 s, wheel download 16 s, build 30 s).
BUILD_TIME = ("about 35 s when its base and wheels are cached, about 2.5 min the first time, "
              "which needs the network once")


def image_name() -> str:
    from bmadgen.settings import get_settings

    return get_settings().gate_image or DEFAULT_IMAGE


def connect() -> Any:
    """A docker client for `DOCKER_HOST` (unix, tcp or ssh://), or EnvironmentUnavailable."""
    import docker
    from docker.errors import DockerException

    from bmadgen.settings import get_settings

    host = get_settings().docker_host
    try:
        client = docker.from_env(timeout=API_TIMEOUT_S, use_ssh_client=host.startswith("ssh://"))
        client.ping()
    except (DockerException, OSError) as exc:
        where = host or "the default socket"
        raise EnvironmentUnavailable(
            f"no Docker engine answers at {where}",
            hint="start the engine (e.g. `sudo dockerd &`), point DOCKER_HOST at one, "
            "or run with --sandbox local (not isolated)",
        ) from exc
    return client


def require_image(client: Any, name: str) -> Any:
    from docker.errors import ImageNotFound

    try:
        return client.images.get(name)
    except ImageNotFound:
        raise EnvironmentUnavailable(
            f"the gate image {name} is not built on the Docker engine",
            hint=f"build it once, offline ({BUILD_TIME}); bmadgen never pulls an image by itself",
            action=NextAction(kind="build_gate_image",
                              detail=f"build the gate image {name} ({BUILD_TIME})"),
        ) from None


def ready_client() -> Any:
    """A client for an engine that has the gate image, or EnvironmentUnavailable saying why."""
    client = connect()
    require_image(client, image_name())
    return client
