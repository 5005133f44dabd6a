"""The generated app's container image: build it offline, run it, stop it (`bmadgen app`)."""

from __future__ import annotations

from collections.abc import Callable

from bmadgen.sandbox.app_image import AppImage, AppRun
from bmadgen.services.session import Session

__all__ = ["AppImage", "AppRun"]
Say = Callable[[str], None]


def build(session: Session, *, say: Say | None = None) -> AppImage:
    """Build the app's image on the local engine without a registry (the gate image's recipe:
    the local Debian base image and the wheelhouse in the cache folder)."""
    from bmadgen.sandbox import app_image

    return app_image.build(session.folder(), cache_dir=session.settings.cache_dir,
                           say=say or (lambda text: None))


def run(session: Session, *, port: int = 8000, say: Say | None = None) -> AppRun:
    """Start the built image detached on 127.0.0.1:`port` and wait until /health answers."""
    from bmadgen.sandbox import app_image

    return app_image.run(session.folder(), port=port, say=say or (lambda text: None))


def stop(session: Session) -> str | None:
    """Stop and remove the app's container (its data volume stays); None when none ran."""
    from bmadgen.sandbox import app_image

    return app_image.stop(session.folder())
