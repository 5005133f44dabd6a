"""The shared infrastructure: settings, database, errors, pagination, value types and
references between entities."""

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, create_engine, insert, select
from sqlalchemy.orm import Session

from app.shared import references
from app.shared.application import create_app
from app.shared.database import Cents, Database, UtcDateTime
from app.shared.errors import PROBLEM_JSON, ConflictError, InvalidReferenceError, NotFoundError
from app.shared.migrate import upgrade
from app.shared.pagination import MAX_PAGE_SIZE, PageParams, page_params
from app.shared.schemas import (
    MAX_BIGINT,
    HttpUrlText,
    IsoDate,
    Money,
    PatchBody,
    UnsignedMoney,
    UtcDatetime,
)
from app.shared.settings import DEFAULT_DATABASE_URL, load_settings

probe = APIRouter()


@probe.get("/missing")
def missing() -> None:
    raise NotFoundError("thing", 7)


@probe.get("/clash")
def clash() -> None:
    raise ConflictError("thing already exists")


@probe.get("/dangling")
def dangling() -> None:
    raise InvalidReferenceError("owner_id", "owner", 3)


@probe.get("/broken")
def broken() -> None:
    raise RuntimeError("a secret of the server")


@probe.post("/echo")
def echo(body: dict[str, int]) -> dict[str, int]:
    return body


@probe.get("/page")
def page(params: Annotated[PageParams, Depends(page_params)]) -> dict[str, int]:
    return {"limit": params.limit, "offset": params.offset}


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app("probe", [probe], database_url="sqlite://")
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_errors_become_problem_details(client: TestClient) -> None:
    answers = {
        "/missing": (404, "thing 7 not found"),
        "/clash": (409, "thing already exists"),
        "/dangling": (422, "owner_id: there is no owner 3"),
        "/broken": (500, "the server could not answer this request"),
        "/nowhere": (404, "Not Found"),
    }
    for path, (status, detail) in answers.items():
        response = client.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.json()["detail"] == detail
        assert response.json()["status"] == status
    assert "secret" not in client.get("/broken").text
    assert client.get("/dangling").json()["errors"][0]["loc"] == ["body", "owner_id"]


def test_bad_bodies_are_400_or_422(client: TestClient) -> None:
    malformed = client.post(
        "/echo", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    invalid = client.post("/echo", json={"a": "x"})
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["loc"] == ["body", "a"]


def test_options_and_405_name_every_method(client: TestClient) -> None:
    options = client.options("/echo")
    assert (options.status_code, options.headers["allow"]) == (204, "OPTIONS, POST")
    refused = client.delete("/missing")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, OPTIONS"


def test_openapi_documents_problems_with_exact_bounds(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    echo = document["paths"]["/echo"]["post"]
    assert echo["operationId"] == "echo"
    for status in ("400", "422"):
        assert PROBLEM_JSON in echo["responses"][status]["content"]
    offset = document["paths"]["/page"]["get"]["parameters"][1]["schema"]
    assert offset["maximum"] == MAX_BIGINT


def test_page_parameters_have_defaults_and_bounds(client: TestClient) -> None:
    assert client.get("/page").json() == {"limit": 20, "offset": 0}
    largest = {"limit": MAX_PAGE_SIZE, "offset": 5}
    assert client.get("/page", params=largest).json() == largest
    for bad in ({"limit": 0}, {"limit": MAX_PAGE_SIZE + 1}, {"offset": -1}, {"offset": 2**63}):
        assert client.get("/page", params=bad).status_code == 422, bad


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_value_types_refuse_what_the_database_cannot_hold() -> None:
    when = TypeAdapter(UtcDatetime).validate_python("2024-01-02T03:04:05+05:00")
    assert when == dt.datetime(2024, 1, 1, 22, 4, 5, tzinfo=dt.UTC)
    assert TypeAdapter(IsoDate).validate_python("2024-01-02") == dt.date(2024, 1, 2)
    assert TypeAdapter(Money).validate_python("19.5") == Decimal("19.5")
    assert (
        TypeAdapter(HttpUrlText).validate_python("https://example.com/a") == "https://example.com/a"
    )
    refused = [
        (UtcDatetime, "2024-01-02T03:04:05"),
        (UtcDatetime, "0001-01-01T00:00:00+01:00"),
        (UtcDatetime, 1.5),
        (IsoDate, "0.5"),
        (Money, 19.5),
        (Money, "1.005"),
        (UnsignedMoney, "-1.00"),
        (HttpUrlText, "not a url"),
    ]
    for kind, value in refused:
        with pytest.raises(ValidationError):
            TypeAdapter(kind).validate_python(value)


def test_patch_bodies_refuse_null_for_required_fields() -> None:
    class Probe(PatchBody):
        required = ("name",)
        name: str | None = None

    assert Probe.model_validate({}).name is None
    with pytest.raises(ValidationError, match="name cannot be null"):
        Probe.model_validate({"name": None})


def test_times_and_money_come_back_as_stored() -> None:
    when = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    metadata = MetaData()
    row = Table(
        "row",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("at", UtcDateTime),
        Column("price", Cents),
    )
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(row), [{"at": when, "price": Decimal("19.5")}, {"at": None, "price": None}]
        )
        stored = list(connection.execute(select(row.c.at, row.c.price)))
    assert stored == [(when, Decimal("19.50")), (None, None)]
    assert stored[0][0].tzinfo == dt.UTC


@pytest.fixture
def linked(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Session, Table, Table]]:
    """owner <- pet (restrict) and owner <- note (cascade), each with one row on owner 1."""
    metadata = MetaData()
    owner = Table("owner", metadata, Column("id", Integer, primary_key=True))
    pet = Table(
        "pet",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("owner_id", ForeignKey("owner.id")),
    )
    note = Table(
        "note",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("owner_id", ForeignKey("owner.id")),
    )
    monkeypatch.setattr(references, "targets", {})
    monkeypatch.setattr(references, "references", [])
    references.register_target("owner", owner)
    pet_ref = references.Reference("pet", pet, "owner_id", "owner", "restrict")
    references.register_reference(pet_ref)
    references.register_reference(pet_ref)
    references.register_reference(
        references.Reference("note", note, "owner_id", "owner", "cascade")
    )
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine) as session:
        session.execute(insert(owner), [{"id": 1}, {"id": 2}])
        session.execute(insert(pet), [{"id": 1, "owner_id": 1}])
        session.execute(insert(note), [{"id": 1, "owner_id": 2}])
        yield session, pet, note


def test_references_must_exist(linked: tuple[Session, Table, Table]) -> None:
    session, _pet, _note = linked
    refs = {"owner_id": "owner", "other_id": "unknown"}
    references.check_references(session, {"owner_id": 1, "other_id": None}, refs)
    with pytest.raises(InvalidReferenceError, match="owner_id: there is no owner 3"):
        references.check_references(session, {"owner_id": 3}, refs)
    with pytest.raises(InvalidReferenceError, match="other_id"):
        references.check_references(session, {"other_id": 1}, refs)
    assert len(references.references) == 2


def test_restrict_refuses_and_cascade_deletes(linked: tuple[Session, Table, Table]) -> None:
    session, _pet, note = linked
    with pytest.raises(
        ConflictError, match=r"owner 1 is still referenced by 1 pet \(pet.owner_id\)"
    ):
        references.release(session, "owner", 1)
    references.release(session, "owner", 2)
    assert list(session.scalars(select(note.c.id))) == []


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert load_settings().database_url == DEFAULT_DATABASE_URL
    monkeypatch.setenv("DATABASE_URL", "sqlite:///elsewhere.db")
    assert load_settings().database_url == "sqlite:///elsewhere.db"


def test_file_database_keeps_its_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    database = Database(url)
    upgrade(database.engine)
    database.dispose()
    assert (tmp_path / "app.db").exists()
