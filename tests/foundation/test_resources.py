"""templates_root(): the packaged folder of an installed bmadgen, else the checkout's."""

from __future__ import annotations

from pathlib import Path

import pytest

from bmadgen import resources
from bmadgen.errors import EnvironmentUnavailable


def test_a_checkout_finds_the_top_level_templates() -> None:
    root = Path(__file__).resolve().parents[2]
    assert resources.templates_root() == root / "templates"
    assert (resources.templates_root() / "workflows" / "bmad.yaml").is_file()


def _install(monkeypatch: pytest.MonkeyPatch, base: Path) -> Path:
    package = base / "site-packages" / "bmadgen"
    package.mkdir(parents=True)
    monkeypatch.setattr(resources, "__file__", str(package / "resources.py"))
    return package


def test_an_installed_package_finds_its_packaged_templates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _install(monkeypatch, tmp_path)
    (package / "templates").mkdir()
    (tmp_path / "templates").mkdir()  # where a checkout's would be: the packaged one wins
    assert resources.templates_root() == (package / "templates").resolve()


def test_no_templates_anywhere_is_an_environment_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install(monkeypatch, tmp_path)
    with pytest.raises(EnvironmentUnavailable, match="templates are missing"):
        resources.templates_root()
