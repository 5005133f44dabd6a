"""Recognising bmadgen's sandbox containers and the orphans among them, from their labels."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from types import SimpleNamespace

from bmadgen.sandbox import manage


def _container(labels: dict[str, str]) -> SimpleNamespace:
    return SimpleNamespace(labels=labels, short_id="abc123", name="bmadgen-run1-ab12",
                           status="running", attrs={"Config": {"Image": "bmadgen/gates:latest"}})


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_sandbox_of_this_process_is_no_orphan_and_describes_itself() -> None:
    box = _container(manage.labels_for("shop", "run1", "free"))
    assert not manage.is_orphan(box)
    info = manage.info_of(box)
    assert (info.project, info.run_id, info.owner_pid, info.backend) == (
        "shop", "run1", os.getpid(), "docker")
    assert info.image == "bmadgen/gates:latest" and info.created


def test_a_sandbox_whose_owner_died_is_an_orphan() -> None:
    labels = manage.labels_for("shop", "run1", "free") | {"bmadgen.owner_pid": str(_dead_pid())}
    assert manage.is_orphan(_container(labels))
    assert manage.is_orphan(_container(labels | {"bmadgen.owner_pid": ""}))


def test_another_hosts_sandbox_is_an_orphan_only_when_old() -> None:
    labels = manage.labels_for("shop", "run1", "free") | {"bmadgen.owner_host": "elsewhere"}
    box = _container(labels)
    assert not manage.is_orphan(box)
    later = time.time() + manage.ORPHAN_MAX_AGE_S + 60
    assert manage.is_orphan(box, now=later)
