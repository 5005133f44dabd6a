"""A local preview of the HTML prototype: a small HTTP server on 127.0.0.1 that serves the
`prototype/` folder and reloads an open page when the prototype is regenerated.

The reload is a script added to the HTML as it is served (never to the files, which stay
plain and need no server): it asks `/__bmadgen/version` once a second and reloads the page
when the answer changes. The version is the newest modification time and the number of files
under the folder, so a regeneration (or a hand edit) shows up within a second.
"""

from __future__ import annotations

import errno
import os
import socket
import threading
import time
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from bmadgen import pathguard
from bmadgen.errors import BmadgenError, EnvironmentUnavailable, InvalidInput

HOST = "127.0.0.1"
VERSION_PATH = "/__bmadgen/version"
# The page carries the version it was served from, so a change made while it loads is seen.
RELOAD_SCRIPT = (
    "<script>/* live reload: reload when the prototype changes */(function(){"
    "var seen='{version}';function poll(){fetch('" + VERSION_PATH + "',{cache:'no-store'})"
    ".then(function(r){return r.text();}).then(function(v){if(v!==seen){location.reload();}"
    "}).catch(function(){}).then(function(){setTimeout(poll,1000);});}setTimeout(poll,1000);"
    "})();</script>"
)


def folder_version(folder: Path) -> str:
    newest, count = 0, 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            try:
                newest = max(newest, os.stat(os.path.join(dirpath, name)).st_mtime_ns)
            except OSError:
                continue
            count += 1
    return f"{newest}-{count}"


def reload_script(version: str) -> str:
    return RELOAD_SCRIPT.replace("{version}", version)  # digits and a dash only


def inject_reload(html: str, version: str) -> str:
    script = reload_script(version)
    index = html.lower().rfind("</body>")
    return html + script if index < 0 else html[:index] + script + html[index:]


class _Handler(SimpleHTTPRequestHandler):
    server_version = "bmadgen-preview"
    root: Path

    def log_message(self, format: str, *args: Any) -> None:
        pass  # a preview is quiet; the person looks at the browser

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == VERSION_PATH:
            self._send(folder_version(self.root).encode(), "text/plain; charset=utf-8")
            return
        relpath = path.lstrip("/") or "index.html"
        if relpath.endswith("/"):
            relpath += "index.html"
        if relpath.endswith(".html"):
            version = folder_version(self.root)  # before reading: a later change reloads
            try:
                page = pathguard.inside(self.root, relpath, "the preview")
                html = page.read_text(encoding="utf-8", errors="replace")
            except (BmadgenError, OSError):
                self.send_error(404, "no such page in the prototype")
                return
            self._send(inject_reload(html, version).encode("utf-8"), "text/html; charset=utf-8")
            return
        if pathguard.problem(self.root, relpath) is not None:
            self.send_error(404, "outside the prototype")
            return
        super().do_GET()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class PreviewServer:
    """Serves `root` on 127.0.0.1 in a background thread until `stop`."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        if port is not None and not 0 <= port <= 65535:
            raise InvalidInput(f"port {port} is not a port number (1 to 65535, or 0 for any "
                               "free port)")
        self.root = root
        self.requested_port = port
        self.note = ""
        handler = type("Handler", (_Handler,), {"root": root})
        factory = partial(handler, directory=str(root))
        try:
            self._httpd = ThreadingHTTPServer((HOST, port or 0), factory)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise EnvironmentUnavailable(
                    f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from exc
            self._httpd = ThreadingHTTPServer((HOST, 0), factory)
            self.note = (f"port {port} is in use; serving on port {self.port} instead")
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        name="bmadgen-preview", daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def start(self) -> PreviewServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_listening(port: int, alive: Callable[[], bool], timeout: float) -> bool:
    """True once something accepts connections on 127.0.0.1:`port`; False when `alive` says
    the process that should listen is gone, or after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((HOST, port)) == 0:
                return True
        time.sleep(0.1)
    return False


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return True
    return False
