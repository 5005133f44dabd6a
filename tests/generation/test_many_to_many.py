"""Many-to-many links (a `refs` field) and embedding referenced rows (`?embed=`).

The spec side is checked directly; the app side runs inside an app generated from
specs/links.appspec.yaml (posts link to the tags of another slice, and belong to an author
whose deletion cascades), against a real SQLite file whose link table is read afterwards."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bmadgen import appspec
from bmadgen.errors import InvalidInput
from bmadgen.generate.context import app_context
from bmadgen.generate.service import generate_app

from .conftest import SPECS, new_project, render_app

LINKS = SPECS / "links.appspec.yaml"


def _spec_with(field: dict[str, object]) -> dict[str, object]:
    data = yaml.safe_load(LINKS.read_text())
    data["features"][0]["entities"][1]["fields"].append(field)
    return data


def _problems(field: dict[str, object]) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        appspec.parse(_spec_with(field))
    return caught.value.details


@pytest.mark.parametrize(("field", "expected"), [
    ({"name": "topic_ids", "type": "refs"}, "refs field 'topic_ids' needs 'ref'"),
    ({"name": "topics", "type": "refs", "ref": "tag"}, "must be named <thing>_ids, as tag_ids"),
    ({"name": "topic_ids", "type": "refs", "ref": "tag", "on_delete": "cascade"},
     "'on_delete' is not for refs fields"),
    ({"name": "topic_ids", "type": "refs", "ref": "tag", "optional": True},
     "'optional' is not for refs fields"),
    ({"name": "topic_ids", "type": "refs", "ref": "nothing"}, "references missing entity"),
    ({"name": "post_ids", "type": "refs", "ref": "post"}, "cannot link an entity to itself"),
])
def test_bad_refs_fields_are_refused_with_their_reason(field: dict[str, object],
                                                        expected: str) -> None:
    problems = _problems(field)
    assert any(expected in problem for problem in problems), problems


def test_refs_in_field_syntax_and_in_what_removing_a_slice_would_break() -> None:
    assert appspec.parse_field("tag_ids:refs=tag") == {"name": "tag_ids", "type": "refs",
                                                      "ref": "tag"}
    spec = appspec.load(LINKS)
    assert "post.tag_ids refers to tag (slice tags): deleting a tag removes only its links " \
           "to these rows" in appspec.references_from(spec, "posts")
    with pytest.raises(InvalidInput) as caught:
        appspec.without_feature(spec, "tags")
    assert caught.value.details == ["posts.post.tag_ids -> tag (links)"]


def test_the_association_table_is_declared_in_the_owning_slice() -> None:
    spec = appspec.load(LINKS)
    files = render_app(spec)
    models = files["app/features/posts/models.py"]
    assert 'class PostTagLink(Base):' in models
    assert '__tablename__ = "post_tags"' in models
    assert "post_id: Mapped[int] = mapped_column(BigId, primary_key=True)" in models
    assert "tag_id: Mapped[int] = mapped_column(BigId, primary_key=True, index=True)" in models
    assert 'register_link(Link("post", PostTagLink.__table__, "post_id", "tag", "tag_id"))' \
        in models
    assert "app.features.tags" not in models  # the slices stay apart
    post = app_context(spec)["features"][0]["entities"][1]
    assert [e["name"] for e in post["embeds"]] == ["author", "tags"]


# Runs inside the generated app on the SQLite file argv[1].
PROBE = r'''
import sys
from fastapi.testclient import TestClient
from app.main import app

with TestClient(app) as client:
    author = client.post("/authors", json={"name": "Ann"}).json()
    one, two = (client.post("/tags", json={"label": label}).json() for label in ("one", "two"))
    body = {"title": "Hello", "author_id": author["id"], "tag_ids": [two["id"], one["id"], two["id"]]}
    post = client.post("/posts", json=body)
    assert post.status_code == 201, post.text
    post = post.json()
    assert post["tag_ids"] == [one["id"], two["id"]], post  # a set, in id order
    path = f"/posts/{post['id']}"
    assert client.get(path).json() == post
    missing = client.post("/posts", json={**body, "tag_ids": [one["id"], 999]})
    assert missing.status_code == 422, missing.text
    assert missing.json()["errors"][0]["loc"] == ["body", "tag_ids"]
    assert "there is no tag 999" in missing.json()["detail"]
    other = client.post("/posts", json={**body, "tag_ids": [two["id"]]}).json()
    found = client.get("/posts", params={"tag_ids": one["id"]}).json()
    assert [item["id"] for item in found["items"]] == [post["id"]], found
    both = client.get("/posts", params={"tag_ids": two["id"], "sort": "id"}).json()
    assert [item["id"] for item in both["items"]] == [post["id"], other["id"]], both
    embedded = client.get(path, params=[("embed", "author"), ("embed", "tags")]).json()
    assert embedded["embedded"]["author"]["name"] == "Ann", embedded
    assert [tag["label"] for tag in embedded["embedded"]["tags"]] == ["one", "two"], embedded
    assert "embedded" not in client.get(path).json()
    changed = client.patch(path, json={"tag_ids": [two["id"]]})
    assert changed.json()["tag_ids"] == [two["id"]], changed.text
    assert client.patch(path, json={"tag_ids": None}).status_code == 422
    assert client.patch(path, json={"tag_ids": [one["id"], two["id"]]}).status_code == 200
    assert client.delete(f"/tags/{one['id']}").status_code == 204  # a linked tag: links go
    assert client.get(path).json()["tag_ids"] == [two["id"]]
    assert client.delete(f"/posts/{other['id']}").status_code == 204  # its links go with it
    assert client.delete(f"/authors/{author['id']}").status_code == 204  # cascades to posts
    assert client.get(path).status_code == 404
    assert client.get(f"/tags/{two['id']}").status_code == 200
    document = client.get("/openapi.json").json()
    parameters = document["paths"]["/posts/{item_id}"]["get"]["parameters"]
    assert any(p["name"] == "embed" for p in parameters), parameters
print("links hold")
'''


@pytest.mark.slow
def test_links_hold_in_a_generated_app(tmp_path: Path) -> None:
    project = new_project(tmp_path / "app", LINKS)
    generate_app(project)
    database = tmp_path / "links.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "links hold" in proc.stdout
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM post_tags").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM tag").fetchone() == (1,)


def test_names_the_links_would_take_are_checked_before_anything_is_written() -> None:
    from bmadgen.generate.context import stack_problems

    data = _spec_with({"name": "tag_links", "type": "str"})
    data["features"][0]["entities"][1]["fields"] += [
        {"name": "tag_item_id", "type": "ref", "ref": "tag"},
        {"name": "tag", "type": "ref", "ref": "tag"},
    ]
    data["features"][1]["entities"].append({"name": "post_tags",
                                            "fields": [{"name": "x", "type": "int"}]})
    assert stack_problems(appspec.parse(data)) == [
        "posts.post.tag_ids: its links attribute 'tag_links' clashes with a field; rename one",
        ("posts.post.tag_ids: its link table 'post_tags' clashes with an entity's table; "
         "rename one"),
        "posts.post: two references embed as 'tag_item'; rename one",
    ]
