"""DOCKER_HOST pointing at another engine address works unchanged.

The "other engine" is the local one reached through a TCP proxy on 127.0.0.1, so every
request (API calls, the copy into the container, the hijacked exec streams) crosses a
different transport than the default unix socket. ssh:// goes through the same docker SDK
client (use_ssh_client) and is not exercised here: no sshd runs on this machine.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

DEFAULT_SOCKET = "/var/run/docker.sock"


class TcpToUnixProxy:
    """Forwards every TCP connection on 127.0.0.1:<port> to the engine's unix socket."""

    def __init__(self, target: str):
        self.target = target
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.server.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True),
                             daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket, coalesce: bool = False) -> None:
        # From the engine, an exec's upgrade response is held back a moment and sent in one
        # packet with the first output, as a slow link may deliver them. A half-close is
        # passed on: the exec that copies the app in ends its stdin with one.
        try:
            while data := source.recv(65536):
                if coalesce and data.startswith(b"HTTP/1.1 101"):
                    time.sleep(0.05)
                    source.setblocking(False)
                    try:
                        data += source.recv(65536)
                    except BlockingIOError:
                        pass
                    finally:
                        source.setblocking(True)
                sink.sendall(data)
            sink.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        self._stop.set()
        self.server.close()


@pytest.mark.docker
def test_gates_run_against_the_engine_named_by_docker_host(
    docker_client, vsa_app: Path, store, project, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.environ.get("DOCKER_HOST") or not os.path.exists(DEFAULT_SOCKET):
        pytest.skip("needs the engine on its default unix socket to proxy to")
    from bmadgen.gates.service import run_gates

    proxy = TcpToUnixProxy(DEFAULT_SOCKET)
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{proxy.port}")
    try:
        report = run_gates(store, project, vsa_app, gates=["format", "lint", "tests"],
                           slices=["products"], sandbox="docker", use_cache=False)
    finally:
        proxy.close()
    assert report.backend == "docker" and report.isolated
    assert proxy.connections > 0, "the engine was reached through DOCKER_HOST"
    statuses = {r.label: r.status for r in report.results}
    assert statuses == {"format": "passed", "lint": "passed", "tests[products]": "passed"}


@pytest.mark.docker
def test_docker_host_naming_no_engine_is_a_clear_error(
    vsa_app: Path, store, project, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bmadgen.errors import EnvironmentUnavailable
    from bmadgen.gates.service import run_gates

    with socket.create_server(("127.0.0.1", 0)) as probe:
        free_port = probe.getsockname()[1]
    monkeypatch.setenv("DOCKER_HOST", f"tcp://127.0.0.1:{free_port}")
    with pytest.raises(EnvironmentUnavailable, match=f"tcp://127.0.0.1:{free_port}"):
        run_gates(store, project, vsa_app, sandbox="docker")
