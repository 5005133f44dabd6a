"""The sandboxes on the Docker engine (list, pause, resume, remove, prune) and the gate image."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bmadgen.sandbox.base import SandboxInfo
from bmadgen.sandbox.image import ImageInfo
from bmadgen.services.session import Session

__all__ = ["ImageInfo", "SandboxInfo"]


def list_sandboxes(session: Session, *, all_projects: bool = False) -> list[SandboxInfo]:
    """The current project's sandboxes; every sandbox with `all_projects`, or when no project
    is current (an explicitly named project must exist)."""
    from bmadgen.sandbox import manage

    name = None
    if not all_projects:
        project = session.project_or_none()
        name = project.name if project is not None else None
    return manage.list_sandboxes(name)


def pause(session: Session, ref: str) -> SandboxInfo:
    from bmadgen.sandbox import manage

    return manage.pause(ref)


def resume(session: Session, ref: str) -> SandboxInfo:
    from bmadgen.sandbox import manage

    return manage.resume(ref)


def remove(session: Session, ref: str) -> SandboxInfo:
    from bmadgen.sandbox import manage

    return manage.remove(ref)


def prune(session: Session, *, everything: bool = False) -> list[str]:
    """Remove sandboxes whose bmadgen process is gone (every one with `everything`)."""
    from bmadgen.sandbox import manage

    return manage.prune(everything=everything)


def build_image(session: Session, *, offline: bool = True, cache_dir: Path | None = None,
                tag: str | None = None,
                say: Callable[[str], None] | None = None) -> ImageInfo:
    """Build the gate image (offline: debootstrap and a local wheelhouse, no registry)."""
    from bmadgen.sandbox.image import build_image as build

    return build(offline=offline, cache_dir=cache_dir or session.settings.cache_dir,
                 tag=tag or session.settings.gate_image, say=say or (lambda text: None))


def list_images(session: Session) -> list[ImageInfo]:
    from bmadgen.sandbox.image import list_images as images

    return images()
