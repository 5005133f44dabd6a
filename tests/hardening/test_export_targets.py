"""`export -o` writes into a FIFO, refuses a device or a socket (never replaces one with a
file), reports a closed or full standard output in one line, and a kill at any point of its
write leaves the old file or the new one (issue 15, item 3)."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from .conftest import run_process


@pytest.fixture
def demo(cli):
    assert cli("project", "new", "demo").code == 0
    assert cli("memory", "add", "remember the export").code == 0


def test_a_fifo_is_written_into_not_replaced(cli, demo, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = cli("export", "-o", str(fifo))
    reader.join(timeout=30)
    assert result.code == 0, result.err
    assert stat.S_ISFIFO(fifo.lstat().st_mode), "the FIFO was replaced by a file"
    assert received and received[0].startswith(b"# demo")
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def _char_device(path: Path) -> Path:
    """A device node like /dev/full (1, 7) in a temporary folder: replacing it, as the bug
    did, harms nothing outside the test."""
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    return path


def test_a_device_is_refused_and_left_as_it_is(cli, demo, tmp_path):
    device = _char_device(tmp_path / "full")
    line = cli("export", "-o", str(device)).one_line_error(3)
    assert "device" in line
    assert stat.S_ISCHR(device.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["full"], "no temporary file is left"


def test_a_link_to_a_device_is_refused(cli, demo, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(_char_device(tmp_path / "full"))
    cli("export", "-o", str(link)).one_line_error(3)
    assert link.is_symlink() and stat.S_ISCHR(link.stat().st_mode)


def test_a_socket_is_refused(cli, demo, tmp_path):
    path = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    try:
        assert "socket" in cli("export", "-o", str(path)).one_line_error(3)
        assert stat.S_ISSOCK(path.lstat().st_mode)
    finally:
        server.close()


@pytest.mark.parametrize("argv", [["export"], ["project", "list"], ["--version"],
                                  ["answers", "sample", "--type", "blog"],  # typer.echo
                                  ["gate", "list"]],  # a rich table
                         ids=lambda a: " ".join(a))
def test_closed_standard_output_is_one_line(cli, demo, argv):
    # `bmadgen export >&-`: the process starts with no descriptor 1.
    result = run_process(*argv, stdout=None, preexec_fn=lambda: os.close(1))
    assert result.code == 7, result.err
    assert "Traceback" not in result.err
    assert result.err.strip().startswith("error: standard output is closed")
    assert len(result.err.strip().splitlines()) == 1


def test_full_standard_output_is_one_line(cli, demo):
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([sys.executable, "-m", "bmadgen", "export"], stdout=full,
                              stderr=subprocess.PIPE, text=True, env=dict(os.environ),
                              timeout=60, check=False)
    assert proc.returncode == 7, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == "error: cannot write to standard output: No space left on device"


def test_closed_standard_output_does_not_stop_export_to_a_file(cli, demo, tmp_path):
    out = tmp_path / "out.md"
    result = run_process("export", "-o", str(out), stdout=None, preexec_fn=lambda: os.close(1))
    assert result.code == 0, result.err
    assert out.read_text().startswith("# demo")


# ---------------------------------------------------------------- killed mid-write

# The child exports to a file that already holds an older export, and SIGKILLs itself at one
# point of the write (like a power cut): after the temporary file is written, before or after
# it is renamed over the target.
KILL = """
import os, signal, sys
from bmadgen.cli.app import main

point = sys.argv[1]
real_fsync, real_replace = os.fsync, os.replace

def fsync(fd):
    real_fsync(fd)
    if point == "after-data":
        os.kill(os.getpid(), signal.SIGKILL)

def replace(src, dst, **kw):
    if point == "before-rename":
        os.kill(os.getpid(), signal.SIGKILL)
    real_replace(src, dst, **kw)
    if point == "after-rename":
        os.kill(os.getpid(), signal.SIGKILL)

os.fsync, os.replace = fsync, replace
main(["export", "-f", "json", "-o", sys.argv[2]])
"""


@pytest.mark.parametrize("point", ["after-data", "before-rename", "after-rename"])
def test_an_export_killed_mid_write_leaves_the_old_file_or_the_new(cli, demo, tmp_path, point):
    target = tmp_path / "export.json"
    assert cli("export", "-f", "json", "-o", str(target)).code == 0
    old = target.read_bytes()
    assert cli("memory", "add", "something new since").code == 0
    reference = tmp_path / "reference.json"
    assert cli("export", "-f", "json", "-o", str(reference)).code == 0
    new = reference.read_bytes().split(b'"exported_at"')[0]

    proc = subprocess.run([sys.executable, "-c", KILL, point, str(target)], env=dict(os.environ),
                          capture_output=True, timeout=60, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    now = target.read_bytes()
    assert now == old or now.startswith(new), point
    assert (now == old) == (point != "after-rename")
