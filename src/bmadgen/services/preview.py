"""Seeing the project: the HTML prototype served on 127.0.0.1 with live reload, the generated
application run with uvicorn, and a screenshot of every prototype page (headless Chromium)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

from pydantic import BaseModel

from bmadgen.errors import EnvironmentUnavailable, NotFound
from bmadgen.export import write_atomic
from bmadgen.models import NextAction
from bmadgen.services.session import Session
from bmadgen.share import chromium
from bmadgen.share.preview import HOST, PreviewServer, free_port, port_in_use, wait_listening

PROTOTYPE = "prototype"
SHOTS = "prototype/shots"
APP_MODULE = "app.main:app"
APP_START_TIMEOUT_S = 60.0


class PreviewInfo(BaseModel):
    url: str
    port: int
    folder: str
    pages: list[str]
    note: str = ""  # e.g. the requested port was in use and another was chosen


class Screenshot(BaseModel):
    page: str
    path: str  # relative to the project folder


class ShotsResult(BaseModel):
    folder: str
    shots: list[Screenshot]


def prototype_folder(session: Session) -> Path:
    """The project's prototype folder; NotFound (with the phase that makes it) when absent."""
    folder = session.folder() / PROTOTYPE
    if not (folder / "index.html").is_file():
        raise NotFound(f"there is no prototype yet ({folder / 'index.html'})",
                       hint="the prototype phase writes it",
                       action=NextAction(kind="run_phase", phase="prototype"))
    return folder


def pages(folder: Path) -> list[str]:
    """The prototype's pages, index first."""
    names = sorted(p.name for p in folder.glob("*.html"))
    return sorted(names, key=lambda name: name != "index.html")


def serve_prototype(session: Session, port: int | None = None) -> tuple[PreviewServer,
                                                                          PreviewInfo]:
    """Start serving the prototype in the background; the caller stops the server. A port in
    use is replaced by a free one (the info's `note` says so)."""
    folder = prototype_folder(session)
    server = PreviewServer(folder, port).start()
    return server, PreviewInfo(url=server.url, port=server.port, folder=str(folder),
                               pages=pages(folder), note=server.note)


class AppProcess(BaseModel):
    url: str
    port: int
    pid: int
    note: str = ""


def start_app(session: Session, port: int | None = None) -> tuple[subprocess.Popen[bytes],
                                                                    AppProcess]:
    """Run the generated application (`uvicorn app.main:app`) on 127.0.0.1; the caller waits
    for and ends the process."""
    folder = session.folder()
    if not (folder / "app" / "main.py").is_file():
        raise NotFound(f"there is no generated application in {folder} (app/main.py)",
                       action=NextAction(kind="generate"))
    if importlib.util.find_spec("uvicorn") is None:
        raise EnvironmentUnavailable("uvicorn is not installed; it runs the application",
                                     hint="pip install uvicorn fastapi sqlalchemy")
    note = ""
    chosen = port or free_port()
    if port and port_in_use(port):
        chosen = free_port()
        note = f"port {port} is in use; running on port {chosen} instead"
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", APP_MODULE, "--host", HOST, "--port", str(chosen)],
        cwd=folder)
    if not wait_listening(chosen, lambda: process.poll() is None, APP_START_TIMEOUT_S):
        code = process.poll()
        if code is None:
            process.terminate()
            process.wait(timeout=10)
        raise EnvironmentUnavailable(
            f"the application did not start on port {chosen}"
            + (f" (it exited with code {code})" if code is not None else
               f" within {APP_START_TIMEOUT_S:.0f} s"),
            hint="its own output above says why; are its dependencies installed?")
    return process, AppProcess(url=f"http://{HOST}:{chosen}/docs", port=chosen,
                               pid=process.pid, note=note)


def screenshots(session: Session, *, width: int = 1280, height: int = 900) -> ShotsResult:
    """A PNG of every prototype page, as served, in `prototype/shots/` (each replaced whole)."""
    folder = prototype_folder(session)
    chromium.require()
    target = folder / "shots"
    target.mkdir(exist_ok=True)
    server = PreviewServer(folder).start()
    shots: list[Screenshot] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bmadgen-shots-") as tmp:
            for page in pages(folder):
                png = Path(tmp) / (Path(page).stem + ".png")
                chromium.screenshot(server.url + page, png, width=width, height=height)
                write_atomic(target / png.name, png.read_bytes())
                shots.append(Screenshot(page=page, path=f"{SHOTS}/{png.name}"))
    finally:
        server.stop()
    return ShotsResult(folder=str(target), shots=shots)
