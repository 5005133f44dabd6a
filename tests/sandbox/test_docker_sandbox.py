"""The Docker sandbox against a real engine: hardening, limits, faults, lifecycle."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from bmadgen.errors import EnvironmentUnavailable
from bmadgen.sandbox import docker_backend, engine, manage
from bmadgen.sandbox.docker_backend import DockerSandbox
from bmadgen.sandbox.safetar import HostileArchive
from bmadgen.sandbox.tiers import get_tier

pytestmark = pytest.mark.docker

# Small limits keep the fault tests fast and harmless on a shared machine.
TEST_TIER = get_tier("free").model_copy(update={"pids": 64, "memory_mb": 256, "cpus": 1})


@pytest.fixture
def sandbox(docker_client, small_app: Path):
    box = DockerSandbox(small_app, project=f"t-{uuid.uuid4().hex[:6]}", tier=TEST_TIER,
                        client=docker_client)
    yield box
    box.close()


def test_container_is_hardened(sandbox: DockerSandbox, docker_client) -> None:
    attrs = docker_client.api.inspect_container(sandbox.container_id)
    host = attrs["HostConfig"]
    assert host["NetworkMode"] == "none"
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"]
    assert "no-new-privileges" in host["SecurityOpt"]
    assert host["PidsLimit"] == 64
    assert host["Memory"] == host["MemorySwap"] == 256 * 1024 * 1024
    assert host["NanoCpus"] == 1_000_000_000
    assert set(host["Tmpfs"]) == {"/scratch", "/tmp"}
    # The container's own processes run as nobody; every command as the sandbox user, so that
    # a sweep of the sandbox user's processes never stops the container.
    assert attrs["Config"]["User"] == "65534:65534"
    labels = attrs["Config"]["Labels"]
    assert labels["bmadgen.sandbox"] == "1" and labels["bmadgen.owner_pid"] == str(os.getpid())
    who = sandbox.exec("id -u; ls pyproject.toml", timeout_s=10)
    assert who.stdout.split() == ["10001", "pyproject.toml"], "the app was copied in"


def test_fork_bomb_stays_within_the_pids_limit(sandbox: DockerSandbox) -> None:
    started = time.monotonic()
    result = sandbox.exec("bomb() { bomb | bomb & }; bomb; sleep 30", timeout_s=3)
    assert time.monotonic() - started < 15, "no hang"
    assert result.outcome == "resource limit"
    assert "pids limit (64)" in result.detail
    after = sandbox.exec("echo alive", timeout_s=10)
    assert after.ok and after.stdout.strip() == "alive"


def test_memory_hog_is_reported_as_out_of_memory(sandbox: DockerSandbox) -> None:
    result = sandbox.exec("python3 -c 'x = bytearray(600 * 1024 * 1024); print(len(x))'",
                          timeout_s=30)
    assert result.exit_code == 137
    assert result.outcome == "out of memory"
    assert "OOMKilled" in result.detail


def test_endless_loop_is_killed_at_the_timeout_with_nothing_left(
    sandbox: DockerSandbox, docker_client
) -> None:
    started = time.monotonic()
    result = sandbox.exec("trap '' TERM; while :; do :; done", timeout_s=1)
    elapsed = time.monotonic() - started
    assert result.outcome == "timeout" and result.exit_code in (124, 137)
    assert elapsed < 1 + docker_backend.KILL_GRACE_S + 2
    processes = docker_client.api.top(sandbox.container_id)["Processes"]
    assert len(processes) == 2, f"only docker-init and sleep remain: {processes}"


def test_stuck_exec_is_killed_by_the_watchdog(sandbox: DockerSandbox, monkeypatch) -> None:
    monkeypatch.setattr(docker_backend, "WATCHDOG_SLACK_S", 0.5)
    first = sandbox.container_id
    # Stopping `timeout` itself means it can never fire: only the watchdog outside can help.
    result = sandbox.exec("kill -STOP $PPID; sleep 60", timeout_s=1)
    assert result.outcome == "timeout" and "watchdog" in result.detail
    assert sandbox.container_id != first, "a fresh container replaced the killed one"
    assert sandbox.exec("ls pyproject.toml", timeout_s=10).ok


@pytest.mark.parametrize(
    "command",
    [
        "python3 -c 'import socket; socket.getaddrinfo(\"pypi.org\", 443)'",
        "python3 -c 'import socket; socket.create_connection((\"1.1.1.1\", 443), timeout=20)'",
        "pip download --no-deps -d /tmp/x requests",
    ],
    ids=["dns", "tcp", "pip"],
)
def test_network_egress_fails_fast(sandbox: DockerSandbox, command: str) -> None:
    result = sandbox.exec(command, timeout_s=30)
    assert result.exit_code != 0
    assert result.duration_s < 10


@pytest.mark.parametrize("path", ["/etc/evil", "/opt/gates/evil", "/home/evil", "/evil"])
def test_writes_outside_scratch_fail(sandbox: DockerSandbox, path: str) -> None:
    result = sandbox.exec(f"echo x > {path}", timeout_s=10)
    assert result.exit_code != 0
    assert sandbox.exec("echo x > /scratch/app/ok && cat /scratch/app/ok", timeout_s=10).ok


def test_hostile_link_coming_out_is_refused(sandbox: DockerSandbox, tmp_path: Path) -> None:
    sandbox.exec("mkdir -p /scratch/out/r && ln -s /etc/passwd /scratch/out/r/passwd",
                 timeout_s=10)
    with pytest.raises(HostileArchive, match="link"):
        sandbox.fetch("/scratch/out/r", tmp_path / "r")
    assert not (tmp_path / "r" / "passwd").exists()


def test_idle_sandbox_pauses_and_resumes_for_the_next_exec(docker_client, small_app: Path) -> None:
    box = DockerSandbox(small_app, project="idle", tier=TEST_TIER, client=docker_client,
                        idle_pause_s=0.3)
    try:
        box.exec("true", timeout_s=10)
        deadline = time.monotonic() + 10
        while box.status() != "paused" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert box.status() == "paused"
        assert box.exec("echo back", timeout_s=10).stdout.strip() == "back"
    finally:
        box.close()
    assert box.status() == "removed"
    usage = box.usage()
    assert usage.exec_count == 2 and usage.cpu_s > 0 and usage.peak_memory_mb > 0


def test_sigkilled_bmadgen_leaves_a_container_that_the_next_run_reaps(
    docker_client, small_app: Path, store, project
) -> None:
    # A real `bmadgen gate run` (its mutation gate takes seconds), killed mid-gate.
    child = subprocess.Popen(
        [sys.executable, "-m", "bmadgen", "--project", project.name, "gate", "run", "-C",
         str(small_app), "--sandbox", "docker", "--gate", "mutation", "--slice", "products"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    left: list = []
    while not left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = manage.containers(docker_client, project.name)
    assert left, "the gate run started a sandbox"
    time.sleep(1)  # the gate is running
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    # Only the killed run's own containers: other sessions may run project "demo" right now.
    left = [c for c in manage.containers(docker_client, project.name)
            if c.labels.get("bmadgen.owner_pid") == str(child.pid)]
    assert len(left) == 1, "SIGKILL leaves the container behind"
    nxt = DockerSandbox(small_app, project=project.name, tier=TEST_TIER, client=docker_client)
    try:
        remaining = {c.id for c in manage.containers(docker_client, project.name)}
        assert nxt.container_id in remaining and left[0].id not in remaining, (
            "the next start reaped the orphan")
    finally:
        nxt.close()
    # and the killed run's record is closed, not "running" for ever
    from bmadgen.gates import records

    runs = records.list_runs(store, project.id)
    assert [r.status for r in runs] == ["error"]


def test_two_runs_at_once_do_not_collide(docker_client, small_app: Path) -> None:
    outputs: dict[str, str] = {}
    boxes: list[DockerSandbox] = []

    def run(token: str) -> None:
        box = DockerSandbox(small_app, project="same", tier=TEST_TIER, client=docker_client)
        boxes.append(box)
        box.exec(f"echo {token} > mine.txt", timeout_s=10)
        time.sleep(0.5)
        outputs[token] = box.exec("cat mine.txt", timeout_s=10).stdout.strip()

    threads = [threading.Thread(target=run, args=(t,)) for t in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert outputs == {"one": "one", "two": "two"}
        assert len({b.container_id for b in boxes}) == 2
        assert all(b.status() == "running" for b in boxes), "neither run reaped the other"
    finally:
        for box in boxes:
            box.close()


def test_missing_image_is_a_clear_error(docker_client, small_app: Path) -> None:
    with pytest.raises(EnvironmentUnavailable, match="bmadgen/nope:0 is not built on the Docker"):
        DockerSandbox(small_app, project="x", tier=TEST_TIER, client=docker_client,
                      image="bmadgen/nope:0")


def test_stopped_engine_is_a_clear_error(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    with pytest.raises(EnvironmentUnavailable, match="no Docker engine answers at unix://"):
        engine.connect()


def test_a_silent_exec_outlasts_the_clients_socket_timeout(small_app: Path) -> None:
    """The tier's timeout decides, not the docker client's socket timeout (60 s by default;
    2 s here): a command that prints nothing for longer than it still runs to the end."""
    import docker

    short = docker.from_env(timeout=2)
    box = DockerSandbox(small_app, project=f"t-{uuid.uuid4().hex[:6]}", tier=TEST_TIER,
                        client=short)
    try:
        result = box.exec("sleep 5; echo done", timeout_s=30)
        assert (result.outcome, result.exit_code, result.stdout.strip()) == ("ok", 0, "done"), (
            result.detail or result.stderr)
        assert result.duration_s >= 5
    finally:
        box.close()

