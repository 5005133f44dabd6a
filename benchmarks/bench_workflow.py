"""Workflow benchmark: the unattended offline run through architecture for the ecommerce example.

    python benchmarks/bench_workflow.py            # 7 runs of each measurement
    python benchmarks/bench_workflow.py --quick    # 3 runs (a smoke run)

Measures (each run with a fresh store and a fresh project folder):
- the whole command a user types, as a new process:
  `bmadgen new shop --type ecommerce --answers examples/ecommerce.answers.yaml --yes
   --until architecture --dir DIR`
- the same run in-process through the service, split into the time of each phase's run and
  approval (git commit included);
- `bmadgen --help` as a process: the interpreter and CLI start-up floor every command pays.

The target from issue 3 is <= 5 s for the whole command. Figures go to docs/perf/workflow.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ANSWERS = REPO / "examples" / "ecommerce.answers.yaml"
TARGET_S = 5.0
PHASES = ("vision", "requirements", "prototype", "architecture")


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, BMADGEN_HOME=str(home), GIT_CONFIG_GLOBAL=os.devnull)
    env.setdefault("GIT_AUTHOR_NAME", "bench")
    env.setdefault("GIT_AUTHOR_EMAIL", "bench@localhost")
    env.setdefault("GIT_COMMITTER_NAME", "bench")
    env.setdefault("GIT_COMMITTER_EMAIL", "bench@localhost")
    return env


def time_command(args: list[str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = _env(Path(tmp) / "home")
            argv = [a.replace("{tmp}", tmp) for a in args]
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "bmadgen", *argv], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            samples.append(time.perf_counter() - start)
    return samples


def time_in_process(runs: int) -> tuple[list[float], dict[str, list[float]]]:
    from bmadgen.store import open_store
    from bmadgen.workflow import engine

    totals: list[float] = []
    steps: dict[str, list[float]] = {}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            os.environ.update(_env(Path(tmp) / "home"))
            store = open_store()
            start = time.perf_counter()
            project = engine.new_project(store, "shop", "ecommerce", Path(tmp) / "shop", ANSWERS)
            steps.setdefault("new project (store, folder, git init)", []).append(
                time.perf_counter() - start)
            for phase in PHASES:
                t0 = time.perf_counter()
                engine.run_phase(store, project, phase)
                t1 = time.perf_counter()
                engine.approve_phase(store, project, phase)
                t2 = time.perf_counter()
                steps.setdefault(f"{phase}: run", []).append(t1 - t0)
                steps.setdefault(f"{phase}: approve (commit, handoff)", []).append(t2 - t1)
            totals.append(time.perf_counter() - start)
            store.close()
    return totals, steps


def fmt(samples: list[float]) -> str:
    return (f"{statistics.median(samples):.3f} s (min {min(samples):.3f}, "
            f"max {max(samples):.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 runs instead of 7")
    runs = 3 if parser.parse_args().quick else 7
    command = ["new", "shop", "--type", "ecommerce", "--answers", str(ANSWERS), "--yes",
               "--until", "architecture", "--dir", "{tmp}/shop"]
    whole = time_command(command, runs)
    floor = time_command(["--help"], runs)
    in_process, steps = time_in_process(runs)
    median = statistics.median(whole)
    print(f"runs: {runs} each; python {sys.version.split()[0]}; {os.cpu_count()} CPUs\n")
    print("| measurement | median (min, max) |")
    print("|---|---|")
    print(f"| `bmadgen new ... --yes --until architecture` (process) | {fmt(whole)} |")
    print(f"| `bmadgen --help` (process start-up floor) | {fmt(floor)} |")
    print(f"| same run in-process (service) | {fmt(in_process)} |")
    for name, samples in steps.items():
        print(f"| - {name} | {fmt(samples)} |")
    print(f"\ntarget <= {TARGET_S:.0f} s: median is {median / TARGET_S:.0%} of the target "
          f"({TARGET_S / median:.1f}x under)" if median <= TARGET_S else
          f"\ntarget <= {TARGET_S:.0f} s: MISSED ({median:.2f} s)")


if __name__ == "__main__":
    main()
