"""`bmadgen sandbox list|pause|resume|rm|prune`: the labelled containers on the engine."""

from __future__ import annotations

from bmadgen.errors import Conflict
from bmadgen.sandbox import docker_backend
from bmadgen.sandbox.base import SandboxInfo


def list_sandboxes(project: str | None = None) -> list[SandboxInfo]:
    return docker_backend.describe(docker_backend.connect(), project)


def _transition(ref: str, expected: str, action: str) -> SandboxInfo:
    client = docker_backend.connect()
    container = docker_backend.find(client, ref)
    if container.status != expected:
        raise Conflict(f"sandbox {container.name} is {container.status}, not {expected}")
    getattr(container, action)()
    return docker_backend.info_of(docker_backend.find(client, ref))


def pause(ref: str) -> SandboxInfo:
    """Freeze a running sandbox: its processes stop and it uses no CPU."""
    return _transition(ref, "running", "pause")


def resume(ref: str) -> SandboxInfo:
    return _transition(ref, "paused", "unpause")


def remove(ref: str) -> SandboxInfo:
    client = docker_backend.connect()
    container = docker_backend.find(client, ref)
    info = docker_backend.info_of(container)
    container.remove(force=True)
    info.status = "removed"
    return info


def prune(*, everything: bool = False) -> list[str]:
    """Remove orphans (their bmadgen process is gone); with `everything`, every sandbox."""
    client = docker_backend.connect()
    if not everything:
        return docker_backend.reap_orphans(client)
    removed = []
    for container in docker_backend.list_sandboxes(client):
        container.remove(force=True)
        removed.append(container.name)
    return removed
