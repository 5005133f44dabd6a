"""The one rule that resolves a command's project and folder, shared by every face."""

from __future__ import annotations

from pathlib import Path

import pytest

from bmadgen.errors import NotFound
from bmadgen.services import projects
from bmadgen.services.session import Session, open_session


def _project_with_folder(session: Session, name: str, folder: Path) -> None:
    from bmadgen import projects as core

    folder.mkdir(parents=True)
    project = core.create(session.store, name, type="blog", path=folder)
    core.write_marker(folder, project)


def test_explicit_folder_wins(tmp_path: Path) -> None:
    with open_session(folder=tmp_path / "given", cwd=tmp_path) as session:
        assert session.folder() == tmp_path / "given"


def test_marker_above_the_working_directory(tmp_path: Path) -> None:
    with open_session(cwd=tmp_path) as session:
        _project_with_folder(session, "blog", tmp_path / "blog")
    inner = tmp_path / "blog" / "app" / "features"
    inner.mkdir(parents=True)
    with open_session(cwd=inner) as session:
        assert session.folder() == tmp_path / "blog"
        assert session.project().name == "blog"


def test_explicit_project_wins_over_the_marker(tmp_path: Path) -> None:
    with open_session(cwd=tmp_path) as session:
        _project_with_folder(session, "one", tmp_path / "one")
        _project_with_folder(session, "two", tmp_path / "two")
    with open_session(project="two", cwd=tmp_path / "one") as session:
        assert session.project().name == "two"
        assert session.folder() == tmp_path / "two"


def test_a_folder_with_an_app_spec_wins_over_the_last_used_project(tmp_path: Path) -> None:
    with open_session(cwd=tmp_path) as session:
        _project_with_folder(session, "elsewhere", tmp_path / "elsewhere")
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "appspec.yaml").write_text("version: 1\n")
    with open_session(cwd=plain) as session:
        assert session.folder() == plain
    with open_session(cwd=tmp_path) as session:  # nothing here: the last used project
        assert session.folder() == tmp_path / "elsewhere"


def test_no_project_at_all(tmp_path: Path) -> None:
    with open_session(cwd=tmp_path) as session:
        assert session.project_or_none() is None
        assert session.folder() == tmp_path
        with pytest.raises(NotFound):
            session.project()


def test_a_named_project_that_does_not_exist_is_not_found(tmp_path: Path) -> None:
    with open_session(project="ghost", cwd=tmp_path) as session, pytest.raises(NotFound):
        session.project_or_none()


def test_the_store_is_opened_only_when_used(tmp_path: Path, bmadgen_home: Path) -> None:
    with open_session(folder=tmp_path, cwd=tmp_path) as session:
        assert session.folder() == tmp_path
    assert not (bmadgen_home / "bmadgen.db").exists()
    with open_session(cwd=tmp_path) as session:
        projects.create(session, "made")
    assert (bmadgen_home / "bmadgen.db").exists()
