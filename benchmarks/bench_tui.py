"""The terminal wizard's figures (issue 11).

    python benchmarks/bench_tui.py [--runs 7] [--projects 200]

1. Start to interactive: a fresh process (`python -c` that imports the wizard and runs it
   headless) is timed from just before it is spawned until the dashboard shows every one of
   the store's projects (200 by default) and takes keys. Target: <= 1 s on this machine.
2. Keystroke-to-screen latency while a gate run is in progress: in one headless wizard, the
   gates (format, lint, types, tests by default) run on the catalog slice of a generated
   ecommerce app (local backend, in a thread worker) while a key is pressed every 50 ms; each
   press is timed from `pilot.press` until the key was handled and the screen refreshed. Also
   the event loop's lag: how late a 20 ms interval timer fires during the run (the largest
   lag is the longest freeze). Reported: medians and the worst.

Medians of `--runs` runs. The figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]
EXAMPLES = HERE / "examples"

CHILD = """
import asyncio, sys, time
from pathlib import Path
from bmadgen.tui.app import BmadgenApp

async def main():
    app = BmadgenApp(cwd=Path(sys.argv[1]))
    async with app.run_test(size=(120, 40)) as pilot:
        while not (type(app.screen).__name__ == "DashboardScreen" and app.screen.loaded):
            await asyncio.sleep(0.005)
        await pilot.press("down")  # it takes keys
        print(time.time())

asyncio.run(main())
"""


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(BMADGEN_HOME=str(home), BMADGEN_CONFIG=str(home / "none.toml"),
               PYTHONPATH=str(HERE / "src"), BMADGEN_SANDBOX="local",
               DOCKER_HOST="unix:///nonexistent/bench.sock")
    return env


def _seed_projects(home: Path, count: int) -> None:
    os.environ.update(_env(home))
    from bmadgen.services import projects
    from bmadgen.services.session import open_session

    with open_session() as session:
        for number in range(count):
            projects.create(session, f"project_{number:03d}", type="saas")


def start_to_interactive(home: Path, work: Path, runs: int) -> tuple[list[float], list[float]]:
    """Wall time to the interactive dashboard, and the child's CPU time (user + system) for
    its whole life, which a busy shared machine inflates far less than the wall time."""
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.time()
        done = subprocess.run([sys.executable, "-c", CHILD, str(work)], env=_env(home),
                              capture_output=True, text=True, timeout=120, check=True)
        times.append(float(done.stdout.strip().splitlines()[-1]) - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return times, cpu


async def _latency_during_gates(work: Path, gates: list[str]) -> dict[str, Any]:
    from bmadgen.services import generation, workflow
    from bmadgen.services.session import open_session
    from bmadgen.tui.app import BmadgenApp
    from bmadgen.tui.screens.gates import GatesScreen

    if not (work / "shop").exists():
        with open_session(cwd=work) as session:
            workflow.new_project(session, "shop", "ecommerce", folder=work / "shop",
                                 answers=EXAMPLES / "ecommerce.answers.yaml",
                                 until="architecture")
            generation.generate(session)
    app = BmadgenApp(project="shop", cwd=work)
    presses: list[float] = []
    gaps: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        while type(app.screen).__name__ != "ProjectScreen":
            await asyncio.sleep(0.01)
        await pilot.press("g")
        while not isinstance(app.screen, GatesScreen) or not hasattr(app.screen, "gate_names"):
            await asyncio.sleep(0.01)
        screen = app.screen
        last = [time.perf_counter()]

        def tick() -> None:  # the event loop's own latency: how late each 20 ms tick runs
            now = time.perf_counter()
            if screen.running:
                gaps.append(now - last[0] - TICK_S)
            last[0] = now

        app.set_interval(TICK_S, tick)
        table = screen.query_one("#runs")
        idle: list[float] = []
        for number in range(20):  # the same presses with nothing running: the baseline
            before = time.perf_counter()
            await pilot.press("down" if number % 2 == 0 else "up")
            table.refresh()
            await pilot.pause()
            idle.append(time.perf_counter() - before)
            await asyncio.sleep(0.05)
        started = time.perf_counter()
        screen.start_run(slices=["catalog"], gates=gates)
        while screen.running:
            before = time.perf_counter()
            await pilot.press("down" if len(presses) % 2 == 0 else "up")
            table.refresh()
            await pilot.pause()  # the key handled and the screen refreshed
            presses.append(time.perf_counter() - before)
            await asyncio.sleep(0.05)
        duration = time.perf_counter() - started
    return {"presses": presses, "gaps": gaps, "duration": duration, "idle": idle}


TICK_S = 0.02


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--projects", type=int, default=200)
    parser.add_argument("--gates", default="format,lint,types,tests")
    parser.add_argument("--gate-runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home, work = Path(tmp) / "home", Path(tmp) / "work"
        home.mkdir()
        work.mkdir()
        _seed_projects(home, args.projects)
        times, cpu = start_to_interactive(home, work, args.runs)
        print(f"start to interactive dashboard, {args.projects} projects: median "
              f"{statistics.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f}, "
              f"{len(times)} runs); CPU of the process median {statistics.median(cpu):.3f} s; "
              f"load average {os.getloadavg()[0]:.1f}")
        gates = args.gates.split(",")
        for _ in range(args.gate_runs):
            got = asyncio.run(_latency_during_gates(work, gates))
            ms = sorted(x * 1000 for x in got["presses"])
            lag = sorted(max(0.0, x) * 1000 for x in got["gaps"])
            print(f"during a gate run ({got['duration']:.1f} s; {', '.join(gates)} on catalog; "
                  f"local backend, first run, nothing cached): keystroke to screen median {statistics.median(ms):.1f} ms, "
                  f"worst {ms[-1]:.1f} ms ({len(ms)} presses; with nothing running: median "
                  f"{statistics.median(got['idle']) * 1000:.1f} ms); event-loop lag median "
                  f"{statistics.median(lag):.1f} ms, worst {lag[-1]:.1f} ms ({len(lag)} ticks)")


if __name__ == "__main__":
    main()
