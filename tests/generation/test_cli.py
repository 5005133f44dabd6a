"""The CLI face: generate and slice commands, JSON output, exit codes, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bmadgen.errors import ExitCode

from .conftest import commit_count, git


def bmadgen(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bmadgen", *args], check=False, cwd=cwd,
                          env=dict(os.environ),
                          capture_output=True, text=True, timeout=120)


def test_generate_dry_run_then_generate(shop: Path) -> None:
    plan = bmadgen("generate", "--dry-run", "--dir", str(shop), "--json", cwd=shop)
    assert plan.returncode == 0, plan.stderr
    data = json.loads(plan.stdout)
    assert data["dry_run"] is True and data["commit"] is None
    assert not (shop / "app").exists()
    done = bmadgen("generate", cwd=shop)  # the working directory holds appspec.yaml
    assert done.returncode == 0, done.stderr
    assert "create app/main.py" in " ".join(done.stdout.split())
    assert (shop / "app/main.py").is_file()


def test_slice_commands(generated_shop: Path) -> None:
    listed = json.loads(bmadgen("slice", "list", "--json", cwd=generated_shop).stdout)
    assert [s["name"] for s in listed] == ["catalog", "orders"]
    commits = commit_count(generated_shop)
    added = bmadgen("slice", "add", "wishlist", "-f", "title:str", "-f", "note:text?",
                    cwd=generated_shop)
    assert added.returncode == 0, added.stderr
    assert commit_count(generated_shop) == commits + 1
    ui = generated_shop / "app/features/wishlist/ui.py"
    ui.write_text(ui.read_text().replace('TITLE = "Wishlist"', 'TITLE = "My wishlist"'))
    diff = bmadgen("slice", "diff", "wishlist", cwd=generated_shop)
    assert diff.returncode == 0 and '+TITLE = "My wishlist"' in diff.stdout
    regen = bmadgen("slice", "regen", "wishlist", "--json", cwd=generated_shop)
    assert regen.returncode == 0, regen.stderr
    assert "app/features/wishlist/ui.py" in json.loads(regen.stdout)["kept"]
    refused = bmadgen("slice", "rm", "wishlist", cwd=generated_shop)
    assert refused.returncode == ExitCode.CONFLICT
    removed = bmadgen("slice", "rm", "wishlist", "--force", cwd=generated_shop)
    assert removed.returncode == 0, removed.stderr
    assert not (generated_shop / "app/features/wishlist").exists()
    assert git(generated_shop, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("slice", "add", "../x"), ExitCode.INVALID_INPUT),
        (("slice", "add", "class"), ExitCode.INVALID_INPUT),
        (("slice", "add", "orders"), ExitCode.INVALID_INPUT),
        (("slice", "regen", "nope"), ExitCode.NOT_FOUND),
        (("slice", "diff", "nope"), ExitCode.NOT_FOUND),
    ],
)
def test_bad_input_is_one_line_and_an_exit_code(generated_shop: Path, args, code) -> None:
    proc = bmadgen(*args, cwd=generated_shop)
    assert proc.returncode == code, proc.stderr
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr


def test_conflict_exits_5_and_names_the_file(generated_shop: Path) -> None:
    api = _clash(generated_shop)
    proc = bmadgen("slice", "regen", "orders", cwd=generated_shop)
    assert proc.returncode == ExitCode.CONFLICT, proc.stderr
    assert "app/features/orders/api.py" in proc.stderr
    assert "<<<<<<< yours" in api.read_text()


def _clash(project: Path) -> Path:
    """A user edit and a template change on the same line of orders/api.py: the manifest says
    the last generation wrote something else there, so a regeneration clashes."""
    api = project / "app/features/orders/api.py"
    api.write_text(api.read_text().replace("limit=page.limit,", "limit=page.limit,  # mine", 1))
    manifest = project / ".bmadgen/generated/slices/orders.json"
    data = json.loads(manifest.read_text())
    data["files"]["app/features/orders/api.py"] = data["files"]["app/features/orders/api.py"].replace(
        "limit=page.limit,", "limit=page.limit,  # older template", 1)
    manifest.write_text(json.dumps(data))
    git(project, "commit", "-qam", "my edit")
    return api


@pytest.mark.parametrize("args", [("slice", "regen", "orders"), ("generate",)])
def test_a_dry_run_with_a_conflict_exits_5_and_still_shows_the_plan(
    generated_shop: Path, args: tuple[str, ...]
) -> None:
    api = _clash(generated_shop)
    before = api.read_text()
    shown = bmadgen(*args, "--dry-run", cwd=generated_shop)
    assert shown.returncode == ExitCode.CONFLICT, shown.stderr
    assert "1 in conflict" in shown.stdout and "conflict app/features/orders/api.py" in " ".join(
        shown.stdout.split())
    assert shown.stderr.startswith("error: ") and "app/features/orders/api.py" in shown.stderr
    as_json = bmadgen(*args, "--dry-run", "--json", cwd=generated_shop)
    assert as_json.returncode == ExitCode.CONFLICT, as_json.stderr
    data = json.loads(as_json.stdout)
    assert data["dry_run"] is True and data["conflicted"] == ["app/features/orders/api.py"]
    assert api.read_text() == before
    assert git(generated_shop, "status", "--porcelain") == ""
