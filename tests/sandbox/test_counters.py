"""Reading the cgroup counters that tell a pids-limit hit and an OOM kill apart (v1 and v2)."""

from __future__ import annotations

from bmadgen.sandbox.docker_backend import _counters

V1 = "== pids\nmax 12\n== memory\noom_kill_disable 0\nunder_oom 0\noom_kill 1\n"
# cgroup v2: memory.events has its own `max` line (memory.max reached), not a pids event.
V2 = "== pids\nmax 0\n== memory\nlow 0\nhigh 0\nmax 57\noom 1\noom_kill 1\n"


def test_cgroup_v1_counters() -> None:
    assert _counters(V1) == {"max": 12, "oom_kill": 1}


def test_cgroup_v2_memory_max_is_not_a_pids_event() -> None:
    assert _counters(V2) == {"max": 0, "oom_kill": 1}


def test_missing_files_count_as_zero() -> None:
    assert _counters("== pids\n== memory\n") == {"max": 0, "oom_kill": 0}
