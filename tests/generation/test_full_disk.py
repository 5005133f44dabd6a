"""A full disk while generation writes is one line (exit 7) and leaves the tree as it was: no
staging folder, no journal (issue 15, item 16, generation's part)."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import pytest

from bmadgen.errors import EnvironmentUnavailable, ExitCode
from bmadgen.generate import service, writer

from .conftest import EXAMPLES


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and ".git" not in p.relative_to(folder).parts}


@pytest.mark.parametrize("fail_at", [1, 2])
def test_a_full_disk_while_staging_changes_nothing(tmp_path: Path, fail_at: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "app"
    folder.mkdir()
    shutil.copy(EXAMPLES / "blog.appspec.yaml", folder / "appspec.yaml")
    service.generate_app(folder)
    spec = (folder / "appspec.yaml").read_text()
    (folder / "appspec.yaml").write_text(spec.replace("name: blog", "name: blog2", 1))
    before = _tree(folder)
    real_write = writer._write
    calls = {"n": 0}

    def filling_disk(path: Path, data: bytes, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] >= fail_at:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(writer, "_write", filling_disk)
    with pytest.raises(EnvironmentUnavailable) as caught:
        service.generate_app(folder)
    assert caught.value.exit_code == ExitCode.ENVIRONMENT
    assert "No space left" in caught.value.one_line() and "\n" not in caught.value.one_line()
    assert _tree(folder) == before
    assert not (folder / writer.STAGING_DIR).exists()
    assert not (folder / writer.JOURNAL).exists()
    monkeypatch.setattr(writer, "_write", real_write)
    assert service.generate_app(folder).commit  # and the next run works
