"""The local sandbox for machines with no Docker engine: a temporary copy and rlimits.

It is NOT isolated: the commands run as the current user with the host's network and files.
What it does limit: address space and CPU time per command (rlimits), wall time (the whole
process group is killed at the timeout), and it never writes into the user's project folder.
Between gates the processes a command left behind are killed (those carrying the sandbox's
marker in their environment) and the app copy, home and tmp folders are put back as they were.
Every report produced with it says "not isolated".
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bmadgen.errors import NotFound
from bmadgen.sandbox.base import (
    APP_DIR,
    HOME_DIR,
    OUT_DIR,
    AppSnapshot,
    ExecResult,
    Sandbox,
    SandboxUsage,
)
from bmadgen.sandbox.tiers import Tier

NOT_ISOLATED = "not isolated: the local backend runs gates as your user, with your network"
MARKER_VARIABLE = "BMADGEN_SANDBOX"
DRAIN_S = 5  # after the timeout, how long the output may still take to close
POLL_S = 0.5
HELD_OUTPUT_GRACE_S = 2  # the command ended: its output should close by then


class LocalSandbox(Sandbox):
    backend = "local"
    isolated = False

    def __init__(self, app_dir: Path, *, project: str, tier: Tier, run_id: str = "",
                 snapshot: AppSnapshot | None = None):
        self.tier = tier
        self.project = project
        self.run_id = run_id
        self.snapshot = snapshot or AppSnapshot(Path(app_dir))
        self.marker = f"{MARKER_VARIABLE}={uuid.uuid4().hex}"
        self.root = Path(tempfile.mkdtemp(prefix="bmadgen-local-"))
        self.app = self.root / "app"
        self.out = self.root / "out"
        self.home = self.root / "home"
        self.tmp = self.root / "tmp"
        self._held: list[str] = []  # leftovers killed while an exec's output was collected
        self.out.mkdir()
        self._fill()
        self._started = time.monotonic()
        self._exec_count = 0
        self._cpu_s = 0.0
        self._peak_mb = 0.0

    def _fill(self) -> None:
        for folder in (self.app, self.home, self.tmp):
            folder.mkdir()
        self.snapshot.write_to(self.app)
        self._dirty = False

    def _translate(self, text: str) -> str:
        """Gate commands name the sandbox paths; map them onto the temporary copy."""
        text = text.replace("/tmp/", f"{self.root}/tmp/")  # first: the root lives in /tmp too
        return (text.replace(OUT_DIR, str(self.out)).replace(APP_DIR, str(self.app))
                .replace(HOME_DIR, str(self.home)))

    def _untranslate(self, text: str) -> str:
        """Tools print the copy's paths; report them as the sandbox paths, like Docker does."""
        return text.replace(str(self.app), APP_DIR).replace(str(self.out), OUT_DIR)

    def _limits(self) -> None:  # runs in the child, before exec
        import resource

        memory = self.tier.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    def exec(self, command: str, *, timeout_s: float, workdir: str = APP_DIR) -> ExecResult:
        import resource

        self._exec_count += 1
        tool_bin = str(Path(sys.executable).parent)
        key, _, value = self.marker.partition("=")
        env = {
            **os.environ,
            "PATH": tool_bin + os.pathsep + os.environ.get("PATH", ""),
            "HOME": str(self.home),
            "TMPDIR": str(self.tmp),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
            key: value,
        }
        self._dirty = True
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        proc = subprocess.Popen(
            ["sh", "-c", self._translate(command)],
            cwd=self._translate(workdir),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, so the timeout kills everything
            preexec_fn=self._limits,  # noqa: PLW1509 - no threads are started before the fork
        )
        out, err, outcome, detail = self._collect(proc, started + timeout_s)
        if outcome == "timeout":
            detail = f"killed at the {timeout_s:g}s timeout"
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._cpu_s += (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        self._peak_mb = max(self._peak_mb, after.ru_maxrss / 1024)
        text_err = self._untranslate(err.decode("utf-8", "replace"))
        if outcome == "ok" and proc.returncode != 0 and "MemoryError" in text_err:
            outcome, detail = "out of memory", f"the memory limit ({self.tier.memory_mb} MB)"
        return ExecResult(
            command=command,
            exit_code=proc.returncode,
            stdout=self._untranslate(out.decode("utf-8", "replace")),
            stderr=text_err,
            duration_s=round(time.monotonic() - started, 3),
            outcome=outcome,  # type: ignore[arg-type]
            detail=detail,
        )

    def _collect(self, proc: subprocess.Popen[bytes],
                 deadline: float) -> tuple[bytes, bytes, str, str]:
        """The command's output, its outcome ("ok" or "timeout") and an empty detail.

        Like Docker, which stops reading an exec 2 s after its process ended: when the command
        is over but a process it left still holds its output open, that process is killed
        (and reported by the next `sweep`) rather than waited for until the timeout.
        """
        ended: float | None = None
        while True:
            try:
                out, err = proc.communicate(timeout=POLL_S)
                return out, err, "ok", ""
            except subprocess.TimeoutExpired:
                now = time.monotonic()
                if now >= deadline:
                    break
                if proc.poll() is not None:
                    ended = now if ended is None else ended
                    if now - ended >= HELD_OUTPUT_GRACE_S:
                        self._held.extend(self._kill_leftovers())
                        ended = now  # give the output its grace again, then the deadline
        os.killpg(proc.pid, signal.SIGKILL)
        self._held.extend(self._kill_leftovers())  # one in a session of its own may hold the output
        try:
            out, err = proc.communicate(timeout=DRAIN_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
            proc.wait()
            out, err = b"", b"the output was held open by a process beyond reach"
        return out, err, "timeout", ""

    def fetch(self, path: str, dest: Path) -> Path:
        source = Path(self._translate(path))
        if not source.is_dir():
            raise NotFound(f"nothing to copy out of the sandbox at {path}")
        shutil.copytree(source, dest, symlinks=True, dirs_exist_ok=True)
        for link in [p for p in dest.rglob("*") if p.is_symlink()]:
            link.unlink()  # links made by the gate could point anywhere on the host
        return dest

    def push(self, source: Path, path: str) -> None:
        target = Path(self._translate(path))
        shutil.copytree(source, target, symlinks=False, dirs_exist_ok=True)

    def _kill_leftovers(self) -> list[str]:
        from bmadgen.sandbox.sweep import kill_leftovers

        return kill_leftovers(self.marker)[0]

    def sweep(self) -> list[str]:
        held, self._held = self._held, []
        return held + self._kill_leftovers()

    def reset(self) -> None:
        if not self._dirty:
            return
        for folder in (self.app, self.home, self.tmp):
            _remove_tree(folder)
        self._fill()

    def usage(self) -> SandboxUsage:
        return SandboxUsage(
            cpu_s=round(self._cpu_s, 3),
            peak_memory_mb=round(self._peak_mb, 1),
            wall_s=round(time.monotonic() - self._started, 3),
            exec_count=self._exec_count,
        )

    def close(self) -> None:
        self.sweep()
        _remove_tree(self.root)


def _remove_tree(folder: Path) -> None:
    """Remove a folder a command wrote, even one where it took its own permissions away."""
    if not folder.exists():
        return
    os.chmod(folder, 0o700)
    for dirpath, dirnames, _ in os.walk(folder):  # top down: opened before it is entered
        for name in dirnames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chmod(path, 0o700)
    shutil.rmtree(folder, ignore_errors=True)
