"""The fleet: bmadgen's labelled sandbox containers on the engine, and the orphans among them.

Every sandbox container carries the labels made here (project, run, tier, owner pid and host,
creation time); they are how `bmadgen sandbox list|pause|resume|rm|prune` finds them, and how a
container left by a crashed or killed run is recognised (its owner process is gone) and reaped.
"""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from bmadgen.errors import Conflict, NotFound
from bmadgen.models import NextAction
from bmadgen.sandbox.base import SandboxInfo, pid_alive
from bmadgen.sandbox.engine import connect

LABEL = "bmadgen.sandbox"
ORPHAN_MAX_AGE_S = 24 * 3600  # a sandbox owned by another host is reaped after this long


def labels_for(project: str, run_id: str, tier: str) -> dict[str, str]:
    """The labels of a new sandbox container owned by this process."""
    return {
        LABEL: "1",
        "bmadgen.project": project,
        "bmadgen.run": run_id,
        "bmadgen.tier": tier,
        "bmadgen.owner_pid": str(os.getpid()),
        "bmadgen.owner_host": socket.gethostname(),
        "bmadgen.created": str(int(time.time())),
    }


def info_of(container: Any) -> SandboxInfo:
    labels = container.labels or {}
    pid = labels.get("bmadgen.owner_pid", "")
    created = labels.get("bmadgen.created", "")
    return SandboxInfo(
        id=container.short_id,
        name=container.name,
        backend="docker",
        project=labels.get("bmadgen.project", ""),
        run_id=labels.get("bmadgen.run", ""),
        status=container.status,
        created=time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(int(created)))
        if created.isdigit() else "",
        owner_pid=int(pid) if pid.isdigit() else None,
        image=(container.attrs.get("Config") or {}).get("Image", ""),
    )


def containers(client: Any, project: str | None = None) -> list[Any]:
    """The bmadgen sandbox containers on the engine (of one project, if named), any state."""
    filters = {"label": [f"{LABEL}=1"] + ([f"bmadgen.project={project}"] if project else [])}
    return list(client.containers.list(all=True, filters=filters))


def is_orphan(container: Any, *, now: float | None = None) -> bool:
    """Left behind by a run that no longer exists (its owner process died, or it is old)."""
    labels = container.labels or {}
    created = labels.get("bmadgen.created", "0")
    age = (now or time.time()) - (int(created) if created.isdigit() else 0)
    if labels.get("bmadgen.owner_host") != socket.gethostname():
        return age > ORPHAN_MAX_AGE_S
    pid = labels.get("bmadgen.owner_pid", "")
    return not pid.isdigit() or not pid_alive(int(pid))


def reap_orphans(client: Any) -> list[str]:
    """Remove labelled containers whose owning bmadgen process is gone; return their names."""
    from docker.errors import APIError
    from docker.errors import NotFound as DockerNotFound

    removed = []
    for container in containers(client):
        if is_orphan(container):
            try:
                container.remove(force=True)
                removed.append(container.name)
            except (DockerNotFound, APIError):
                continue
    return removed


def find(client: Any, ref: str) -> Any:
    """A bmadgen sandbox by container id (prefix), name, or run id."""
    for container in containers(client):
        labels = container.labels or {}
        if ref in (container.name, labels.get("bmadgen.run")) or container.id.startswith(ref):
            return container
    raise NotFound(f"no sandbox {ref!r} among bmadgen's", hint="list the sandboxes",
                   action=NextAction(kind="list_sandboxes"))


# ---------------------------------------------------------------------- `bmadgen sandbox ...`


def list_sandboxes(project: str | None = None) -> list[SandboxInfo]:
    return [info_of(c) for c in containers(connect(), project)]


def _transition(ref: str, expected: str, action: str) -> SandboxInfo:
    client = connect()
    container = find(client, ref)
    if container.status != expected:
        raise Conflict(f"sandbox {container.name} is {container.status}, not {expected}")
    getattr(container, action)()
    return info_of(find(client, ref))


def pause(ref: str) -> SandboxInfo:
    """Freeze a running sandbox: its processes stop and it uses no CPU."""
    return _transition(ref, "running", "pause")


def resume(ref: str) -> SandboxInfo:
    return _transition(ref, "paused", "unpause")


def remove(ref: str) -> SandboxInfo:
    client = connect()
    container = find(client, ref)
    info = info_of(container)
    container.remove(force=True)
    info.status = "removed"
    return info


def prune(*, everything: bool = False) -> list[str]:
    """Remove orphans (their bmadgen process is gone); with `everything`, every sandbox."""
    client = connect()
    if not everything:
        return reap_orphans(client)
    removed = []
    for container in containers(client):
        container.remove(force=True)
        removed.append(container.name)
    return removed
