"""The shared infrastructure: settings, database, errors, pagination and pages."""

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from app.shared.application import create_app
from app.shared.database import Database
from app.shared.errors import ConflictError, NotFoundError
from app.shared.pages import Table, render_page
from app.shared.pagination import MAX_PAGE_SIZE, PageParams, page_params
from app.shared.settings import DEFAULT_DATABASE_URL, load_settings

probe = APIRouter()


@probe.get("/missing")
def missing() -> None:
    raise NotFoundError("thing", 7)


@probe.get("/clash")
def clash() -> None:
    raise ConflictError("thing already exists")


@probe.get("/page")
def page(params: Annotated[PageParams, Depends(page_params)]) -> dict[str, int]:
    return {"limit": params.limit, "offset": params.offset}


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app("probe", [probe], database_url="sqlite://")) as test_client:
        yield test_client


def test_errors_become_http_answers(client: TestClient) -> None:
    missing = client.get("/missing")
    assert (missing.status_code, missing.json()) == (404, {"detail": "thing 7 not found"})
    clash = client.get("/clash")
    assert (clash.status_code, clash.json()) == (409, {"detail": "thing already exists"})


def test_page_parameters_have_defaults_and_bounds(client: TestClient) -> None:
    assert client.get("/page").json() == {"limit": 20, "offset": 0}
    largest = {"limit": MAX_PAGE_SIZE, "offset": 5}
    assert client.get("/page", params=largest).json() == largest
    for bad in ({"limit": 0}, {"limit": MAX_PAGE_SIZE + 1}, {"offset": -1}):
        assert client.get("/page", params=bad).status_code == 422, bad


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert load_settings().database_url == DEFAULT_DATABASE_URL
    monkeypatch.setenv("DATABASE_URL", "sqlite:///elsewhere.db")
    assert load_settings().database_url == "sqlite:///elsewhere.db"


def test_file_database_keeps_its_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    database = Database(url)
    database.create_tables()
    database.dispose()
    assert (tmp_path / "app.db").exists()


def test_pages_escape_every_value() -> None:
    html = render_page("<Shop>", [Table("A&B", ["<col>"], [["<script>", None]])])
    assert "<h1>&lt;Shop&gt;</h1>" in html
    assert "<h2>A&amp;B</h2>" in html
    assert "<th>&lt;col&gt;</th>" in html
    assert "<td>&lt;script&gt;</td><td></td>" in html
    assert "<script>" not in html
    assert "Nothing here yet." in render_page("Empty", [Table("None", ["id"], [])])
