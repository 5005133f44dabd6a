"""The local sandbox for machines with no Docker engine: a temporary copy and rlimits.

It is NOT isolated: the commands run as the current user with the host's network and files.
What it does limit: address space and CPU time per command (rlimits), wall time (the whole
process group is killed at the timeout), and it never writes into the user's project folder.
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
from pathlib import Path

from bmadgen.errors import NotFound
from bmadgen.sandbox.base import (
    APP_DIR,
    HOME_DIR,
    OUT_DIR,
    ExecResult,
    Sandbox,
    SandboxUsage,
    iter_app_files,
)
from bmadgen.sandbox.tiers import Tier

NOT_ISOLATED = "not isolated: the local backend runs gates as your user, with your network"


class LocalSandbox(Sandbox):
    backend = "local"
    isolated = False

    def __init__(self, app_dir: Path, *, project: str, tier: Tier, run_id: str = ""):
        self.tier = tier
        self.project = project
        self.run_id = run_id
        self.root = Path(tempfile.mkdtemp(prefix="bmadgen-local-"))
        self.app = self.root / "app"
        self.out = self.root / "out"
        self.home = self.root / "home"
        for folder in (self.app, self.out, self.home, self.root / "tmp"):
            folder.mkdir()
        for rel in iter_app_files(Path(app_dir)):
            target = self.app / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(app_dir) / rel, target)
        self._started = time.monotonic()
        self._exec_count = 0
        self._cpu_s = 0.0
        self._peak_mb = 0.0

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
        env = {
            **os.environ,
            "PATH": tool_bin + os.pathsep + os.environ.get("PATH", ""),
            "HOME": str(self.home),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONHASHSEED": "0",
        }
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
        outcome, detail = "ok", ""
        try:
            out, err = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            outcome, detail = "timeout", f"killed at the {timeout_s:g}s timeout"
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

    def usage(self) -> SandboxUsage:
        return SandboxUsage(
            cpu_s=round(self._cpu_s, 3),
            peak_memory_mb=round(self._peak_mb, 1),
            wall_s=round(time.monotonic() - self._started, 3),
            exec_count=self._exec_count,
        )

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
