"""A full disk or a read-only store is reported as what it is, with advice that fits (exit 7,
never "restore it from a backup"); commands that only read work on a read-only store; a full
disk during a phase's write is one line and leaves no temporary file (issue 15, item 16).

How the conditions are made (tests run as root, where chmod does not stop a write):
- a read-only store: a tmpfs mounted over BMADGEN_HOME and remounted read-only, and
  separately `chattr +i` on the database file; each test skips where the machine refuses it;
- a full disk: a small tmpfs filled to the last byte; and, everywhere, ENOSPC raised by a
  monkeypatched `os.replace` (the rename every atomic write ends with).
"""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest

from .conftest import EXAMPLES, git


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(argv), capture_output=True, text=True, check=False)


@pytest.fixture
def tmpfs(tmp_path):
    """Mount a tmpfs (size given) at a folder; unmounted at the end."""
    mounted: list[Path] = []

    def mount(path: Path, size: str) -> Path:
        path.mkdir(parents=True, exist_ok=True)
        proc = _run("mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path))
        if proc.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
        mounted.append(path)
        return path

    yield mount
    for path in reversed(mounted):
        _run("umount", "-l", str(path))


def _fill(folder: Path) -> None:
    """Fill the file system holding `folder` to the last byte."""
    for name, chunk in (("filler", 1 << 16), ("filler-tail", 1)):
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            while os.write(fd, b"\0" * chunk):
                pass
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)


def _free(folder: Path) -> None:
    for name in ("filler", "filler-tail"):
        (folder / name).unlink(missing_ok=True)


def _populate(cli, folder: Path) -> None:
    assert cli("project", "new", "notes").code == 0
    assert cli("memory", "add", "the store works read-only").code == 0
    assert cli("task", "add", "check the read-only store").code == 0
    assert cli("new", "garden", "--type", "blog", "--answers",
               str(EXAMPLES / "blog.answers.yaml"), "--yes", "--until", "vision",
               "--dir", str(folder)).code == 0


READS = [["memory", "search", "read-only", "-p", "notes"], ["memory", "list", "-p", "notes"],
         ["task", "list", "-p", "notes"], ["project", "list"], ["state", "-p", "notes"],
         ["project", "show", "notes"], ["phase", "status", "-p", "garden"],
         ["export", "-p", "notes"]]
WRITES = [["memory", "add", "more", "-p", "notes"], ["task", "add", "more", "-p", "notes"],
          ["project", "new", "another"]]


def _check_read_only(cli) -> None:
    for argv in READS:
        result = cli(*argv)
        assert result.code == 0, (argv, result.err)
    assert "the store works read-only" in cli("memory", "search", "read-only", "-p", "notes").out
    for argv in WRITES:
        line = cli(*argv).one_line_error(7)
        assert "read-only" in line and "backup" not in line and "BMADGEN_HOME" in line


def test_a_store_on_a_read_only_file_system(cli, tmpfs, tmp_path, monkeypatch):
    home = tmpfs(tmp_path / "home", "8m")
    monkeypatch.setenv("BMADGEN_HOME", str(home))
    _populate(cli, tmp_path / "garden")
    proc = _run("mount", "-o", "remount,ro", str(home))
    if proc.returncode:
        pytest.skip(f"cannot remount read-only: {proc.stderr.strip()}")
    assert not (home / "bmadgen.db-shm").exists(), "a clean close leaves no -shm file"
    _check_read_only(cli)
    assert "mounted read-only" in cli("memory", "add", "x", "-p", "notes").err


def test_a_store_file_that_is_immutable(cli, tmp_path, bmadgen_home):
    _populate(cli, tmp_path / "garden")
    db = bmadgen_home / "bmadgen.db"
    proc = _run("chattr", "+i", str(db))
    if proc.returncode:
        pytest.skip(f"chattr +i does not work here: {proc.stderr.strip()}")
    try:
        _check_read_only(cli)
        assert "not writable" in cli("memory", "add", "x", "-p", "notes").err
    finally:
        _run("chattr", "-i", str(db))


def test_a_read_only_store_that_needs_an_upgrade_says_so(cli, tmpfs, tmp_path, monkeypatch):
    import sqlite3

    home = tmpfs(tmp_path / "home", "8m")
    monkeypatch.setenv("BMADGEN_HOME", str(home))
    assert cli("project", "new", "notes").code == 0
    with sqlite3.connect(home / "bmadgen.db") as conn:  # as an older bmadgen left it
        conn.execute("DELETE FROM _migrations WHERE name = 'm004_gate_run_owner'")
    conn.close()
    if _run("mount", "-o", "remount,ro", str(home)).returncode:
        pytest.skip("cannot remount read-only")
    line = cli("project", "list").one_line_error(7)
    assert "read-only" in line and "upgrade" in line


def test_a_full_disk_under_the_store_says_so(cli, tmpfs, tmp_path, monkeypatch):
    home = tmpfs(tmp_path / "home", "1m")
    monkeypatch.setenv("BMADGEN_HOME", str(home))
    assert cli("project", "new", "notes").code == 0
    _fill(home)
    for argv in (["memory", "add", "x" * 30_000, "-p", "notes"], ["task", "add", "t"]):
        line = cli(*argv).one_line_error(7)
        assert "full" in line and "free some space" in line and "backup" not in line


def test_a_full_disk_during_a_phase_write_is_one_line_and_leaves_no_temporary_file(
        cli, tmpfs, tmp_path, monkeypatch):
    folder = tmpfs(tmp_path / "disk", "2m") / "garden"
    assert cli("new", "garden", "--type", "blog", "--answers",
               str(EXAMPLES / "blog.answers.yaml"), "--yes", "--until", "vision",
               "--dir", str(folder)).code == 0
    before = set(folder.rglob("*"))
    _fill(folder.parent)
    monkeypatch.chdir(folder)
    line = cli("phase", "run", "requirements").one_line_error(7)
    assert "No space left on device" in line or "full" in line
    assert not [p for p in set(folder.rglob("*")) - before if ".git" not in p.parts]
    _free(folder.parent)
    assert cli("phase", "run", "requirements").code == 0  # and with space again, it recovers
    _fill(folder.parent)
    line = cli("phase", "approve", "requirements").one_line_error(7)
    assert "full" in line and ".gitignore" not in line
    _free(folder.parent)
    assert cli("phase", "approve", "requirements").code == 0
    assert git(folder, "status", "--porcelain") == ""


def test_enospc_on_a_phase_write_is_one_line_everywhere(cli, blog, monkeypatch):
    real_replace = os.replace

    def full(src, dst, *args, **kwargs):
        if str(dst).endswith(".md"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full)
    monkeypatch.chdir(blog.path)
    line = cli("phase", "run", "vision").one_line_error(7)
    assert "docs/brief.md" in line and "free some space" in line
    assert not [p for p in Path(blog.path).rglob("*.tmp")]


def test_new_in_a_folder_that_cannot_be_made_is_one_line(cli, bmadgen_home):
    for folder in ("/proc/x", "/proc/self/no/such/dir"):
        cli("new", "garden", "--type", "blog", "--dir", folder).one_line_error(3, 7)
    assert cli("project", "list", "--json").code == 0
    assert '"total": 0' in cli("project", "list", "--json").out


def test_new_on_a_full_disk_leaves_nothing_behind(cli, tmpfs, tmp_path):
    disk = tmpfs(tmp_path / "disk", "64k")
    _fill(disk)
    cli("new", "garden", "--type", "blog", "--dir", str(disk / "garden")).one_line_error(7)
    assert not (disk / "garden").exists()
    assert '"total": 0' in cli("project", "list", "--json").out
