"""Ctrl-C ends any command with exit 130 and one line, never a traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
import time


def test_ctrl_c_while_a_command_waits_gives_exit_130_and_one_line(tmp_path) -> None:
    subprocess.run([sys.executable, "-m", "bmadgen", "project", "new", "demo"], check=True,
                   capture_output=True)
    # `memory add -` reads the text from standard input, so it waits until interrupted.
    # The child gets SIGINT's default back: a runner started in the background ignores it,
    # and an ignored SIGINT would never reach Python as Ctrl-C.
    child = subprocess.Popen(
        [sys.executable, "-m", "bmadgen", "memory", "add", "-"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # noqa: PLW1509
    time.sleep(1.5)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=30)
    assert child.returncode == 130
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] in ("interrupted", "aborted")
    listed = subprocess.run([sys.executable, "-m", "bmadgen", "memory", "list", "--json"],
                            check=True, capture_output=True, text=True)
    assert '"total": 0' in listed.stdout
