"""Projects: create, find by name or id, update, archive, current project, marker files."""

from __future__ import annotations

import json

import pytest

from bmadgen import projects
from bmadgen.errors import Conflict, InvalidInput, NotFound
from bmadgen.models import MAX_NAME


def test_create_makes_it_current(store):
    a = projects.create(store, "alpha")
    b = projects.create(store, "beta", type="saas", description="the second")
    assert projects.resolve_current(store, cwd=None).id == b.id
    projects.use(store, "alpha")
    assert projects.resolve_current(store).id == a.id
    assert projects.get(store, str(a.id)) == projects.get(store, "alpha")


def test_names(store):
    projects.create(store, "n" * MAX_NAME)
    with pytest.raises(InvalidInput, match="limit is 200"):
        projects.create(store, "n" * (MAX_NAME + 1))
    with pytest.raises(InvalidInput):
        projects.create(store, "  ")
    projects.create(store, "taken")
    with pytest.raises(Conflict):
        projects.create(store, "taken")
    assert store.scalar("SELECT count(*) FROM projects") == 2


def test_update_and_archive(store):
    p = projects.create(store, "shop")
    projects.create(store, "blog")
    with pytest.raises(Conflict):
        projects.update(store, p.id, name="blog")
    with pytest.raises(InvalidInput):
        projects.update(store, p.id)
    renamed = projects.update(store, p.id, name="store", description="sells things")
    assert (renamed.name, renamed.description) == ("store", "sells things")
    archived = projects.archive(store, "store")
    assert archived.status == "archived"
    assert [x.name for x in projects.list_projects(store).items] == ["blog"]
    assert {x.name for x in projects.list_projects(store, include_archived=True).items} == {
        "store", "blog"}


def test_unknown_project(store):
    with pytest.raises(NotFound):
        projects.get(store, "nope")
    with pytest.raises(NotFound, match="no current project"):
        projects.resolve_current(store)


def test_marker_is_found_from_a_subfolder(store, tmp_path):
    shop = projects.create(store, "shop")
    projects.create(store, "blog")  # the last one used, which the marker must override
    projects.write_marker(tmp_path, shop)
    deep = tmp_path / "src" / "features" / "cart"
    deep.mkdir(parents=True)
    assert projects.resolve_current(store, cwd=deep).id == shop.id
    assert projects.resolve_current(store, "blog", cwd=deep).name == "blog"  # --project wins


def test_marker_survives_a_rename(store, tmp_path):
    shop = projects.create(store, "shop")
    projects.write_marker(tmp_path, shop)
    projects.update(store, shop.id, name="boutique")
    assert projects.resolve_current(store, cwd=tmp_path).name == "boutique"


def test_bad_markers(store, tmp_path):
    projects.create(store, "shop")
    marker = tmp_path / ".bmadgen" / "project.json"
    marker.parent.mkdir()
    marker.write_text("{not json")
    with pytest.raises(InvalidInput, match="not valid JSON"):
        projects.resolve_current(store, cwd=tmp_path)
    marker.write_text(json.dumps({"project": "gone", "id": 99}))
    with pytest.raises(NotFound, match="not in this store"):
        projects.resolve_current(store, cwd=tmp_path)
