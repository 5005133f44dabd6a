"""Gate benchmark: a full gate run on a 5-slice app in Docker, the incremental re-run after one
slice changes, and the per-gate exec overhead of the sandbox against the same command on the host.

    python benchmarks/bench_gates.py            # 3 full runs, 3 incremental runs, 15 exec samples
    python benchmarks/bench_gates.py --quick    # 1 full run, 1 incremental run, 5 exec samples
    python benchmarks/bench_gates.py --app DIR  # any app folder instead of the synthetic one

The 5-slice app is the fixture app (tests/fixtures/vsa_app: products, orders) plus three
copies of the products slice under other names (reviews, carts, wishlists), with the
import-linter contract listing all five. Every full run uses `use_cache=False`; every
incremental run first edits one slice's services.py (a new constant), then runs with the cache.

Targets from issue 5: incremental <= 30% of the full run; exec overhead <= 0.1 s median. Also
printed: the cost between two gates (issue 15: leftovers killed, the app copy put back).
Figures go to docs/perf/gates.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "vsa_app"
CLONES = {"reviews": "Review", "carts": "Cart", "wishlists": "Wishlist"}


def five_slice_app(target: Path) -> Path:
    shutil.copytree(FIXTURE, target, ignore=shutil.ignore_patterns("mutants", "__pycache__"))
    (target / "conftest.py").unlink()
    products = target / "app" / "features" / "products"
    for name, model in CLONES.items():
        clone = target / "app" / "features" / name
        shutil.copytree(products, clone)
        for path in clone.rglob("*.py"):
            text = path.read_text().replace("products", name).replace("Product", model)
            path.write_text(text.replace("product", name[:-1]))
    pyproject = target / "pyproject.toml"
    slices = ["products", "orders", *CLONES]
    pyproject.write_text(pyproject.read_text().replace(
        'modules = ["app.features.products", "app.features.orders"]',
        "modules = [" + ", ".join(f'"app.features.{s}"' for s in slices) + "]",
    ))
    # Renaming changes line lengths; let the formatter settle them like a developer would.
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(target)], check=True)
    return target


def timed_run(store, project, app: Path, *, use_cache: bool):
    from bmadgen.gates.service import run_gates

    started = time.perf_counter()
    report = run_gates(store, project, app, sandbox="docker", use_cache=use_cache)
    return time.perf_counter() - started, report


def between_gates(app: Path, samples: int) -> float:
    """Median wall time of what the gate service does between two gates in a warm sandbox:
    sweep (kill what the last command left running) and reset (the app, home and /tmp put
    back to the snapshot)."""
    from bmadgen.sandbox.docker_backend import DockerSandbox
    from bmadgen.sandbox.tiers import get_tier

    times = []
    box = DockerSandbox(app, project="bench", tier=get_tier("free"))
    try:
        for _ in range(samples):
            box.exec("touch app/stray", timeout_s=60)
            started = time.perf_counter()
            box.sweep()
            box.reset()
            times.append(time.perf_counter() - started)
    finally:
        box.close()
    return statistics.median(times)


def exec_overhead(app: Path, samples: int) -> list[tuple[str, float, float]]:
    """Median wall time of the same command on the host and as an exec in a warm sandbox."""
    from bmadgen.sandbox.docker_backend import DockerSandbox
    from bmadgen.sandbox.tiers import get_tier

    commands = ["true", "ruff check --no-cache --output-format json .",
                "ruff format --check --no-cache ."]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    rows = []
    box = DockerSandbox(app, project="bench", tier=get_tier("free"))
    try:
        for command in commands:
            host, sandboxed = [], []
            for _ in range(samples):
                started = time.perf_counter()
                subprocess.run(["sh", "-c", command], cwd=app, env=env, capture_output=True,
                               check=False)
                host.append(time.perf_counter() - started)
                started = time.perf_counter()
                box.exec(command, timeout_s=60)
                sandboxed.append(time.perf_counter() - started)
            rows.append((command, statistics.median(host), statistics.median(sandboxed)))
    finally:
        box.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--app", type=Path, help="an app folder (default: the 5-slice app)")
    args = parser.parse_args()
    full_runs, incremental_runs, samples = (1, 1, 5) if args.quick else (3, 3, 15)

    work = Path(tempfile.mkdtemp(prefix="bench-gates-"))
    os.environ["BMADGEN_HOME"] = str(work / "home")
    from bmadgen import projects
    from bmadgen.gates.stack import discover_slices
    from bmadgen.store import open_store

    app = args.app.resolve() if args.app else five_slice_app(work / "shop")
    slices = discover_slices(app)
    store = open_store()
    project = projects.create(store, "bench")
    try:
        fulls, full_cpu = [], []
        for _ in range(full_runs):
            seconds, report = timed_run(store, project, app, use_cache=False)
            fulls.append(seconds)
            full_cpu.append(report.usage.get("cpu_s", 0.0))
            print(f"full run: {seconds:6.1f}s  sandbox CPU {full_cpu[-1]:6.1f}s  "
                  f"passed={report.passed}  "
                  f"verdicts={ {v.slice: v.verdict for v in report.verdicts} }", flush=True)
        increments, incremental_cpu = [], []
        for i in range(incremental_runs):
            edited = app / "app" / "features" / slices[i % len(slices)] / "services.py"
            edited.write_text(edited.read_text() + f"\n\nBENCH_EDIT_{i} = {i}\n")
            seconds, report = timed_run(store, project, app, use_cache=True)
            increments.append(seconds)
            incremental_cpu.append(report.usage.get("cpu_s", 0.0))
            reran = [r.label for r in report.results if not r.cached and r.status != "not_run"]
            print(f"incremental run after editing {edited.parent.name}: {seconds:6.1f}s  "
                  f"sandbox CPU {incremental_cpu[-1]:6.1f}s  re-ran {', '.join(reran)}",
                  flush=True)
        rows = exec_overhead(app, samples)
        between = between_gates(app, samples)
    finally:
        store.close()
        shutil.rmtree(work, ignore_errors=True)

    full, incremental = statistics.median(fulls), statistics.median(increments)
    print()
    print(f"app: {len(slices)} slices ({', '.join(slices)})")
    print(f"full gate run (median of {full_runs}):        {full:7.1f} s")
    print(f"incremental re-run (median of {incremental_runs}):   {incremental:7.1f} s  "
          f"= {100 * incremental / full:.0f}% of full (target <= 30%)")
    cpu_full, cpu_incremental = statistics.median(full_cpu), statistics.median(incremental_cpu)
    print(f"sandbox CPU seconds (median): full {cpu_full:.1f} s, incremental "
          f"{cpu_incremental:.1f} s = {100 * cpu_incremental / cpu_full:.0f}% (load-independent)")
    print(f"exec overhead, median of {samples} (sandbox exec - host):")
    for command, host, sandboxed in rows:
        print(f"  {command:<48} host {host:6.3f} s  sandbox {sandboxed:6.3f} s  "
              f"overhead {sandboxed - host:+.3f} s")
    print(f"between two gates (sweep + reset of the app), median of {samples}: {between:.3f} s")


if __name__ == "__main__":
    main()
