"""The Docker sandbox: one hardened, warm container per project and run; each gate an exec.

Hardening: no network, read-only root, tmpfs scratch owned by the unprivileged sandbox user,
all capabilities dropped, no-new-privileges, CPU / memory (swap included) / pids limits from the
tier, labels on everything (`manage`) so that containers left by a crashed run are found and
removed. The container's own processes (docker-init, `sleep infinity`) run as another
unprivileged user than the commands, so that after each gate every process of the sandbox user
can be killed (`sweep`) without stopping the container, and the app copy, home and /tmp are
put back as they were (`reset`) before the next gate.

Docker's exec has no timeout, so each command runs under `timeout -k` inside and a watchdog
outside kills the whole container if the exec still has not returned after the grace period.
The tier's timeout is the one that applies: an exec's stream is read with no socket timeout of
the client's (a slow, silent gate such as mutmut writes nothing for minutes), bounded only by
the watchdog and, should the engine itself stop answering, a last-resort read deadline beyond it.
The app goes in, and reports come out, as tar streams through exec (put/get_archive cannot see
a tmpfs mount), and whatever comes out is extracted by `safetar`, which trusts nothing.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bmadgen.errors import EnvironmentUnavailable, NotFound
from bmadgen.sandbox.base import (
    APP_DIR,
    HOME_DIR,
    OUT_DIR,
    AppSnapshot,
    ExecResult,
    Sandbox,
    SandboxUsage,
    app_tarball,
)
from bmadgen.sandbox.engine import connect, image_name, require_image
from bmadgen.sandbox.manage import labels_for, reap_orphans
from bmadgen.sandbox.safetar import safe_extract
from bmadgen.sandbox.tiers import Tier

SANDBOX_USER = "10001:10001"
KEEPER_USER = "65534:65534"  # nobody: docker-init and the `sleep infinity` that keeps it up
KILL_GRACE_S = 2  # SIGTERM first, SIGKILL this long after (timeout -k)
WATCHDOG_SLACK_S = 5  # beyond timeout + grace, the exec is stuck: kill the container
STREAM_SLACK_S = 60  # beyond the watchdog, the engine itself stopped answering: stop reading
MAX_OUTPUT = 2_000_000  # characters of stdout/stderr kept per exec
EXEC_ENV = {
    "HOME": HOME_DIR,
    "XDG_CACHE_HOME": f"{HOME_DIR}/.cache",
    "TMPDIR": "/tmp",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONHASHSEED": "0",
    "PIP_RETRIES": "0",
    "PIP_DEFAULT_TIMEOUT": "3",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}
# Before a gate, after another ran: the app copy, home and /tmp as the sandbox started (the
# snapshot's tar on stdin). `chmod` first: a test may have left folders it cannot be removed from.
_RESET_CMD = (
    f"chmod -R u+rwX {APP_DIR} {HOME_DIR} /tmp 2>/dev/null; rm -rf {APP_DIR} {HOME_DIR} && "
    f"find /tmp -mindepth 1 -delete && mkdir -p {APP_DIR} {HOME_DIR} && tar -x -C {APP_DIR} -f -"
)
# Read after a failed exec only: the kernel's counters say whether a limit was hit.
# The pids file first, then the memory file, each behind a marker: cgroup v2's memory.events
# has a `max` line of its own, which must not be read as the pids limit being hit.
_COUNTERS_CMD = (
    "echo '== pids'; cat /sys/fs/cgroup/pids/pids.events /sys/fs/cgroup/pids.events; "
    "echo '== memory'; cat /sys/fs/cgroup/memory/memory.oom_control "
    "/sys/fs/cgroup/memory.events; true"
)


def _frames(sock: Any) -> Iterator[tuple[int, bytes]]:
    """The multiplexed frames of a hijacked exec stream: (1 stdout | 2 stderr, payload).

    Read through the HTTP response's buffered reader, not the bare socket: when the upgrade
    response and the first output arrive in one packet (likely over TCP to a remote engine,
    DOCKER_HOST=tcp://...), the reader has already buffered that output, and reading the
    socket underneath would lose it.
    """
    response = getattr(sock, "_response", None)
    reader = getattr(getattr(getattr(response, "raw", None), "_fp", None), "fp", None)
    if reader is None:  # not an http.client response (e.g. ssh): the SDK's own reader
        from docker.utils.socket import frames_iter

        yield from frames_iter(sock, tty=False)
        return
    while True:
        header = reader.read(8)
        if len(header) < 8:
            return
        size = int.from_bytes(header[4:8], "big")
        payload = reader.read(size) if size else b""
        yield header[0], payload


def _counters(text: str) -> dict[str, int]:
    """How often fork hit the pids limit (`max`) and the OOM killer ran (`oom_kill`)."""
    pids, _, memory = text.partition("== memory")
    found = {"max": 0, "oom_kill": 0}
    for value in re.findall(r"^max\s+(\d+)$", pids, re.MULTILINE):
        found["max"] += int(value)
    for value in re.findall(r"^oom_kill\s+(\d+)$", memory, re.MULTILINE):
        found["oom_kill"] += int(value)
    return found


class DockerSandbox(Sandbox):
    backend = "docker"
    isolated = True

    def __init__(
        self,
        app_dir: Path,
        *,
        project: str,
        tier: Tier,
        run_id: str | None = None,
        image: str | None = None,
        client: Any = None,
        idle_pause_s: float | None = None,
        snapshot: AppSnapshot | None = None,
    ):
        self.client = client or connect()
        self.api = self.client.api
        self.app_dir = Path(app_dir)
        self.snapshot = snapshot or AppSnapshot(self.app_dir)
        self.project = project
        self.tier = tier
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.image = image or image_name()
        self.idle_pause_s = tier.idle_pause_s if idle_pause_s is None else idle_pause_s
        self._lock = threading.RLock()
        self._idle_timer: threading.Timer | None = None
        self._started = time.monotonic()
        self._exec_count = 0
        self._cpu_ns = 0
        self._closed_at: float | None = None
        self._peak_memory = 0.0
        self._watchdog_fired = False
        self._dirty = False  # a command ran since the app was copied in
        self.container_id = ""
        require_image(self.client, self.image)
        reap_orphans(self.client)
        self._start()

    # ------------------------------------------------------------------ lifecycle

    def _start(self) -> None:
        from docker.errors import APIError

        engine_cpus = int(self.client.info().get("NCPU") or 1)
        scratch = (
            f"rw,nosuid,nodev,size={self.tier.scratch_mb}m,uid=10001,gid=10001,mode=0700"
        )
        try:
            container = self.client.containers.create(
                self.image,
                command=["sleep", "infinity"],
                name=f"bmadgen-{self.run_id}-{uuid.uuid4().hex[:4]}",
                labels=labels_for(self.project, self.run_id, self.tier.name),
                user=KEEPER_USER,  # every exec runs as SANDBOX_USER
                working_dir="/",
                network_mode="none",
                read_only=True,
                cap_drop=["ALL"],
                security_opt=["no-new-privileges"],
                init=True,  # docker-init reaps zombies, so dead processes free their pids
                nano_cpus=int(min(self.tier.cpus, engine_cpus) * 1e9),
                mem_limit=f"{self.tier.memory_mb}m",
                memswap_limit=f"{self.tier.memory_mb}m",  # no swap beyond the memory limit
                pids_limit=self.tier.pids,
                tmpfs={
                    "/scratch": scratch,
                    "/tmp": "rw,nosuid,nodev,size=256m,mode=1777",
                },
                environment=EXEC_ENV,
                detach=True,
            )
            container.start()
        except APIError as exc:
            raise EnvironmentUnavailable(f"could not start a sandbox container: {exc}") from exc
        self.container_id = container.id
        self.container = container
        self._load_app()
        self._counters = self._read_counters()

    def _load_app(self) -> None:
        result = self._raw_exec(
            ["sh", "-c", f"mkdir -p {APP_DIR} {OUT_DIR} {HOME_DIR} && tar -x -C {APP_DIR} -f -"],
            stdin=self.snapshot.tarball(),
        )
        if result[0] != 0:
            raise EnvironmentUnavailable(
                f"could not copy the app into the sandbox: {result[2].strip()[:300]}"
            )
        self._dirty = False

    def push(self, source: Path, path: str) -> None:
        with self._lock:
            code, _, err = self._raw_exec(
                ["sh", "-c", f"mkdir -p '{path}' && tar -x -C '{path}' -f -"],
                stdin=app_tarball(source),
            )
        if code != 0:
            raise EnvironmentUnavailable(f"could not copy into the sandbox: {err.strip()[:300]}")

    # ------------------------------------------------------------------ between gates

    def sweep(self) -> list[str]:
        """Kill every process of the sandbox user (none belongs to the container itself)."""
        from bmadgen.sandbox import sweep

        with self._lock:
            if not self.container_id or self.status() != "running":
                return []
            try:
                code, out, _ = self._raw_exec(
                    ["python3", "-c", Path(sweep.__file__).read_text(encoding="utf-8")])
                report = json.loads(out.decode("utf-8", "replace")) if code == 0 else None
            except Exception:  # noqa: BLE001 - the container is replaced below
                report = None
            if report is None or report.get("alive"):
                self._restart()  # what could not be killed goes with its container
            if report is None:
                return ["(not known: the check failed, so the sandbox was replaced)"]
            return [str(line) for line in report.get("killed", [])]

    def reset(self) -> None:
        with self._lock:
            if not self._dirty or not self.container_id:
                return
            if self.status() == "paused":
                self.api.unpause(self.container_id)
            try:
                code, _, _ = self._raw_exec(["sh", "-c", _RESET_CMD],
                                            stdin=self.snapshot.tarball())
            except Exception:  # noqa: BLE001 - a fresh container is the reset then
                code = None
            if code != 0:
                self._restart()
            self._dirty = False

    def _restart(self) -> None:
        """Throw the container away and start a fresh one with the app (after a stuck exec)."""
        self._snapshot()
        self._remove()
        self._start()

    def _remove(self) -> None:
        from docker.errors import APIError
        from docker.errors import NotFound as DockerNotFound

        try:
            self.api.remove_container(self.container_id, force=True)
        except DockerNotFound:
            pass
        except APIError:
            pass

    def close(self) -> None:
        with self._lock:
            self._cancel_idle()
            if self.container_id:
                self._snapshot()
                self._remove()
                self.container_id = ""
                self._closed_at = time.monotonic()

    # ------------------------------------------------------------------ pause / resume

    def _cancel_idle(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None

    def _arm_idle(self) -> None:
        self._cancel_idle()
        if self.idle_pause_s > 0:
            self._idle_timer = threading.Timer(self.idle_pause_s, self.pause)
            self._idle_timer.daemon = True
            self._idle_timer.start()

    def status(self) -> str:
        try:
            return str(self.api.inspect_container(self.container_id)["State"]["Status"])
        except Exception:  # noqa: BLE001 - a vanished container is simply "removed"
            return "removed"

    def pause(self) -> None:
        with self._lock:
            if self.container_id and self.status() == "running":
                self.api.pause(self.container_id)

    def resume(self) -> None:
        with self._lock:
            if self.container_id and self.status() == "paused":
                self.api.unpause(self.container_id)

    # ------------------------------------------------------------------ exec

    def _raw_exec(
        self, cmd: list[str], *, stdin: bytes | None = None, workdir: str = "/scratch",
        read_timeout_s: float | None = None,
    ) -> tuple[int | None, bytes, str]:
        """Run `cmd` to completion: exit code, raw stdout, stderr text.

        The stream is read for as long as the command runs, up to `read_timeout_s` of silence
        (default: the tier's gate timeout), never the client's own socket timeout.
        """
        exec_id = self.api.exec_create(
            self.container_id, cmd, stdin=stdin is not None, user=SANDBOX_USER,
            workdir=workdir, environment=EXEC_ENV,
        )["Id"]
        out, err = self._stream(exec_id, stdin, read_timeout_s or self.tier.gate_timeout_s)
        code = self.api.exec_inspect(exec_id).get("ExitCode")
        return code, out, err.decode("utf-8", "replace")

    def _stream(self, exec_id: str, data: bytes | None,
                read_timeout_s: float) -> tuple[bytes, bytes]:
        """Feed stdin (if any) and collect stdout/stderr frames.

        The SDK's own demuxing concatenates bytes frame by frame, which is quadratic: copying
        a tool cache of a few tens of MB out took seconds. Frames are joined once here.
        """
        sock = self.api.exec_start(exec_id, socket=True)
        raw = getattr(sock, "_sock", sock)
        settimeout = getattr(raw, "settimeout", None)
        if settimeout is not None:  # the client's timeout (60 s) must not end a slow gate
            settimeout(read_timeout_s)
        try:
            if data is not None:
                raw.sendall(data)
                raw.shutdown(socket.SHUT_WR)
            chunks: dict[int, list[bytes]] = {2: [], 1: []}
            for stream, frame in _frames(sock):
                chunks.setdefault(stream, []).append(frame)
        finally:
            sock.close()
        return b"".join(chunks[1]), b"".join(chunks[2])

    def _read_counters(self) -> dict[str, int]:
        try:
            code, out, _ = self._raw_exec(["sh", "-c", f"{{ {_COUNTERS_CMD}; }} 2>/dev/null"])
        except Exception:  # noqa: BLE001 - counters are a diagnosis aid, never fatal
            return {}
        return _counters(out.decode("utf-8", "replace")) if code == 0 else {}

    def _leftover_processes(self) -> int:
        """Processes beyond docker-init and its `sleep infinity` (an exec that outlived us)."""
        try:
            top = self.api.top(self.container_id)
        except Exception:  # noqa: BLE001 - a container we cannot inspect is restarted anyway
            return 1
        return max(0, len(top.get("Processes") or []) - 2)

    def _watchdog(self) -> None:
        self._watchdog_fired = True
        try:
            self.api.kill(self.container_id)
        except Exception:  # noqa: BLE001, S110 - already gone is what we wanted
            pass

    def exec(self, command: str, *, timeout_s: float, workdir: str = APP_DIR) -> ExecResult:
        with self._lock:
            self._cancel_idle()
            if self.status() == "paused":
                self.api.unpause(self.container_id)
            if self.status() != "running":
                self._restart()
            self._exec_count += 1
            self._dirty = True
            wrapped = ["timeout", "-k", str(KILL_GRACE_S), f"{timeout_s:g}", "sh", "-c", command]
            self._watchdog_fired = False
            watchdog = threading.Timer(timeout_s + KILL_GRACE_S + WATCHDOG_SLACK_S, self._watchdog)
            watchdog.daemon = True
            started = time.monotonic()
            watchdog.start()
            deadline = timeout_s + KILL_GRACE_S + WATCHDOG_SLACK_S + STREAM_SLACK_S
            try:
                code, out, err = self._raw_exec(wrapped, workdir=workdir,
                                                read_timeout_s=deadline)
            except Exception as exc:  # noqa: BLE001 - the engine dropped the exec stream
                code, out, err = None, b"", f"the sandbox exec failed: {exc}"
            finally:
                watchdog.cancel()
            duration = time.monotonic() - started
            result = ExecResult(
                command=command,
                exit_code=code,
                stdout=out.decode("utf-8", "replace")[-MAX_OUTPUT:],
                stderr=err[-MAX_OUTPUT:],
                duration_s=round(duration, 3),
            )
            self._classify(result, timeout_s)
            self._arm_idle()
            return result

    def _classify(self, result: ExecResult, timeout_s: float) -> None:
        """Name what ended a failed exec: timeout, out of memory, the pids limit, or the engine."""
        if self._watchdog_fired:
            result.outcome = "timeout"
            result.detail = (
                f"the exec did not return {timeout_s:g}s + {KILL_GRACE_S + WATCHDOG_SLACK_S}s "
                "after its timeout; the watchdog killed the sandbox"
            )
            self._restart()
            return
        if result.exit_code == 0:
            return
        if result.exit_code is None:
            result.outcome = "sandbox error"
            result.detail = result.stderr[:300]
            self._restart()
            return
        timed_out = result.exit_code == 124 or (
            result.exit_code == 137 and result.duration_s >= timeout_s
        )
        counters = self._read_counters()
        hit_pids = counters.get("max", 0) > self._counters.get("max", 0)
        hit_memory = counters.get("oom_kill", 0) > self._counters.get("oom_kill", 0)
        if counters:
            self._counters = counters
        if hit_memory or (result.exit_code == 137 and not timed_out):
            result.outcome = "out of memory"
            result.detail = (
                f"exit {result.exit_code}, OOMKilled: the memory limit "
                f"({self.tier.memory_mb} MB, swap included) was reached"
            )
        elif hit_pids:
            result.outcome = "resource limit"
            result.detail = (
                f"the pids limit ({self.tier.pids}) was reached"
                + (f"; ended by the {timeout_s:g}s timeout" if timed_out else "")
            )
        elif timed_out:
            result.outcome = "timeout"
            result.detail = f"killed at the {timeout_s:g}s timeout"
        if (timed_out or result.outcome != "ok") and self._leftover_processes():
            self._restart()

    # ------------------------------------------------------------------ files out

    def fetch(self, path: str, dest: Path) -> Path:
        with self._lock:
            code, data, err = self._raw_exec(["tar", "-c", "-C", path, "."])
        if code != 0:
            raise NotFound(f"nothing to copy out of the sandbox at {path}: {err.strip()[:200]}")
        dest.mkdir(parents=True, exist_ok=True)
        safe_extract(data, dest)
        return dest

    # ------------------------------------------------------------------ usage

    def _snapshot(self) -> None:
        """Fold the container's CPU time and peak memory into the totals.

        One stats call per container: the engine answers the first at once but makes every
        later one wait a full second, so this runs only when a container is retired.
        """
        try:
            stats = dict(self.api.stats(self.container_id, stream=False, one_shot=True))
        except Exception:  # noqa: BLE001 - usage is best effort
            return
        cpu = ((stats.get("cpu_stats") or {}).get("cpu_usage") or {}).get("total_usage", 0)
        self._cpu_ns += int(cpu)
        memory = stats.get("memory_stats") or {}
        peak = memory.get("max_usage") or memory.get("usage") or 0
        self._peak_memory = max(self._peak_memory, peak / 1e6)

    def usage(self) -> SandboxUsage:
        return SandboxUsage(
            cpu_s=round(self._cpu_ns / 1e9, 3),
            peak_memory_mb=round(self._peak_memory, 1),
            wall_s=round((self._closed_at or time.monotonic()) - self._started, 3),
            exec_count=self._exec_count,
        )

