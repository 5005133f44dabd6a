"""The generated app's container image: build it offline, run it, stop it (`bmadgen app`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

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


def run(session: Session, *, port: int = 8000, env: Sequence[str] = (),
        env_file: Path | None = None, database_url: str | None = None,
        say: Say | None = None) -> AppRun:
    """Start the built image detached on 127.0.0.1:`port` and wait until /health answers.
    `env_file` (KEY=VALUE lines), then `env` (KEY=VALUE, or KEY for this process's value),
    then `database_url` set the container's variables; the URL is checked (SQLite or
    PostgreSQL on a host the container reaches) and shown with its password masked."""
    from bmadgen.sandbox import app_image

    return app_image.run(session.folder(), port=port, entries=env, env_file=env_file,
                         database_url=database_url, say=say or (lambda text: None))


def stop(session: Session) -> str | None:
    """Stop and remove the app's container (its data volume stays); None when none ran."""
    from bmadgen.sandbox import app_image

    return app_image.stop(session.folder())
