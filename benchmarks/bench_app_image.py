"""The generated app's container image: build time cold and warm, image size, start to healthy.

    python benchmarks/bench_app_image.py [--runs 3] [--port 18765]
    python benchmarks/bench_app_image.py --postgres [--runs 5]

Generates the ecommerce example into a temporary folder, then, `--runs` times each:
- cold build: `bmadgen app build`'s offline build with no layer cache (the app image and its
  intermediate layers removed first); the base image and the wheelhouse exist (they are made
  once, by `bmadgen sandbox image build`);
- warm build, nothing changed (every layer cached);
- warm build after an edit of one app file (only the layer holding the source is rebuilt);
- start to healthy: `bmadgen app run` from `docker run` until /health answers through the
  published port, and until Docker's own HEALTHCHECK reports the container healthy.
With `--postgres` (no build figures: the image is built once if needed), `--runs` times each:
- start to /health on PostgreSQL: `bmadgen app run --env DATABASE_URL` against a new, empty
  database (its own role, password auth over TCP) of a throwaway server on the Docker bridge
  (tests/generation/pg.py), reached as host.docker.internal, so every start applies the
  migrations; the same on SQLite in a fresh volume, alternately, for comparison.
Prints each run and the medians; figures go to docs/performance.md.
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
sys.path.insert(0, str(REPO / "src"))

from bmadgen.generate.service import generate_app
from bmadgen.sandbox import app_environment, app_image
from bmadgen.sandbox.engine import connect
from bmadgen.settings import get_settings


def _project(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "appspec.yaml").write_bytes((REPO / "examples/ecommerce.appspec.yaml").read_bytes())
    for command in (["init", "-q", "-b", "main"], ["add", "appspec.yaml"],
                    ["commit", "-q", "-m", "app spec"]):
        subprocess.run(["git", *command], cwd=folder, check=True)
    generate_app(folder)
    return folder


def _build(folder: Path) -> float:
    started = time.perf_counter()
    app_image.build(folder, cache_dir=get_settings().cache_dir, say=lambda text: None)
    return time.perf_counter() - started


def _remove_image(client, tag: str) -> None:
    from docker.errors import ImageNotFound

    try:
        client.images.remove(tag, force=True)
    except ImageNotFound:
        pass  # the first run: nothing to remove
    client.images.prune(filters={"dangling": True})


def _healthy(client, container_name: str, timeout_s: float = 120) -> float:
    container = client.containers.get(container_name)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        container.reload()
        if container.attrs["State"].get("Health", {}).get("Status") == "healthy":
            return time.monotonic()
        time.sleep(0.1)
    raise RuntimeError("the container never became healthy")


def _remove_volume(client, name: str) -> None:
    from docker.errors import NotFound

    try:
        client.volumes.get(name).remove(force=True)
    except NotFound:
        pass  # no run left one


def _postgres(runs: int, port: int) -> None:
    sys.path.insert(0, str(REPO))
    from tests.generation.pg import new_owned_database, server

    client = connect()
    bridge = client.networks.get("bridge").attrs["IPAM"]["Config"]
    gateway = next(entry["Gateway"] for entry in bridge if entry.get("Gateway"))
    figures: dict[str, list[float]] = {"run to /health, PostgreSQL (empty database) s": [],
                                       "run to /health, SQLite (fresh volume) s": []}
    with tempfile.TemporaryDirectory(prefix="bench-app-pg-") as tmp, \
            server(tcp_host=gateway) as postgres:
        folder = _project(Path(tmp) / "shop")
        name = app_image.app_name(folder)
        volume = app_image.container_name(name) + "-data"
        print(f"building {app_image.image_tag(name)}: {_build(folder):.1f} s", flush=True)
        for run in range(runs):
            url = new_owned_database(postgres, f"bench_{run}")
            on_host = url.replace(f"@{gateway}:", f"@{app_environment.HOST_ALIAS}:")
            result = app_image.run(folder, port=port, say=lambda text: None,
                                   entries=["DATABASE_URL"], environ={"DATABASE_URL": on_host})
            figures["run to /health, PostgreSQL (empty database) s"].append(result.healthy_s)
            app_image.stop(folder)
            _remove_volume(client, volume)
            result = app_image.run(folder, port=port, say=lambda text: None)
            figures["run to /health, SQLite (fresh volume) s"].append(result.healthy_s)
            app_image.stop(folder)
            print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in figures.items()),
                  flush=True)
        _remove_volume(client, volume)
    print(f"\nmedians of {runs} runs (cpus: {os.cpu_count()}, load: "
          f"{os.getloadavg()[0]:.1f}):")
    for key, values in figures.items():
        print(f"  {key:<48} {statistics.median(values):6.2f}  "
              f"({min(values):.2f}-{max(values):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--postgres", action="store_true",
                        help="only start to /health on PostgreSQL (and on SQLite, alternately)")
    args = parser.parse_args()
    os.environ.setdefault("GIT_AUTHOR_NAME", "bench")
    os.environ.setdefault("GIT_AUTHOR_EMAIL", "bench@bmadgen.invalid")
    os.environ.setdefault("GIT_COMMITTER_NAME", "bench")
    os.environ.setdefault("GIT_COMMITTER_EMAIL", "bench@bmadgen.invalid")
    if args.postgres:
        _postgres(args.runs, args.port)
        return
    client = connect()
    figures: dict[str, list[float]] = {"cold build s": [], "warm build (unchanged) s": [],
                                       "warm build (one file edited) s": [],
                                       "run to /health s": [], "run to Docker healthy s": []}
    with tempfile.TemporaryDirectory(prefix="bench-app-image-") as tmp:
        folder = _project(Path(tmp) / "shop")
        name = app_image.app_name(folder)
        tag = app_image.image_tag(name)
        edited = folder / "app" / "features" / "catalog" / "services.py"
        for run in range(args.runs):
            _remove_image(client, tag)
            figures["cold build s"].append(_build(folder))
            figures["warm build (unchanged) s"].append(_build(folder))
            edited.write_text(edited.read_text() + f"\n# bench edit {run}\n")
            figures["warm build (one file edited) s"].append(_build(folder))
            started = time.monotonic()
            result = app_image.run(folder, port=args.port, say=lambda text: None)
            figures["run to /health s"].append(result.healthy_s)
            figures["run to Docker healthy s"].append(
                _healthy(client, result.container) - started)
            app_image.stop(folder)
            print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in figures.items()),
                  flush=True)
        size_mb = (client.images.get(tag).attrs.get("Size") or 0) / 1e6
        base_mb = (client.images.get("bmadgen/base:bookworm").attrs.get("Size") or 0) / 1e6
        client.volumes.get(app_image.container_name(name) + "-data").remove(force=True)
        _remove_image(client, tag)
    print(f"\nmedians of {args.runs} runs (cpus: {os.cpu_count()}, load: "
          f"{os.getloadavg()[0]:.1f}):")
    for key, values in figures.items():
        print(f"  {key:<34} {statistics.median(values):8.2f}")
    print(f"  {'image size MB':<34} {size_mb:8.1f}  (the base image: {base_mb:.1f} MB)")


if __name__ == "__main__":
    main()
