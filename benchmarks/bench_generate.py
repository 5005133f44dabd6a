"""Generation benchmark: a 20-feature app, one-slice regeneration, and Copier as the baseline.

    python benchmarks/bench_generate.py            # 7 runs of each measurement
    python benchmarks/bench_generate.py --quick    # 3 runs (a smoke run)

Measures, in-process, each run on a fresh project folder (a git repo holding the app spec):
- `generate_app` of a 20-feature app spec: load and validate the spec, render every template in
  the Jinja sandbox, plan each file against the tree and the pristine manifest, stage and
  rename every file atomically, write the manifests, one git commit;
- `regen_slice` of one slice in three situations: nothing changed (render + compare); a
  template change under a user edit (every file of the slice updated, one 3-way merged with
  `git merge-file`, atomic write, one commit); the same from the CLI as a new process;
- the baseline: Copier's `run_copy` rendering the same template folders (skeleton once, the
  slice folder once per feature) with the same data, into an empty folder, measured in the
  same run. Copier needs a `copier.yml` to know our Jinja options and helpers, so the stack
  folder is copied once (outside the timing) and that file added.

Targets from issue 4: <= 1 s for the 20-feature app, <= 0.2 s for one slice.
Figures go to docs/perf/generation.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jinja2.ext import Extension

REPO = Path(__file__).resolve().parents[1]
FEATURES = 20
TARGET_APP_S = 1.0
TARGET_SLICE_S = 0.2


class BmadgenHelpers(Extension):
    """The filters and globals bmadgen's renderer gives the templates, for Copier's Jinja."""

    def __init__(self, environment) -> None:
        super().__init__(environment)
        from bmadgen.generate import pyfmt
        from bmadgen.generate.context import md_line, yaml_str

        environment.filters.update(
            py_str=pyfmt.py_str, toml_str=lambda t: json.dumps(t, ensure_ascii=False),
            md_line=md_line, yaml_str=yaml_str,
        )
        environment.globals.update(
            fits=pyfmt.fits, call=pyfmt.call, assign=pyfmt.assign, import_from=pyfmt.import_from,
            tuple_assign=pyfmt.tuple_assign,
        )


def twenty_feature_spec() -> dict:
    kinds = [
        {"name": "title", "type": "str", "max_length": 120, "unique": True},
        {"name": "body", "type": "text", "optional": True},
        {"name": "quantity", "type": "int", "min": 0},
        {"name": "price", "type": "float", "min": 0, "max": 10000},
        {"name": "active", "type": "bool"},
        {"name": "state", "type": "enum", "values": ["new", "open", "closed"]},
        {"name": "due_on", "type": "date", "optional": True},
        {"name": "seen_at", "type": "datetime", "optional": True},
    ]
    features = []
    for index in range(FEATURES):
        name = f"feature{index:02d}"
        entities = [{"name": f"item{index:02d}", "fields": list(kinds)}]
        if index % 2:
            entities.append({"name": f"note{index:02d}", "fields": [
                {"name": "text", "type": "text"},
                {"name": "item_id", "type": "ref", "ref": f"item{index:02d}"},
            ]})
        features.append({"name": name, "title": f"Feature {index}", "entities": entities})
    return {"spec_version": 1, "name": "bench", "title": "Bench", "features": features}


def _env() -> dict[str, str]:
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull)
    for key, value in (("GIT_AUTHOR_NAME", "bench"), ("GIT_AUTHOR_EMAIL", "bench@localhost"),
                       ("GIT_COMMITTER_NAME", "bench"), ("GIT_COMMITTER_EMAIL", "bench@localhost")):
        env.setdefault(key, value)
    return env


def new_project(folder: Path, spec: dict) -> Path:
    import yaml

    folder.mkdir(parents=True)
    (folder / "appspec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=folder, check=True)
    subprocess.run(["git", "add", "appspec.yaml"], cwd=folder, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "spec"], cwd=folder, check=True)
    return folder


def simulate_template_change(project: Path, slice_name: str) -> None:
    """Make the slice's pristine base differ from what the templates render now, and put a
    user edit in one file, so regeneration updates every file and merges one."""
    path = project / f".bmadgen/generated/slices/{slice_name}.json"
    data = json.loads(path.read_text())
    data["files"] = {p: "# an older template\n" + c for p, c in data["files"].items()}
    path.write_text(json.dumps(data))
    for p, c in data["files"].items():
        (project / p).write_text(c)
    api = project / f"app/features/{slice_name}/api.py"
    api.write_text(api.read_text() + "\n# the user's own line\n")
    subprocess.run(["git", "commit", "-qam", "older generation + user edit"], cwd=project,
                   check=True)


def copier_template(tmp: Path) -> tuple[Path, Path]:
    from bmadgen.generate.stack import stacks_root

    options = (
        "_jinja_extensions: [bench_generate.BmadgenHelpers]\n"
        "_envops: {trim_blocks: true, lstrip_blocks: true, keep_trailing_newline: true, "
        "autoescape: false}\n"
    )
    out = []
    for part in ("skeleton", "slice"):
        folder = tmp / f"copier-{part}"
        shutil.copytree(stacks_root() / "fastapi" / part, folder)
        (folder / "copier.yml").write_text(options)
        out.append(folder)
    return out[0], out[1]


def run_copier(skeleton: Path, slice_folder: Path, context: dict, dst: Path) -> None:
    from copier import run_copy

    common = {"defaults": True, "overwrite": True, "quiet": True, "unsafe": True}
    run_copy(str(skeleton), dst, data={"app": context}, **common)
    for feature in context["features"]:
        run_copy(str(slice_folder), dst, data={"app": context, "feature": feature}, **common)


def measure(runs: int) -> dict[str, list[float]]:
    from bmadgen import appspec
    from bmadgen.generate import context as gen_context
    from bmadgen.generate.service import generate_app, regen_slice

    spec = twenty_feature_spec()
    samples: dict[str, list[float]] = {k: [] for k in (
        "app", "regen_noop", "regen_merge", "regen_cli", "copier")}
    files = 0
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        skeleton, slice_folder = copier_template(tmp)
        context = gen_context.app_context(appspec.parse(spec))
        for run in range(runs):
            project = new_project(tmp / f"app-{run}", spec)
            start = time.perf_counter()
            result = generate_app(project)
            samples["app"].append(time.perf_counter() - start)
            files = len(result.written)

            start = time.perf_counter()
            regen_slice(project, "feature07")
            samples["regen_noop"].append(time.perf_counter() - start)

            simulate_template_change(project, "feature07")
            start = time.perf_counter()
            merged = regen_slice(project, "feature07")
            samples["regen_merge"].append(time.perf_counter() - start)
            assert merged.commit and "app/features/feature07/api.py" in [
                c.path for c in merged.changes if c.action == "merged"]

            simulate_template_change(project, "feature07")
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "bmadgen", "slice", "regen", "feature07",
                            "--dir", str(project)], check=True, capture_output=True, env=_env())
            samples["regen_cli"].append(time.perf_counter() - start)

            sys.path.insert(0, str(Path(__file__).parent))
            start = time.perf_counter()
            run_copier(skeleton, slice_folder, context, tmp / f"copier-out-{run}")
            samples["copier"].append(time.perf_counter() - start)
            if run == 0:  # the baseline renders exactly what bmadgen renders
                fresh = new_project(tmp / "fresh", spec)
                generate_app(fresh)
                copier_out = tmp / "copier-out-0"
                copier_files = [p for p in copier_out.rglob("*") if p.is_file()]
                differing = [p for p in copier_files
                             if (fresh / p.relative_to(copier_out)).read_bytes() != p.read_bytes()]
                assert not differing, differing[:3]
    print(f"20-feature app: {files} files written by bmadgen; Copier wrote {len(copier_files)} "
          "files, byte-identical to bmadgen's")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="3 runs instead of 7")
    args = parser.parse_args()
    os.environ.update(_env())
    samples = measure(3 if args.quick else 7)
    labels = {
        "app": f"generate_app, {FEATURES}-feature app (render, plan, atomic write, commit)",
        "regen_noop": "regen_slice, nothing changed (render + compare)",
        "regen_merge": "regen_slice, template change under a user edit (merge, write, commit)",
        "regen_cli": "`bmadgen slice regen` as a process (same situation)",
        "copier": f"baseline: Copier run_copy, same templates and data ({FEATURES + 1} runs)",
    }
    print("| measurement | median (min, max) |")
    print("|---|---|")
    for key, label in labels.items():
        values = samples[key]
        print(f"| {label} | {statistics.median(values):.3f} s "
              f"(min {min(values):.3f}, max {max(values):.3f}) |")
    app = statistics.median(samples["app"])
    copier = statistics.median(samples["copier"])
    regen = statistics.median(samples["regen_merge"])
    print(f"\n20-feature app: {app:.3f} s (target {TARGET_APP_S} s); Copier {copier:.3f} s; "
          f"Copier / bmadgen = {copier / app:.1f}x")
    print(f"one-slice regen with merge: {regen:.3f} s (target {TARGET_SLICE_S} s)")


if __name__ == "__main__":
    main()
