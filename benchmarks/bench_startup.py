"""Whole-command time of the light commands, this tree against another checkout of bmadgen.

    python benchmarks/bench_startup.py --baseline /path/to/older/checkout [--runs 21]

Times `bmadgen --help`, `bmadgen memory search` and `bmadgen task list` as whole processes
(`python -m bmadgen ...`), each run of this tree paired with a run of the baseline tree (A B A B
..., so a drift in the machine's speed hits both), on one store with 1,000 memories and 50 tasks.
Prints the median wall time of each and the median of the paired ratios (this / baseline), and
checks that none of the commands imports litellm, textual, docker or mcp. The figures are
recorded in docs/performance.md (issue 8: the service layer must not make these slower).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
COMMANDS = {
    "--help": ["--help"],
    "memory search": ["memory", "search", "payment webhook retry"],
    "task list": ["task", "list"],
}
HEAVY = ("litellm", "textual", "docker", "mcp")


def _env(tree: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=str(tree / "src"), BMADGEN_HOME=str(home),
               BMADGEN_CONFIG=str(home / "none.toml"))
    return env


def _run(tree: Path, home: Path, args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds user+sys) of one whole command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bmadgen", *args], env=_env(tree, home),
                          capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: bmadgen {' '.join(args)} failed: {done.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def _heavy_imports(tree: Path, home: Path, args: list[str]) -> list[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "bmadgen", *args],
                          env=_env(tree, home), capture_output=True, text=True, check=False)
    found = set()
    for line in done.stderr.splitlines():
        module = line.rsplit("|", 1)[-1].strip()
        if module.split(".")[0] in HEAVY:
            found.add(module.split(".")[0])
    return sorted(found)


def _seed(tree: Path, home: Path) -> None:
    """One project with 1,000 memories and 50 tasks, written by `tree`'s own core (each tree
    gets its own store: a newer tree may add migrations an older one refuses)."""
    script = (
        "from bmadgen import memory, projects, tasks\n"
        "from bmadgen.store import open_store\n"
        "words = 'api payment webhook retry queue order cart checkout invoice stripe'.split()\n"
        "s = open_store()\n"
        "p = projects.create(s, 'bench', type='ecommerce')\n"
        "for i in range(1000):\n"
        "    memory.add(s, p.id, ' '.join(words[(i + k) % len(words)] for k in range(6)),\n"
        "               importance=('critical', 'high', 'medium', 'low')[i % 4])\n"
        "for i in range(50):\n"
        "    tasks.add(s, p.id, f'task {i}', priority=('critical', 'high', 'medium', 'low')[i % 4])\n"
        "s.close()\n"
    )
    subprocess.run([sys.executable, "-c", script], env=_env(tree, home), check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True,
                        help="another checkout of bmadgen (its src/ is imported)")
    parser.add_argument("--runs", type=int, default=21)
    options = parser.parse_args()
    baseline = options.baseline.resolve()
    with tempfile.TemporaryDirectory(prefix="bmadgen-bench-") as tmp:
        homes = {HERE: Path(tmp) / "this", baseline: Path(tmp) / "baseline"}
        for tree, home in homes.items():
            home.mkdir()
            _seed(tree, home)
        print(f"python {sys.version.split()[0]}, {options.runs} paired runs, "
              f"this tree {HERE}, baseline {baseline}")
        print(f"{'command':<16} {'wall this':>10} {'baseline':>9} {'ratio':>7}   "
              f"{'CPU this':>9} {'baseline':>9} {'ratio':>7}  heavy imports (this / baseline)")
        for label, args in COMMANDS.items():
            for tree in (HERE, baseline):  # warm-up: the page cache, the .pyc files
                _run(tree, homes[tree], args)
            pairs = [(_run(HERE, homes[HERE], args), _run(baseline, homes[baseline], args))
                     for _ in range(options.runs)]
            heavy = (_heavy_imports(HERE, homes[HERE], args),
                     _heavy_imports(baseline, homes[baseline], args))
            cells = []
            for kind in (0, 1):  # wall, then CPU
                ours = statistics.median(a[kind] for a, _ in pairs)
                theirs = statistics.median(b[kind] for _, b in pairs)
                ratio = statistics.median(a[kind] / b[kind] for a, b in pairs)
                cells.append(f"{ours * 1000:>6.0f} ms {theirs * 1000:>6.0f} ms {ratio:>6.3f}x")
            print(f"{label:<16} {cells[0]}   {cells[1]}  {heavy[0] or 'none'} / "
                  f"{heavy[1] or 'none'}")


if __name__ == "__main__":
    main()
