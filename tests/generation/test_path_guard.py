"""Paths read from the project are data: a hostile journal, manifest or stack layout is refused
with one line (exit 3) and touches nothing, inside the project or outside it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bmadgen.errors import ExitCode, InvalidInput
from bmadgen.generate import service, writer

from .conftest import commit_count, tree

STAGED = ".bmadgen/tmp/0123456789ab"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A folder outside the project that no generation may touch."""
    folder = tmp_path / "victim"
    (folder / "tmp").mkdir(parents=True)
    (folder / "important.txt").write_text("precious\n")
    (folder / "tmp" / "keep.txt").write_text("keep\n")
    (folder / "generation-journal.json.keep").write_text("keep\n")
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _journal(project: Path, **overrides: object) -> None:
    journal: dict[str, object] = {
        "message": "bmadgen: generate shop", "commit": True, "moves": [], "deletes": [],
        "also_commit": ["appspec.yaml"], "staging": STAGED,
    }
    journal.update(overrides)
    (project / STAGED).mkdir(parents=True, exist_ok=True)
    (project / STAGED / "0").write_text("staged\n")
    (project / writer.JOURNAL).write_text(json.dumps(journal))


def _relative(project: Path, target: Path) -> str:
    return os.path.relpath(target, project)


def _hostile_journals(project: Path, victim: Path) -> dict[str, dict[str, object]]:
    important = victim / "important.txt"
    return {
        "absolute delete": {"deletes": [str(important)]},
        "dotdot delete": {"deletes": [_relative(project, important)]},
        "git internals": {"deletes": [".git/config"]},
        "absolute move target": {"moves": [[f"{STAGED}/0", str(important)]]},
        "dotdot move target": {"moves": [[f"{STAGED}/0", _relative(project, important)]]},
        "move source outside": {"moves": [[str(important), "app/stolen.txt"]]},
        "move source outside staging": {"moves": [["appspec.yaml", "app/moved.yaml"]]},
        "staging outside": {"staging": str(victim / "tmp")},
        "staging dotdot": {"staging": _relative(project, victim / "tmp")},
        "staging is the project": {"staging": "."},
        "staging is the app": {"staging": "app"},
        "NUL in a path": {"deletes": ["app/main.py\x00.txt"]},
        "git pathspec magic": {"also_commit": [":/"]},
        "git glob": {"also_commit": ["*"]},
        "not a list": {"deletes": "app/main.py"},
        "not text": {"deletes": [7]},
        "a move that is no pair": {"moves": [["a", "b", "c"]]},
        "commit is no bool": {"commit": "yes"},
    }


@pytest.mark.parametrize("case", sorted(_hostile_journals(Path("p"), Path("/v"))))
def test_a_hostile_journal_is_refused_and_touches_nothing(
    generated_shop: Path, victim: Path, case: str
) -> None:
    _journal(generated_shop, **_hostile_journals(generated_shop, victim)[case])
    before, outside, commits = tree(generated_shop), _snapshot(victim), commit_count(generated_shop)
    with pytest.raises(InvalidInput) as caught:
        service.generate_app(generated_shop)
    assert writer.JOURNAL in caught.value.message
    assert "\n" not in caught.value.one_line()
    assert _snapshot(victim) == outside
    assert tree(generated_shop) == before
    assert commit_count(generated_shop) == commits


def test_a_symlink_inside_the_project_cannot_carry_a_delete_out(
    generated_shop: Path, victim: Path
) -> None:
    os.symlink(victim, generated_shop / "app" / "link")
    _journal(generated_shop, deletes=["app/link/important.txt"], staging=STAGED)
    outside = _snapshot(victim)
    with pytest.raises(InvalidInput) as caught:
        service.generate_app(generated_shop)
    assert "app/link: is a symlink pointing outside" in caught.value.one_line()
    assert _snapshot(victim) == outside


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '"text"', "\udcff"])
def test_a_journal_that_is_not_a_journal_is_refused(generated_shop: Path, content: str) -> None:
    (generated_shop / writer.JOURNAL).write_bytes(content.encode("utf-8", "surrogateescape"))
    before = tree(generated_shop)
    with pytest.raises(InvalidInput, match="generation-journal.json"):
        service.generate_app(generated_shop)
    assert tree(generated_shop) == before


def test_a_state_folder_linked_outside_is_never_cleaned(generated_shop: Path, victim: Path) -> None:
    """`.bmadgen` replaced by a link: recovery would empty the victim's tmp/ and its leftovers."""
    shutil.copytree(generated_shop / ".bmadgen", victim, dirs_exist_ok=True)
    shutil.rmtree(generated_shop / ".bmadgen")
    os.symlink(victim, generated_shop / ".bmadgen")
    outside = _snapshot(victim)
    with pytest.raises(InvalidInput) as caught:
        service.generate_app(generated_shop)
    assert ".bmadgen: is a symlink" in caught.value.one_line()
    assert _snapshot(victim) == outside


def test_a_staging_folder_linked_outside_is_never_written_or_cleaned(
    generated_shop: Path, victim: Path
) -> None:
    shutil.rmtree(generated_shop / writer.STAGING_DIR, ignore_errors=True)
    os.symlink(victim / "tmp", generated_shop / writer.STAGING_DIR)
    outside = _snapshot(victim)
    with pytest.raises(InvalidInput) as caught:
        service.regen_slice(generated_shop, "orders")
    assert ".bmadgen/tmp: is a symlink" in caught.value.one_line()
    assert _snapshot(victim) == outside


def test_a_run_leaves_no_lock_file_in_the_tree(generated_shop: Path) -> None:
    service.regen_slice(generated_shop, "orders")
    assert not (generated_shop / ".bmadgen" / "generation.lock").exists()
    assert not (generated_shop / ".git" / "bmadgen-generation.lock").exists()


def _write_manifest_entry(project: Path, owner: str, path: str, content: str) -> None:
    manifest = project / ".bmadgen/generated/slices" / f"{owner}.json"
    data = json.loads(manifest.read_text())
    data["files"][path] = content
    manifest.write_text(json.dumps(data))


@pytest.mark.parametrize("absolute", [True, False])
def test_a_manifest_entry_outside_the_project_is_neither_read_nor_deleted(
    generated_shop: Path, victim: Path, absolute: bool
) -> None:
    important = victim / "important.txt"
    entry = str(important) if absolute else _relative(generated_shop, important)
    # The pristine content equals the file on disk: a plain run would delete it, a diff show it.
    _write_manifest_entry(generated_shop, "orders", entry, "")
    outside, before = _snapshot(victim), tree(generated_shop)
    for call in (service.diff_slice, service.regen_slice):
        with pytest.raises(InvalidInput) as caught:
            call(generated_shop, "orders")
        assert ".bmadgen/generated/slices/orders.json" in caught.value.one_line()
        assert "precious" not in caught.value.one_line()
    with pytest.raises(InvalidInput):
        service.list_slices(generated_shop)
    with pytest.raises(InvalidInput):
        service.generate_app(generated_shop)
    assert _snapshot(victim) == outside
    assert tree(generated_shop) == before


def test_a_manifest_file_linked_outside_is_not_read(generated_shop: Path, victim: Path) -> None:
    manifest = generated_shop / ".bmadgen/generated/slices/orders.json"
    (victim / "orders.json").write_bytes(manifest.read_bytes())
    manifest.unlink()
    os.symlink(victim / "orders.json", manifest)
    with pytest.raises(InvalidInput) as caught:
        service.diff_slice(generated_shop, "orders")
    assert "symlink pointing outside" in caught.value.one_line()


def test_a_manifest_named_like_no_slice_is_refused(generated_shop: Path) -> None:
    slices = generated_shop / ".bmadgen/generated/slices"
    shutil.copyfile(slices / "orders.json", slices / "..json")
    with pytest.raises(InvalidInput, match=r"\.\.json"):
        service.generate_app(generated_shop)


def test_a_file_in_a_slice_linked_outside_is_not_shown_by_diff(
    generated_shop: Path, victim: Path
) -> None:
    os.symlink(victim / "important.txt", generated_shop / "app/features/orders/notes.txt")
    with pytest.raises(InvalidInput) as caught:
        service.diff_slice(generated_shop, "orders")
    assert "notes.txt: is a symlink pointing outside" in caught.value.one_line()
    assert "precious" not in caught.value.one_line()


def test_a_stack_slice_root_outside_the_project_is_refused(
    generated_shop: Path, victim: Path, tmp_path: Path
) -> None:
    from bmadgen.generate.stack import stacks_root

    templates = tmp_path / "stacks"
    shutil.copytree(stacks_root() / "fastapi", templates / "fastapi")
    config = templates / "fastapi" / "stack.yaml"
    config.write_text(config.read_text().replace(
        'slice_root: "app/features/{name}"', f'slice_root: "{_relative(generated_shop, victim)}"'))
    outside = _snapshot(victim)
    with pytest.raises(InvalidInput) as caught:
        service.diff_slice(generated_shop, "orders", templates_root=templates)
    assert "leaves the project" in caught.value.one_line()
    with pytest.raises(InvalidInput):
        service.remove_slice(generated_shop, "orders", force=True, templates_root=templates)
    assert _snapshot(victim) == outside


def test_the_cli_refuses_a_hostile_journal_in_one_line(generated_shop: Path, victim: Path) -> None:
    _journal(generated_shop, deletes=[str(victim / "important.txt")])
    proc = subprocess.run([sys.executable, "-m", "bmadgen", "generate"], cwd=generated_shop,
                          capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == ExitCode.INVALID_INPUT, proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert "generation-journal.json" in proc.stderr and "Traceback" not in proc.stderr
    assert (victim / "important.txt").read_text() == "precious\n"
