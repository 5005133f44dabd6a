"""The local backend: a temporary copy, rlimits, a timeout that kills the whole process group."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bmadgen.errors import InvalidInput
from bmadgen.sandbox.local_backend import LocalSandbox
from bmadgen.sandbox.tiers import get_tier


@pytest.fixture
def local(small_app: Path):
    tier = get_tier("free").model_copy(update={"memory_mb": 512})
    sandbox = LocalSandbox(small_app, project="demo", tier=tier)
    yield sandbox
    sandbox.close()


def test_runs_in_a_copy_and_says_it_is_not_isolated(local: LocalSandbox, small_app: Path) -> None:
    result = local.exec("touch made_here && ls pyproject.toml", timeout_s=10)
    assert result.ok and result.stdout.strip() == "pyproject.toml"
    assert not (small_app / "made_here").exists(), "the user's folder is never written"
    assert local.isolated is False and local.backend == "local"


def test_timeout_kills_the_whole_process_group(local: LocalSandbox, tmp_path: Path) -> None:
    marker = tmp_path / "survivor"
    started = time.monotonic()
    result = local.exec(f"(sleep 2; touch {marker}) & while :; do :; done", timeout_s=0.5)
    assert result.outcome == "timeout" and "0.5s timeout" in result.detail
    assert time.monotonic() - started < 2
    time.sleep(2.5)
    assert not marker.exists(), "the background child was killed with its group"


def test_memory_is_limited(local: LocalSandbox) -> None:
    result = local.exec("python3 -c 'x = bytearray(900 * 1024 * 1024)'", timeout_s=20)
    assert result.exit_code != 0
    assert result.outcome == "out of memory"


def test_fetch_drops_links_made_by_the_gate(local: LocalSandbox, tmp_path: Path) -> None:
    local.exec("mkdir -p /scratch/out/r && echo hi > /scratch/out/r/a.txt && "
               "ln -s /etc/passwd /scratch/out/r/passwd", timeout_s=10)
    out = local.fetch("/scratch/out/r", tmp_path / "r")
    assert (out / "a.txt").read_text() == "hi\n"
    assert not (out / "passwd").exists()


def test_unknown_tier_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown sandbox tier 'gold'"):
        get_tier("gold")


def test_a_process_holding_the_output_open_is_killed_soon_after_the_command(
        local: LocalSandbox) -> None:
    """Like Docker, which ends an exec's stream 2 s after its process: the command is over, so
    what it left is killed rather than waited for until the timeout."""
    started = time.monotonic()
    result = local.exec("setsid sleep 300 & echo done", timeout_s=60)
    assert result.ok and result.stdout.strip() == "done"
    assert time.monotonic() - started < 10
    assert [line.split(": ", 1)[1] for line in local.sweep()] == ["sleep 300"]

