"""Pieces of `app run` that need no Docker engine: the port probe and the line that says why a
container stopped at startup."""

from __future__ import annotations

import socket
from pathlib import Path

from bmadgen.sandbox.app_image import first_admin_command, port_free, startup_failure


def test_a_container_that_stopped_at_startup_is_explained_by_its_error_line() -> None:
    traceback = """INFO:     Started server process [1]
INFO:     Waiting for application startup.
ERROR:    Traceback (most recent call last):
  File "/opt/venv/lib/python3.11/site-packages/psycopg/connection.py", line 119, in connect
    raise last_ex.with_traceback(None)
psycopg.OperationalError: connection failed: connection refused

The above exception was the direct cause of the following exception:

sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: connection refused
(Background on this error at: https://sqlalche.me/e/20/e3q8)

ERROR:    Application startup failed. Exiting.
"""
    assert startup_failure(traceback) == ("sqlalchemy.exc.OperationalError: (psycopg."
                                          "OperationalError) connection failed: connection refused")
    assert startup_failure("noise\nerror: SECRET_KEY is required\nmore noise\n") == \
        "error: SECRET_KEY is required"
    assert startup_failure("just this\n") == "just this"
    assert startup_failure("") == "no output"


def test_a_port_is_busy_while_listened_on_and_free_in_time_wait() -> None:
    with socket.socket() as server:
        # As docker-proxy listens (Go sets SO_REUSEADDR on every listener).
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert not port_free(port)
        with socket.create_connection(("127.0.0.1", port)) as client:
            accepted, _ = server.accept()
            accepted.close()  # the server side closes first: its end lingers in TIME_WAIT
            client.recv(1)
    # Nothing listens any more; a stopped container's last connections must not block a rerun.
    assert port_free(port)


def test_run_says_how_to_make_the_first_admin_only_for_an_app_that_signs_people_in(
        tmp_path: Path) -> None:
    assert first_admin_command(tmp_path, "bmadgen-app-shop") is None
    accounts = tmp_path / "app" / "shared" / "accounts.py"
    accounts.parent.mkdir(parents=True)
    accounts.write_text('"""create-admin"""\n')
    assert first_admin_command(tmp_path, "bmadgen-app-shop") == (
        "docker exec -it bmadgen-app-shop python -m app.shared.accounts create-admin EMAIL")
