"""Errors reach the person as one line (a notification or a message beside the field), never a
traceback; bare `bmadgen` without a terminal prints the help."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bmadgen.tui.app import BmadgenApp
from tests.tui.conftest import REPO, notifications, wait_for

pytestmark = pytest.mark.anyio


async def test_an_unknown_project_is_a_notification_not_a_crash(tmp_path: Path) -> None:
    app = BmadgenApp(project="nosuchproject", cwd=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: any("nosuchproject" in n for n in notifications(app)),
                       what="the error notification")
        assert app.is_running
        assert not any("Traceback" in n for n in notifications(app))


async def test_the_gallery_refuses_bad_names_beside_the_field(tmp_path: Path) -> None:
    from bmadgen.tui.screens.new_project import NewProjectScreen

    app = BmadgenApp(cwd=tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, NewProjectScreen))
        form = app.screen
        await pilot.click("#ok")
        await pilot.pause(0.1)
        assert str(form.query_one("#name-error").render()) == "a name is required"
        form.query_one("#name").value = "My Shop"
        await pilot.click("#ok")
        await pilot.pause(0.1)
        assert "is not valid: use lowercase letters" in str(form.query_one("#name-error").render())
        assert form.query_one("#name").value == "My Shop"  # what was typed stays
        form.query_one("#name").value = "shop"
        form.query_one("#answers").value = str(tmp_path / "missing.yaml")
        await pilot.click("#ok")
        await pilot.pause(0.1)
        assert "no file at" in str(form.query_one("#answers-error").render())
        assert app.screen is form
    assert not (tmp_path / "shop").exists()  # nothing was created


async def test_too_small_a_terminal_says_so(tmp_path: Path) -> None:
    from bmadgen.tui.screens.modals import TooSmallScreen

    app = BmadgenApp(cwd=tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, TooSmallScreen))
        await pilot.resize_terminal(100, 30)
        await wait_for(pilot, lambda: not isinstance(app.screen, TooSmallScreen))


def _bmadgen(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environment.update(PYTHONPATH=str(REPO / "src"), **env)
    return subprocess.run([sys.executable, "-m", "bmadgen", *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60, env=environment,
                          check=False)


def test_bare_bmadgen_without_a_terminal_prints_help_and_exits_0() -> None:
    done = _bmadgen()
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout and "tui" in done.stdout


def test_bare_bmadgen_in_ci_prints_help_even_in_a_terminal() -> None:
    from bmadgen.cli.app import wants_wizard

    assert wants_wizard(["memory", "list"]) is False
    os.environ["CI"] = "true"
    try:
        assert wants_wizard([]) is False
    finally:
        del os.environ["CI"]


def test_the_theme_follows_a_light_terminal(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    from bmadgen.tui.app import terminal_is_light

    assert terminal_is_light({"COLORFGBG": "0;15"}) is True
    assert terminal_is_light({"COLORFGBG": "15;default;0"}) is False
    assert terminal_is_light({}) is False
    monkeypatch.setenv("COLORFGBG", "0;15")
    assert BmadgenApp(cwd=tmp_path).theme == "textual-light"
    monkeypatch.setenv("COLORFGBG", "15;0")
    assert BmadgenApp(cwd=tmp_path).theme != "textual-light"


def test_serve_answers_on_loopback_only(tmp_path: Path) -> None:
    """`bmadgen tui --serve` starts textual-serve on 127.0.0.1 and says it has no auth."""
    import socket
    import time
    import urllib.request

    pytest.importorskip("textual_serve")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environment["PYTHONPATH"] = str(REPO / "src")
    server = subprocess.Popen([sys.executable, "-m", "bmadgen", "tui", "--serve", "--port",
                               str(port)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=environment,
                              cwd=tmp_path)
    try:
        page = ""
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                    page = answer.read().decode()
                break
            except OSError:
                time.sleep(0.1)
        assert "bmadgen" in page
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}" in err and "no authentication" in err


OPEN_AND_LIST = """
import asyncio, sys
from pathlib import Path
from bmadgen.tui.app import BmadgenApp

async def main():
    app = BmadgenApp(project=sys.argv[2], cwd=Path(sys.argv[1]))
    async with app.run_test(size=(120, 40)) as pilot:
        while not (type(app.screen).__name__ == "ProjectScreen" and app.screen.status):
            await asyncio.sleep(0.01)
        await pilot.press("g")
        while not hasattr(app.screen, "gate_names"):
            await asyncio.sleep(0.01)
    print(sorted(m for m in ("litellm", "docker", "mcp") if m in sys.modules))

asyncio.run(main())
"""


def test_opening_the_wizard_loads_no_llm_docker_or_mcp(shop: str, tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environment["PYTHONPATH"] = str(REPO / "src")
    done = subprocess.run([sys.executable, "-c", OPEN_AND_LIST, str(tmp_path), shop],
                          capture_output=True, text=True, timeout=120, env=environment,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_bare_bmadgen_in_a_terminal_opens_the_wizard(tmp_path: Path) -> None:
    """In a real (pseudo) terminal, bare `bmadgen` draws the dashboard; ctrl+q quits with 0."""
    import fcntl
    import pty
    import select
    import struct
    import termios
    import time

    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    environment.update(PYTHONPATH=str(REPO / "src"), TERM="xterm-256color")
    environment.pop("CI", None)
    process = subprocess.Popen([sys.executable, "-m", "bmadgen"], stdin=child, stdout=child,
                               stderr=child, env=environment, cwd=tmp_path, close_fds=True)
    os.close(child)
    seen = b""
    try:
        end = time.monotonic() + 60
        while b"Projects" not in seen and time.monotonic() < end:
            ready, _, _ = select.select([main], [], [], 0.2)
            if ready:
                seen += os.read(main, 65536)
        assert b"Projects" in seen, seen[-500:]
        os.write(main, b"\x11")  # ctrl+q
        end = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < end:
            ready, _, _ = select.select([main], [], [], 0.2)
            if ready:
                try:
                    os.read(main, 65536)
                except OSError:
                    break
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(main)
