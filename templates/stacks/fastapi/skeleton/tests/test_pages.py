"""The shared pages: the stylesheet is served, forms become the API's JSON values, stored values
become form text, pickers list referenced rows, and a form cannot flood the server."""

import datetime as dt
import enum
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, Request
from fastapi.testclient import TestClient
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert
from sqlalchemy.orm import Session

from app.shared import references
from app.shared.application import create_app
from app.shared.pages import (
    CSRF_COOKIE,
    MAX_FORM_FIELDS,
    FormField,
    FormValues,
    Pager,
    cell,
    csrf_token,
    form_body,
    form_text,
    query_url,
    read_form,
    ref_url,
    shown,
    typed,
)
from app.shared.site import BRAND_COLOR

probe = APIRouter()


@probe.post("/ui/form")
def echo_form(form: Annotated[FormValues, Depends(read_form)]) -> FormValues:
    return form


@probe.get("/ui/token")
def token(request: Request) -> str:
    return csrf_token(request)


class Colour(enum.StrEnum):
    RED = "red"


@pytest.fixture
def client() -> Iterator[TestClient]:
    app = create_app("probe", [probe], database_url="sqlite://")
    with TestClient(app) as test_client:
        yield test_client


def test_the_stylesheet_is_served(client: TestClient) -> None:
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "--brand" in response.text


def test_the_prototype_theme_is_served(client: TestClient) -> None:
    response = client.get("/static/theme.css")
    assert response.status_code == 200
    assert f"--brand: {BRAND_COLOR};" in response.text


def test_forms_are_read_and_bounded(client: TestClient) -> None:
    token = client.get("/ui/token").json()
    sent = {"a": "1", "b": "", "csrf_token": token}
    assert client.post("/ui/form", data=sent).json() == {"a": "1", "b": ""}
    flood = {f"f{number}": "x" for number in range(MAX_FORM_FIELDS + 1)}
    assert client.post("/ui/form", data=flood).status_code == 400


def test_a_form_without_its_csrf_token_is_refused(client: TestClient) -> None:
    cookie = client.get("/ui/token")
    token = cookie.json()
    assert CSRF_COOKIE in cookie.headers["set-cookie"]
    assert "httponly" in cookie.headers["set-cookie"].lower()
    assert "samesite=lax" in cookie.headers["set-cookie"].lower()
    assert client.post("/ui/form", data={"a": "1"}).status_code == 403
    assert client.post("/ui/form", data={"a": "1", "csrf_token": "0" * 64}).status_code == 403
    assert client.post("/ui/form", data={"a": "1", "csrf_token": token}).status_code == 200
    # Another browser (another csrf cookie) cannot use this one's token.
    client.cookies.clear()
    refused = client.post("/ui/form", data={"a": "1", "csrf_token": token})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]


def test_form_text_becomes_json_values() -> None:
    assert typed("int", "-12") == -12
    assert typed("ref", "1.5") == 1.5
    assert typed("float", "2.5") == 2.5
    assert typed("float", "many") == "many"
    assert typed("datetime", "2024-01-02T03:04") == "2024-01-02T03:04+00:00"
    assert typed("datetime", "2024-01-02T03:04:05Z") == "2024-01-02T03:04:05Z"
    assert typed("money", "19.50") == "19.50"
    fields = [
        FormField("name", "Name", "str"),
        FormField("note", "Note", "text", optional=True),
        FormField("done", "Done", "bool"),
    ]
    assert form_body(fields, {"name": "", "note": "", "done": "on"}) == {"note": None, "done": True}
    assert form_body(fields, {"name": "x"}) == {"name": "x", "note": None, "done": False}


def test_values_become_text() -> None:
    field = FormField("x", "X", "str")
    when = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert [shown(field, v) for v in (None, True, False, Colour.RED, when)] == [
        "",
        "yes",
        "no",
        "red",
        "2024-01-02 03:04:05 UTC",
    ]
    assert cell(field, "y" * 200).endswith("…")
    assert len(cell(field, "y" * 200)) == 80
    stored = (None, False, True, Colour.RED, when, dt.date(2024, 1, 2), Decimal("1.50"), 3)
    assert [form_text(field, value) for value in stored] == [
        "",
        "",
        "on",
        "red",
        "2024-01-02T03:04:05",
        "2024-01-02",
        "1.50",
        "3",
    ]


def test_pager_links_keep_the_query() -> None:
    pager = Pager(page=5, pages=9, total=170, params={"q": "a b", "sort": ""}, url="/ui/x")
    assert pager.numbers == [1, 3, 4, 5, 6, 7, 9]
    assert pager.link(1) == "/ui/x?q=a+b"
    assert pager.link(2) == "/ui/x?q=a+b&page=2"
    assert query_url("/ui/x", {"q": ""}) == "/ui/x"


def test_pickers_list_referenced_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    metadata = MetaData()
    owner = Table(
        "owner", metadata, Column("id", Integer, primary_key=True), Column("name", String(20))
    )
    monkeypatch.setattr(references, "targets", {"owner": owner})
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine) as session:
        session.execute(insert(owner), [{"id": 1, "name": "Ada"}, {"id": 2, "name": None}])
        assert references.choices(session, "owner", 10) == [(2, "2"), (1, "1 · Ada")]
        assert references.choices(session, "nobody", 10) == []
    field = FormField("owner_id", "Owner", "ref", ref="nobody")
    assert ref_url(field, 1) is None
