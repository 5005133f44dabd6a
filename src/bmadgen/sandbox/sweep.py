"""Kill the processes that a sandbox's commands left behind, and say which they were.

A test can start a process that outlives it (a double fork, a session of its own) and goes on
acting during the next gate. After each gate every such process is killed and reported.

- Docker: this file runs inside the sandbox as its unprivileged user (`python3 -c`) and kills
  every process of that user but itself; the container's own processes (docker-init and the
  `sleep infinity` that keeps it up) belong to another user.
- Local: bmadgen calls `kill_leftovers` in its own process, for the processes whose
  environment carries the sandbox's marker (the local backend does not isolate: a process
  that clears its environment escapes this, as it could escape anything else there).

Standalone on purpose (it imports nothing of bmadgen): the Docker backend sends its source.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

ROUNDS = 50  # a process that forks as fast as it is killed is given up on (and reported)
SHOWN = 160  # characters of a command line kept in a report


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def leftovers(marker: str | None = None) -> dict[int, str]:
    """The live processes of this user other than this one (with `marker` in their
    environment, when given): pid -> command line."""
    me, uid = os.getpid(), os.getuid()
    found: dict[int, str] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        status = _read(f"/proc/{name}/status").decode("utf-8", "replace")
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        uids = fields.get("Uid", "").split()
        if not uids or int(uids[0]) != uid or fields.get("State", "").strip().startswith("Z"):
            continue  # another user's, gone, or dead and waiting to be reaped
        if marker and marker.encode() not in _read(f"/proc/{name}/environ").split(b"\0"):
            continue
        command = _read(f"/proc/{name}/cmdline").replace(b"\0", b" ").strip()
        shown = command.decode("utf-8", "replace")[:SHOWN]
        found[int(name)] = shown or f"[{fields.get('Name', '?').strip()}]"  # a kernel-ish name
    return found


def kill_leftovers(marker: str | None = None) -> tuple[list[str], int]:
    """SIGKILL the leftovers until none is left: (`pid: command` of each killed, how many
    were still alive after the last round)."""
    killed: dict[int, str] = {}
    left: dict[int, str] = {}
    for _ in range(ROUNDS):
        left = leftovers(marker)
        if not left:
            break
        for pid, command in left.items():
            killed.setdefault(pid, command)
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass  # gone already, or not ours after all
        time.sleep(0.02)
    else:
        left = leftovers(marker)
    return [f"{pid}: {command}" for pid, command in sorted(killed.items())], len(left)


if __name__ == "__main__":
    killed, alive = kill_leftovers(sys.argv[1] if len(sys.argv) > 1 else None)
    print(json.dumps({"killed": killed, "alive": alive}))
