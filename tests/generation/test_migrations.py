"""Migrations of a generated app, on SQLite and on a real PostgreSQL server: rows created by
version 1 survive a field added to an entity and a slice added (each a new revision, the old
ones byte-identical), the new field and slice work, regenerating again writes no revision,
removing a slice writes a drop revision; revisions are deterministic and a person's edit to one
is kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bmadgen.generate import migrations
from bmadgen.generate.service import add_slice, generate_app, regen_slice, remove_slice

from .conftest import EXAMPLES, SPECS, new_project, tree

pytestmark = pytest.mark.slow
VERSIONS = migrations.VERSIONS

# Runs inside the generated app: starts it (which upgrades its database) and talks to its API.
V1 = """
from fastapi.testclient import TestClient
from app.main import app
with TestClient(app) as client:
    category = client.post("/categories", json={"name": "Tools"}).json()
    product = client.post("/products", json={
        "title": "Hammer", "price": "9.50", "stock": 3, "active": True, "status": "draft",
        "category_id": category["id"]})
    assert product.status_code == 201, product.text
    order = client.post("/orders", json={
        "customer_email": "a@example.com", "total": "9.50", "status": "pending",
        "placed_at": "2024-01-02T03:04:05Z", "product_id": product.json()["id"]})
    assert order.status_code == 201, order.text
    print(json.dumps({"product": product.json(), "order": order.json()}))
"""
V2 = """
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from app.main import app
with TestClient(app) as client:
    kept = client.get("/products/1").json()
    changed = client.patch("/products/1", json={"weight": 5, "colour": "red"})
    assert changed.status_code == 200, changed.text
    again = client.get("/products/1").json()
    review = client.post("/reviews", json={"stars": 4, "product_id": 1})
    assert review.status_code == 201, review.text
    dangling = client.post("/reviews", json={"stars": 4, "product_id": 999})
    refused = client.delete("/products/1")
    orders = client.get("/orders").json()
    try:  # the database itself refuses an orphan, whatever the app checks
        with app.state.database.engine.begin() as connection:
            connection.execute(text('UPDATE "order" SET product_id = 999999'))
        orphan_refused = False
    except IntegrityError:
        orphan_refused = True
    print(json.dumps({"kept": kept, "again": again, "review": review.json(),
                      "dangling": dangling.status_code, "refused": refused.status_code,
                      "orders": orders, "orphan_refused": orphan_refused}))
"""
V3 = """
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from app.main import app
with TestClient(app) as client:
    tables = inspect(app.state.database.engine).get_table_names()
    print(json.dumps({"tables": sorted(tables), "product": client.get("/products/1").json()}))
"""
# After an upgrade, the database holds exactly the models' schema.
SAME_SCHEMA = """
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
import app.main
from app.shared.database import Base, make_engine
from app.shared.migrate import upgrade
from app.shared.settings import load_settings
engine = make_engine(load_settings().database_url)
upgrade(engine)
with engine.connect() as connection:
    print(json.dumps([repr(d) for d in compare_metadata(MigrationContext.configure(connection),
                                                         Base.metadata)]))
engine.dispose()
"""


def _in_app(project: Path, database_url: str, script: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["DATABASE_URL"] = database_url
    done = subprocess.run([sys.executable, "-c", "import json\n" + script], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _revisions(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((project / VERSIONS).glob("[0-9]*.py"))}


def _edit_spec(project: Path, feature: str, entity: str, *fields: dict) -> None:
    path = project / "appspec.yaml"
    data = yaml.safe_load(path.read_text())
    for f in data["features"]:
        if f["name"] == feature:
            next(e for e in f["entities"] if e["name"] == entity)["fields"].extend(fields)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.db'}"
    return request.getfixturevalue("postgres_url")


def test_rows_survive_a_new_field_and_a_new_slice(tmp_path: Path, database_url: str) -> None:
    project = new_project(tmp_path / "shop", EXAMPLES / "ecommerce.appspec.yaml")
    generate_app(project)
    assert list(_revisions(project)) == ["0001_initial.py"]
    v1 = _in_app(project, database_url, V1)

    _edit_spec(project, "catalog", "product",
               {"name": "weight", "type": "int", "min": 0},  # required: existing rows get 0
               {"name": "colour", "type": "str", "max_length": 20, "optional": True})
    first = _revisions(project)
    result = regen_slice(project, "catalog")
    assert f"{VERSIONS}/0002_change_slice_catalog.py" in result.written
    add_slice(project, "reviews", fields=["stars:int", "product_id:ref=product", "note:text?"])
    revisions = _revisions(project)
    assert list(revisions) == ["0001_initial.py", "0002_change_slice_catalog.py",
                               "0003_add_slice_reviews.py"]
    assert revisions["0001_initial.py"] == first["0001_initial.py"]
    second = revisions["0002_change_slice_catalog.py"].decode()
    assert 'sa.Column("weight", sa.BigInteger(), nullable=False, server_default="0")' in second
    assert "server default" in second  # the comment says why existing rows have a value
    assert 'op.create_table(\n        "review",' in revisions["0003_add_slice_reviews.py"].decode()

    assert _in_app(project, database_url, SAME_SCHEMA) == []
    v2 = _in_app(project, database_url, V2)
    assert v2["kept"] == {**v1["product"], "weight": 0, "colour": None}
    assert (v2["again"]["weight"], v2["again"]["colour"]) == (5, "red")
    assert v2["review"]["product_id"] == 1
    assert v2["dangling"] == 422
    assert v2["refused"] == 409  # orders and now reviews refer to it
    assert v2["orders"]["items"] == [v1["order"]]
    assert v2["orphan_refused"]

    # Nothing changed: no revision, whichever way the app is regenerated.
    before = tree(project)
    generate_app(project)
    regen_slice(project, "catalog")
    regen_slice(project, "reviews")
    assert tree(project) == before

    remove_slice(project, "reviews")
    revisions = _revisions(project)
    assert list(revisions)[-1] == "0004_remove_slice_reviews.py"
    assert 'op.drop_table("review")' in revisions["0004_remove_slice_reviews.py"].decode()
    v3 = _in_app(project, database_url, V3)
    assert "review" not in v3["tables"] and "product" in v3["tables"]
    assert v3["product"]["weight"] == 5


def test_revisions_are_deterministic(tmp_path: Path) -> None:
    outputs = []
    for name in ("one", "two"):
        project = new_project(tmp_path / name, EXAMPLES / "blog.appspec.yaml")
        generate_app(project)
        add_slice(project, "likes", fields=["post_id:ref=post", "count:int"])
        outputs.append((_revisions(project), (project / migrations.SNAPSHOT).read_bytes()))
    assert outputs[0] == outputs[1]
    assert list(outputs[0][0]) == ["0001_initial.py", "0002_add_slice_likes.py"]


def test_a_persons_edit_to_a_revision_is_kept(tmp_path: Path) -> None:
    project = new_project(tmp_path / "shop", EXAMPLES / "ecommerce.appspec.yaml")
    generate_app(project)
    initial = project / VERSIONS / "0001_initial.py"
    edited = initial.read_text().replace("def upgrade() -> None:\n",
                                         "def upgrade() -> None:\n    # reviewed by Ada\n")
    initial.write_text(edited)
    _edit_spec(project, "orders", "order", {"name": "note", "type": "text", "optional": True})
    regen_slice(project, "orders")
    generate_app(project)
    assert initial.read_text() == edited
    assert list(_revisions(project)) == ["0001_initial.py", "0002_change_slice_orders.py"]


def test_a_revision_file_in_the_way_is_never_overwritten(tmp_path: Path) -> None:
    project = new_project(tmp_path / "shop", EXAMPLES / "ecommerce.appspec.yaml")
    generate_app(project)
    mine = project / VERSIONS / "0002_add_slice_reviews.py"
    mine.write_text("# mine\n")
    from bmadgen.errors import InvalidInput

    with pytest.raises(InvalidInput, match="never writes over a migration revision"):
        add_slice(project, "reviews", fields=["stars:int"])
    assert mine.read_text() == "# mine\n"


def test_every_kind_of_column_change_reaches_the_models_schema(
    tmp_path: Path, database_url: str
) -> None:
    """Types, nullability, unique, indexes and foreign keys changed and a column dropped, on a
    database holding rows: the upgrade keeps the rows and ends at the models' schema."""
    project = new_project(tmp_path / "shop", EXAMPLES / "ecommerce.appspec.yaml")
    generate_app(project)
    _in_app(project, database_url, V1)
    path = project / "appspec.yaml"
    data = yaml.safe_load(path.read_text())
    catalog = data["features"][0]
    fields = {f["name"]: f for e in catalog["entities"] for f in e["fields"]}
    fields["title"].update(max_length=300, unique=True)  # a type and a unique constraint
    fields["stock"]["filterable"] = False  # its index goes
    fields["category_id"]["on_delete"] = "cascade"  # the foreign key is rebuilt
    fields["description"]["optional"] = False  # nullability (no row has a null there)
    product = next(e for e in catalog["entities"] if e["name"] == "product")
    product["fields"] = [f for f in product["fields"] if f["name"] != "released_on"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    _in_app(project, database_url, 'from app.main import app\nfrom fastapi.testclient import '
            'TestClient\nwith TestClient(app) as c:\n    c.put("/categories/1", json={"name": '
            '"Tools", "description": "all of them"})\nprint("{}")')
    regen_slice(project, "catalog")
    revision = (project / VERSIONS / "0002_change_slice_catalog.py").read_text()
    for operation in ("alter_column", "create_unique_constraint", "drop_index",
                      "create_foreign_key", "drop_column"):
        assert f"batch_op.{operation}(" in revision, operation
    assert _in_app(project, database_url, SAME_SCHEMA) == []
    kept = _in_app(project, database_url, V3)["product"]
    assert kept["title"] == "Hammer" and "released_on" not in kept
    downgraded = _in_app(project, database_url, """
from app.shared.database import make_engine
from app.shared.migrate import downgrade
from app.shared.settings import load_settings
engine = make_engine(load_settings().database_url)
downgrade(engine, "0001")
engine.dispose()
print("{}")
""")
    assert downgraded == {}


def test_a_snapshot_that_bmadgen_did_not_write_is_refused(tmp_path: Path) -> None:
    from bmadgen.errors import InvalidInput

    project = new_project(tmp_path / "shop", EXAMPLES / "ecommerce.appspec.yaml")
    generate_app(project)
    snapshot = project / migrations.SNAPSHOT
    text = snapshot.read_text().replace('"sa.Text()"', '"__import__(\'os\').system(\'id\')"')
    snapshot.write_text(text)
    _edit_spec(project, "orders", "order", {"name": "note", "type": "text", "optional": True})
    with pytest.raises(InvalidInput, match="not the table snapshot bmadgen wrote"):
        regen_slice(project, "orders")
    assert list(_revisions(project)) == ["0001_initial.py"]


def test_tables_that_refer_to_each_other(tmp_path: Path, database_url: str) -> None:
    project = new_project(tmp_path / "cyc", SPECS / "cycle.appspec.yaml")
    generate_app(project)
    assert _in_app(project, database_url, SAME_SCHEMA) == []
    base = _in_app(project, database_url, """
from sqlalchemy import inspect
from app.shared.database import make_engine
from app.shared.migrate import downgrade
from app.shared.settings import load_settings
engine = make_engine(load_settings().database_url)
downgrade(engine, "base")
print(json.dumps(inspect(engine).get_table_names()))
engine.dispose()
""")
    assert base == ["alembic_version"]
