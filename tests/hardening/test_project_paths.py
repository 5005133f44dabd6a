"""Every path bmadgen reads or writes in a project goes through the path guard, not only the
generator's (issue 15, "one path guard used by every read and write"): the workflow's document
writes, `doc show`, drift, the checklists, the secrets warning and the gates' stack lookup.
A file or folder replaced by a link out of the project is refused or scored, never followed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bmadgen.errors import InvalidInput

from .conftest import EXAMPLES

OUTSIDE_TEXT = "outside-the-project: do not read or overwrite"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "brief.md").write_text(OUTSIDE_TEXT)
    return folder


def _new(cli, folder: Path, until: str) -> None:
    result = cli("new", "garden", "--type", "blog", "--answers",
                 str(EXAMPLES / "blog.answers.yaml"), "--yes", "--until", until,
                 "--dir", str(folder))
    assert result.code == 0, result.err


def test_a_phase_does_not_write_through_a_docs_folder_linked_outside(cli, blog, outside,
                                                                     monkeypatch):
    folder = Path(blog.path)
    os.symlink(outside, folder / "docs")
    monkeypatch.chdir(folder)
    for force in ((), ("--force",)):  # a link is refused, not an edit --force may replace
        line = cli("phase", "run", "vision", *force).one_line_error(3)
        assert "docs: is a symlink pointing outside" in line
    assert (outside / "brief.md").read_text() == OUTSIDE_TEXT
    assert sorted(p.name for p in outside.iterdir()) == ["brief.md"]


def test_doc_show_does_not_print_a_file_linked_from_outside(cli, tmp_path, outside, monkeypatch):
    folder = tmp_path / "garden"
    _new(cli, folder, "vision")
    (folder / "docs" / "brief.md").unlink()
    os.symlink(outside / "brief.md", folder / "docs" / "brief.md")
    monkeypatch.chdir(folder)
    result = cli("doc", "show", "brief")
    line = result.one_line_error(3)
    assert "symlink pointing outside" in line
    assert OUTSIDE_TEXT not in result.out + result.err


def test_drift_reports_a_link_out_as_a_change_without_reading_it(store, blog, outside):
    from bmadgen.workflow import drift

    folder = Path(blog.path)
    (folder / "docs").mkdir()
    os.symlink(outside / "brief.md", folder / "docs" / "brief.md")
    digest = drift.file_hash(folder, "docs/brief.md")
    assert digest is not None and digest.startswith("refused: ")
    assert "symlink pointing outside" in digest
    (folder / "docs" / "prd.md").write_text("mine")
    assert drift.file_hash(folder, "docs/prd.md") == drift.file_hash(folder, "docs/prd.md")
    assert not str(drift.file_hash(folder, "docs/prd.md")).startswith("refused")
    assert drift.file_hash(folder, "docs/missing.md") is None


def test_a_prototype_page_linked_outside_fails_the_checklist(cli, tmp_path, outside):
    from bmadgen.agents.checklists import CheckContext, prototype_links, prototype_offline

    folder = tmp_path / "garden"
    _new(cli, folder, "prototype")
    context = CheckContext(folder=folder, documents=[], feature_names=[])
    assert prototype_offline(context).passed == prototype_offline(context).total
    (outside / "page.html").write_text('<a href="index.html">fine</a>')
    os.symlink(outside / "page.html", folder / "prototype" / "stolen.html")
    offline, links = prototype_offline(CheckContext(folder=folder, documents=[], feature_names=[])), \
        prototype_links(CheckContext(folder=folder, documents=[], feature_names=[]))
    assert offline.passed < offline.total and "stolen.html" in offline.detail
    assert links.passed < links.total and "stolen.html" in links.detail


def test_the_gates_stack_lookup_refuses_a_spec_linked_or_a_device(tmp_path, outside):
    from bmadgen.gates.stack import DEFAULT_STACK, stack_name

    project = tmp_path / "app"
    project.mkdir()
    assert stack_name(project) == DEFAULT_STACK  # no spec: the default stack
    (outside / "appspec.yaml").write_text("stack: {name: fastapi}\n")
    os.symlink(outside / "appspec.yaml", project / "appspec.yaml")
    with pytest.raises(InvalidInput) as refused:
        stack_name(project)
    assert "symlink pointing outside" in refused.value.one_line()
    (project / "appspec.yaml").unlink()
    os.mkfifo(project / "appspec.yaml")  # would block a plain read forever
    with pytest.raises(InvalidInput, match="FIFO"):
        stack_name(project)


def test_the_secret_warning_does_not_read_files_linked_from_outside(tmp_path, outside):
    from bmadgen.workflow.secrets import find

    key = "sk-proj-" + "Z9y8X7w6" * 5
    (outside / "notes.md").write_text(f"key {key}")
    project = tmp_path / "p"
    project.mkdir()
    (project / "mine.md").write_text(f"key {key}")
    os.symlink(outside / "notes.md", project / "linked.md")
    findings = find({"vision": {"summary": f"our key {key}"}}, project, ["mine.md", "linked.md"])
    assert [f.files for f in findings] == [["mine.md"]]
