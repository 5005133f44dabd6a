"""Sharing benchmark: `bmadgen preview` start to first page served, and `bmadgen export docs`
as HTML and PDF, for the ecommerce example (through architecture, offline).

    python benchmarks/bench_share.py            # 7 runs of each (PDF: 3)
    python benchmarks/bench_share.py --quick    # 3 runs (PDF: 1)

Every figure is a whole new process, as a person runs it:
- preview: from starting `bmadgen preview --no-open` to the first page's last byte read
  (the URL is read from the command's first line, then index.html is fetched);
- `bmadgen export docs --format html --output FILE` and `--format pdf` (headless Chromium).

Targets from issue 14: preview <= 0.5 s, HTML export <= 0.5 s; PDF is reported.
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
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ANSWERS = REPO / "examples" / "ecommerce.answers.yaml"
BMADGEN = [sys.executable, "-m", "bmadgen"]


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ, BMADGEN_HOME=str(home), GIT_CONFIG_GLOBAL=os.devnull)
    for key, value in (("GIT_AUTHOR_NAME", "bench"), ("GIT_AUTHOR_EMAIL", "bench@localhost"),
                       ("GIT_COMMITTER_NAME", "bench"),
                       ("GIT_COMMITTER_EMAIL", "bench@localhost")):
        env.setdefault(key, value)
    return env


def preview_once(folder: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    process = subprocess.Popen([*BMADGEN, "preview", "--no-open"], cwd=folder, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        with urllib.request.urlopen(url + "index.html", timeout=10) as resp:
            resp.read()
        return time.perf_counter() - start
    finally:
        process.terminate()
        process.wait(timeout=10)


def command_once(args: list[str], folder: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([*BMADGEN, *args], cwd=folder, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def report(name: str, runs: list[float], target: float | None) -> None:
    median = statistics.median(runs)
    met = "" if target is None else ("met" if median <= target else "NOT met")
    verdict = "" if target is None else f" (target <= {target:.1f} s: {met})"
    print(f"{name}: median {median:.3f} s over {len(runs)} runs "
          f"(min {min(runs):.3f}, max {max(runs):.3f}){verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs = 3 if args.quick else 7
    with tempfile.TemporaryDirectory(prefix="bench-share-") as tmp:
        home, folder = Path(tmp) / "home", Path(tmp) / "shop"
        env = _env(home)
        subprocess.run([*BMADGEN, "new", "shop", "--type", "ecommerce", "--answers",
                        str(ANSWERS), "--yes", "--until", "architecture", "--dir", str(folder)],
                       env=env, check=True, stdout=subprocess.DEVNULL)
        preview_once(folder, env)  # warm-up: byte-code and file caches
        report("preview start to first page", [preview_once(folder, env) for _ in range(runs)],
               0.5)
        html = ["export", "docs", "--format", "html", "--output", str(Path(tmp) / "plan.html")]
        command_once(html, folder, env)
        report("export docs --format html", [command_once(html, folder, env)
                                             for _ in range(runs)], 0.5)
        if shutil.which("chromium") or os.environ.get("BMADGEN_CHROMIUM"):
            pdf = ["export", "docs", "--format", "pdf", "--output", str(Path(tmp) / "plan.pdf")]
            report("export docs --format pdf", [command_once(pdf, folder, env)
                                                for _ in range(1 if args.quick else 3)], None)
        else:
            print("export docs --format pdf: skipped (no Chromium)")
        report("bmadgen --help (start-up floor)",
               [command_once(["--help"], folder, env) for _ in range(runs)], None)


if __name__ == "__main__":
    main()
