"""One bounded reader for every file a person hands in: regular files only, a size cap, UTF-8
with a clear error, and a bounded number of problems reported (issue 15, item 7)."""

from __future__ import annotations

import os
import re
import resource
import socket
import time

import pytest

from bmadgen import fsutil
from bmadgen.errors import InvalidInput, NotFound

from .conftest import EXAMPLES, run_process, store_dump

# ---------------------------------------------------------------- the reader itself


def test_reads_a_regular_utf8_file(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes("\ufeffcaf\u00e9: \u2713\n".encode())
    assert fsutil.read_user_text(path, "the file", max_bytes=100) == "caf\u00e9: \u2713\n"


@pytest.mark.parametrize("target, message", [
    ("/dev/zero", "is a device"),
    ("/dev/null", "is a device"),
    ("fifo", "is a FIFO"),
    ("folder", "is a folder"),
    ("socket", "is a socket"),
])
def test_refuses_what_is_not_a_regular_file_without_reading_it(tmp_path, target, message):
    if target == "fifo":
        os.mkfifo(tmp_path / "fifo")  # nothing writes: opening it for reading would wait
    elif target == "folder":
        (tmp_path / "folder").mkdir()
    elif target == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(tmp_path / "socket"))
    path = tmp_path / target if not target.startswith("/") else target
    started = time.monotonic()
    with pytest.raises(InvalidInput, match=message):
        fsutil.read_user_text(path, "the answers file", max_bytes=1 << 20)
    assert time.monotonic() - started < 5


def test_a_link_to_a_device_is_a_device(tmp_path):
    (tmp_path / "link").symlink_to("/dev/zero")
    with pytest.raises(InvalidInput, match="is a device"):
        fsutil.read_user_text(tmp_path / "link", "the answers file", max_bytes=1 << 20)


def test_missing_is_not_found_with_the_hint(tmp_path):
    with pytest.raises(NotFound, match="no the spec at") as caught:
        fsutil.read_user_text(tmp_path / "nope", "the spec", max_bytes=10, hint="write one")
    assert caught.value.hint == "write one"


def test_a_file_over_the_cap_is_refused_after_reading_no_more_than_the_cap(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a" * 101)
    assert fsutil.read_user_text(path, "f", max_bytes=101) == "a" * 101
    with pytest.raises(InvalidInput, match="larger than 100 bytes"):
        fsutil.read_user_text(path, "f", max_bytes=100)


@pytest.mark.parametrize("data, message", [
    (b"summary: caf\xe9\n", r"not UTF-8 text \(byte 0xe9 on line 1\)"),  # Latin-1
    (b"a: 1\n\xff\xfeb\x00", "binary"),
    ("vision: x\n".encode("utf-16"), "binary"),  # UTF-16 holds NUL bytes
    (b"\x89PNG\r\n\x1a\n", "not UTF-8"),
])
def test_binary_and_other_encodings_are_refused_clearly(tmp_path, data, message):
    path = tmp_path / "answers.yaml"
    path.write_bytes(data)
    with pytest.raises(InvalidInput, match=message):
        fsutil.read_user_text(path, "answers file", max_bytes=1 << 20)


# ---------------------------------------------------------------- answers files, end to end


def _limited(seconds: int = 30, memory: int = 1 << 30):
    """Limits for the child: a reader without bounds fails the test instead of the machine."""
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    return apply


def test_answers_from_dev_zero_are_refused_at_once(tmp_path, bmadgen_home):
    started = time.monotonic()
    result = run_process("new", "garden", "--type", "blog", "--answers", "/dev/zero", "--yes",
                         "--dir", str(tmp_path / "garden"), timeout=60, preexec_fn=_limited())
    assert "is a device" in result.one_line_error(3)
    assert time.monotonic() - started < 20
    assert not (tmp_path / "garden").exists()
    assert not dict(store_dump(bmadgen_home)).get("projects")


def test_a_huge_answers_file_is_refused_by_its_size(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("vision:\n" + "".join(f"  unknown_{i}: value {i}\n" for i in range(400_000)))
    assert path.stat().st_size > 8 << 20  # as in the report: 8.7 MB of unknown keys
    started = time.monotonic()
    result = run_process("new", "garden", "--type", "blog", "--answers", str(path), "--yes",
                         "--dir", str(tmp_path / "garden"), preexec_fn=_limited())
    assert "larger than 1,048,576 bytes" in result.one_line_error(3)
    assert time.monotonic() - started < 20


def test_problems_are_capped_and_counted(cli, tmp_path):
    # Just under the cap: a megabyte of unknown keys is checked fast, in a bounded line.
    path = tmp_path / "unknown.yaml"
    lines = ["vision:\n"]
    size, i = 8, 0
    while size < 1_000_000:
        lines.append(f"  unknown_key_{i}_{'x' * 60}: value {i}\n")
        size += len(lines[-1])
        i += 1
    path.write_text("".join(lines))
    started = time.monotonic()
    result = cli("new", "garden", "--type", "blog", "--answers", str(path), "--yes",
                 "--dir", str(tmp_path / "garden"))
    line = result.one_line_error(3)
    assert time.monotonic() - started < 15
    total = int(re.search(r"has (\d+) problem\(s\)", line).group(1))
    assert total > i
    assert line.count("unknown key") == 20
    assert line.endswith(f"; and {total - 20} more")
    assert len(line) < 10_000


def test_a_long_key_is_shortened_in_the_message(cli, tmp_path):
    path = tmp_path / "long.yaml"
    text = (EXAMPLES / "blog.answers.yaml").read_text()
    path.write_text(text.replace("vision:\n", "vision:\n  " + "k" * 900 + ": 1\n", 1))
    line = cli("new", "garden", "--type", "blog", "--answers", str(path), "--yes",
               "--dir", str(tmp_path / "garden")).one_line_error(3)
    assert "k" * 100 not in line and "kkk..." in line


def test_deep_nesting_is_refused_not_a_crash(tmp_path):
    # libyaml's composer overflows the C stack (a segfault) on 100,000 nested lists.
    path = tmp_path / "deep.yaml"
    path.write_text("vision: " + "[" * 100_000)
    result = run_process("new", "garden", "--type", "blog", "--answers", str(path), "--yes",
                         "--dir", str(tmp_path / "garden"), preexec_fn=_limited())
    assert "nested" in result.one_line_error(3)


@pytest.mark.parametrize("data", [b"vision: caf\xe9\n", b"\x00\x01\x02", b""])
def test_phase_run_answers_are_read_by_the_same_reader(cli, tmp_path, blog, monkeypatch,
                                                       data, bmadgen_home):
    monkeypatch.chdir(blog.path)
    path = tmp_path / "answers.yaml"
    path.write_bytes(data)
    before = store_dump(bmadgen_home)
    cli("phase", "run", "vision", "--answers", str(path)).one_line_error(3)
    assert store_dump(bmadgen_home) == before
