"""Acceptance: in the app generated for every project type, a reference to a row that does not
exist is refused (422 naming the field) and deleting a referenced row follows the spec's
`on_delete` (restrict: 409 naming the dependants; cascade: they go too); a many-to-many link
(refs field) to a missing row is refused the same way, and deleting the linked row removes
only the link. The rows are built from the generated tests' own sample payloads, the
referenced rows created first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bmadgen import appspec, definitions
from bmadgen.agents.offline import OfflineProvider
from bmadgen.generate.context import collection_path
from bmadgen.generate.service import generate_app
from bmadgen.plan import Plan

from .conftest import git
from .signin import SIGN_IN

pytestmark = pytest.mark.slow

# Runs inside the generated app: argv[1] is the JSON list of references to try.
PROBE = r'''
import importlib, json, sys
from fastapi.testclient import TestClient
from app.main import app

cases, entities = json.loads(sys.argv[1])
def sample(entity):
    info = entities[entity]
    tests = importlib.import_module(f"app.features.{info['slice']}.tests.test_{info['slice']}")
    return getattr(tests, f"make_{entity}_a")()

def create(client, entity, made):
    """One row of `entity` (made once per database: unique fields allow no second)."""
    if entity not in made:
        payload = sample(entity)
        for field, target in entities[entity]["refs"].items():
            payload[field] = create(client, target, made)["id"]
        for field, target in entities[entity]["links"].items():
            payload[field] = [create(client, target, made)["id"]]
        response = client.post(entities[entity]["path"], json=payload)
        assert response.status_code == 201, (entity, response.text)
        made[entity] = response.json()
    return made[entity]

def empty_tables(client):
    """Each case starts from empty tables: a fresh in-memory SQLite database, or on a server
    (PostgreSQL) the rows of the earlier case deleted (the accounts' rows stay)."""
    from app.shared.database import Base
    engine = client.app.state.database.engine
    if engine.url.get_backend_name() == "sqlite":
        return
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in ("app_user", "auth_session"):
                connection.execute(table.delete())

for case in cases:
    source, field, target, on_delete = case
    with TestClient(app) as client:
        empty_tables(client)
        sign_in(client)
        made = {}
        payload = sample(source)
        for other, other_target in entities[source]["refs"].items():
            payload[other] = create(client, other_target, made)["id"]
        for other, other_target in entities[source]["links"].items():
            payload[other] = [create(client, other_target, made)["id"]]
        if on_delete == "links":  # a refs field: the linked row goes, only the link with it
            payload[field] = [999999]
            refused = client.post(entities[source]["path"], json=payload)
            assert refused.status_code == 422, (case, refused.text)
            assert refused.json()["errors"][0]["loc"] == ["body", field], refused.text
            payload[field] = [create(client, target, made)["id"]]
            row = client.post(entities[source]["path"], json=payload)
            assert row.status_code == 201, (case, row.text)
            assert row.json()[field] == payload[field], row.text
            linked = client.get(entities[source]["path"], params={field: payload[field][0]})
            assert row.json()["id"] in [item["id"] for item in linked.json()["items"]]
            deleted = client.delete(f"{entities[target]['path']}/{payload[field][0]}")
            assert deleted.status_code == 204, (case, deleted.text)
            row_path = f"{entities[source]['path']}/{row.json()['id']}"
            assert client.get(row_path).json()[field] == [], case
            print("checked", case)
            continue
        payload[field] = 999999
        refused = client.post(entities[source]["path"], json=payload)
        assert refused.status_code == 422, (case, refused.text)
        assert refused.json()["errors"][0]["loc"] == ["body", field], refused.text
        held = create(client, target, made)
        payload[field] = held["id"]
        row = client.post(entities[source]["path"], json=payload)
        assert row.status_code == 201, (case, row.text)
        deleted = client.delete(f"{entities[target]['path']}/{held['id']}")
        row_path = f"{entities[source]['path']}/{row.json()['id']}"
        if on_delete == "restrict":
            assert deleted.status_code == 409, (case, deleted.text)
            assert f"1 {source} ({source}.{field})" in deleted.json()["detail"], deleted.text
            assert client.get(row_path).status_code == 200
        else:
            assert deleted.status_code == 204, (case, deleted.text)
            assert client.get(row_path).status_code == 404
    print("checked", case)
'''


def _spec_for(type_name: str) -> appspec.AppSpec:
    ptype = definitions.project_type(type_name)
    plan = Plan(project_name="demo", project_type=ptype, answers=ptype.sample_answers)
    return OfflineProvider().appspec(plan)


def _generated_for(type_name: str, tmp_path: Path) -> tuple[Path, appspec.AppSpec]:
    """The app of the project type's offline app spec, generated into tmp_path/app."""
    spec = _spec_for(type_name)
    project = tmp_path / "app"
    project.mkdir()
    (project / "appspec.yaml").write_text(appspec.dump(spec))
    for name in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        os.environ.setdefault(name, "bmadgen tests")
    for name in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        os.environ.setdefault(name, "tests@bmadgen.invalid")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "appspec.yaml")
    git(project, "commit", "-qm", "spec")
    generate_app(project)
    return project, spec


@pytest.mark.parametrize("type_name", definitions.project_type_names())
def test_references_hold_in_every_project_type(type_name: str, tmp_path: Path) -> None:
    _references_hold(type_name, tmp_path, "sqlite://")


@pytest.mark.slow
@pytest.mark.parametrize("type_name", ["ecommerce", "saas", "blog"])
def test_signed_in_apps_work_on_postgresql_with_their_migrations(
        type_name: str, tmp_path: Path, postgres_url: str) -> None:
    """The same walk on a real PostgreSQL server: the app upgrades the empty database at start
    (its tables, the accounts' tables too), an admin signs in, and every reference, link and
    delete rule holds there."""
    _references_hold(type_name, tmp_path, postgres_url)
    import psycopg

    with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://")) as db:
        tables = {row[0] for row in db.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()}
        admins = db.execute("SELECT count(*) FROM app_user WHERE role = 'admin'").fetchone()
    assert {"alembic_version", "app_user", "auth_session"} <= tables
    assert admins == (1,)


def _references_hold(type_name: str, tmp_path: Path, database_url: str) -> None:
    project, spec = _generated_for(type_name, tmp_path)
    env = dict(os.environ)
    entities = {
        entity.name: {"slice": feature.name, "path": collection_path(feature, entity),
                      "refs": {f.name: f.ref for f in entity.fields if f.type == "ref"},
                      "links": {f.name: f.ref for f in entity.fields if f.type == "refs"}}
        for feature in spec.features for entity in feature.entities
    }
    cases = [(entity.name, f.name, f.ref,
              "links" if f.type == "refs" else f.on_delete or "restrict")
             for feature in spec.features for entity in feature.entities
             for f in entity.fields if f.ref]
    if not cases:  # only portfolio declares none; another type losing its refs fails here
        assert type_name == "portfolio", f"the {type_name} app spec lost its references"
        return
    env["DATABASE_URL"] = database_url
    proc = subprocess.run([sys.executable, "-c", SIGN_IN + PROBE, json.dumps([cases, entities])],
                          cwd=project, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.count("checked") == len(cases)
