"""Between two gates, on both backends: what a command left running is killed and named
(`sweep`), and the app copy, home and tmp are put back as they were (`reset`)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from bmadgen.sandbox.tiers import get_tier

TIER = get_tier("free").model_copy(update={"pids": 64, "memory_mb": 512, "cpus": 1})


@pytest.fixture(params=["local", pytest.param("docker", marks=pytest.mark.docker)])
def box(request, small_app: Path):
    if request.param == "docker":
        from bmadgen.sandbox.docker_backend import DockerSandbox

        client = request.getfixturevalue("docker_client")
        sandbox = DockerSandbox(small_app, project=f"t-{uuid.uuid4().hex[:6]}", tier=TIER,
                                client=client)
    else:
        from bmadgen.sandbox.local_backend import LocalSandbox

        sandbox = LocalSandbox(small_app, project="demo", tier=TIER)
    yield sandbox
    sandbox.close()


def test_sweep_kills_what_a_command_left_running_and_names_it(box) -> None:
    started = box.exec("setsid sh -c 'sleep 300' </dev/null >/dev/null 2>&1 & "
                       "(sleep 301 </dev/null >/dev/null 2>&1 &) ; echo started", timeout_s=10)
    assert started.ok and started.duration_s < 5
    # Named as found: `setsid sh -c sleep 300` if caught before setsid ran sh, and so on.
    killed = " | ".join(line.split(": ", 1)[1] for line in box.sweep())
    assert "sleep 300" in killed and "sleep 301" in killed, killed
    assert box.sweep() == [], "nothing is left the second time"
    if box.backend == "docker":
        processes = box.api.top(box.container_id)["Processes"]
        assert len(processes) == 2, f"only docker-init and sleep infinity remain: {processes}"
    assert box.exec("echo alive", timeout_s=10).stdout.strip() == "alive"


def test_reset_puts_the_app_home_and_tmp_back(box) -> None:
    box.exec("echo planted > app/features/products/tests/test_planted.py; rm pyproject.toml; "
             "mkdir -p locked/deep && chmod 000 locked; echo x > $TMPDIR/poison; "
             "echo y > $HOME/.poison", timeout_s=10)
    box.reset()
    after = box.exec("ls pyproject.toml app/features/products/tests; ls -A $TMPDIR $HOME; "
                     "test -e locked || echo no-locked", timeout_s=10)
    assert "pyproject.toml" in after.stdout and "test_products.py" in after.stdout
    assert "test_planted" not in after.stdout and "poison" not in after.stdout
    assert "no-locked" in after.stdout
