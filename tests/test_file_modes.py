"""Files a person shares (the app spec, the documents, the prototype, the generated app) get
the mode the umask gives any new file, never a temporary file's 0600 (issue 15, first run)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
UMASK = 0o027  # not the usual 022, so a mode written out as 0644 would show too
EXPECTED = 0o666 & ~UMASK


def _bmadgen(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    script = f"umask {UMASK:03o} && exec \"$0\" -m bmadgen \"$@\""
    return subprocess.run(["sh", "-c", script, sys.executable, *args], cwd=cwd,
                          capture_output=True, text=True, check=False, timeout=600)


def _wrong_modes(folder: Path, relpaths: list[str]) -> dict[str, str]:
    modes = {p: stat.S_IMODE((folder / p).stat().st_mode) for p in relpaths}
    return {p: oct(mode) for p, mode in modes.items() if mode != EXPECTED}


def _files(folder: Path, *tops: str) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for top in tops
        for p in ([folder / top] if (folder / top).is_file() else (folder / top).rglob("*"))
        if p.is_file()
    )


def test_new_until_architecture_writes_files_with_the_umask_mode(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    proc = _bmadgen("new", "shop", "--type", "ecommerce", "--answers",
                    str(EXAMPLES / "ecommerce.answers.yaml"), "--yes", "--dir", str(folder),
                    "--until", "architecture", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    shared = _files(folder, "appspec.yaml", "docs", "prototype")
    assert "appspec.yaml" in shared and any(p.startswith("prototype/") for p in shared)
    assert _wrong_modes(folder, shared) == {}


def test_generation_writes_files_with_the_umask_mode(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    shutil.copyfile(EXAMPLES / "blog.appspec.yaml", folder / "appspec.yaml")
    os.chmod(folder / "appspec.yaml", 0o600)  # as `new` leaves it today: generation rewrites it
    for args in (("generate",), ("slice", "add", "reviews")):
        proc = _bmadgen(*args, "--dir", str(folder), cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    written = _files(folder, "app", "tests", "pyproject.toml", "README.md", ".github",
                     ".bmadgen", "appspec.yaml")
    assert "app/features/reviews/api.py" in written and ".bmadgen/generated/skeleton.json" in written
    assert _wrong_modes(folder, written) == {}
