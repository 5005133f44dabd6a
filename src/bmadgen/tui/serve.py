"""`bmadgen tui --serve`: the same wizard in a browser, through textual-serve.

Each browser tab starts its own `bmadgen tui` process on this machine. textual-serve has no
authentication, so the server listens on the loopback interface only (127.0.0.1), never on a
network address; anyone who can reach that port on this machine can use the wizard as you.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable

from bmadgen.errors import EnvironmentUnavailable

HOST = "127.0.0.1"
WARNING = ("no authentication: the wizard is served on 127.0.0.1 only; anyone who can reach "
           "this port on this machine acts as you")


def command(project: str | None) -> str:
    """The command each browser session runs: this Python, this bmadgen, the wizard."""
    parts = [sys.executable, "-m", "bmadgen", "tui"]
    if project:
        parts += ["--project", project]
    return shlex.join(parts)


def serve(*, port: int, project: str | None, say: Callable[[str], None] = print) -> None:
    try:
        from textual_serve.server import Server
    except ImportError as exc:
        raise EnvironmentUnavailable(
            "serving the wizard to a browser needs textual-serve, which is not installed",
            hint="pip install 'bmadgen[serve]' (or pip install textual-serve)") from exc
    say(f"bmadgen wizard on http://{HOST}:{port} ({WARNING}); Ctrl+C stops it")
    Server(command(project), host=HOST, port=port, title="bmadgen").serve()
