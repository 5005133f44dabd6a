"""Build the FastAPI application from slice routers (main.py and each slice's tests use it)."""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from app.shared.database import Database
from app.shared.errors import PROBLEM_JSON, Problem, install_error_handlers
from app.shared.migrate import upgrade
from app.shared.pages import STATIC_FOLDER, STATIC_URL, home
from app.shared.request_log import install_middleware
from app.shared.schemas import MAX_BIGINT, MIN_BIGINT
from app.shared.settings import SettingsError, load_settings

ERROR_SCHEMA = {"$ref": "#/components/schemas/Problem"}


def operation_id(route: APIRoute) -> str:
    """The route function's name: stable, and unique because entity names are."""
    return route.name


def create_app(
    title: str,
    routers: Sequence[APIRouter],
    *,
    database_url: str | None = None,
    migrate: bool = True,
) -> FastAPI:
    """The app; at startup it upgrades its database to the newest migration revision (a
    slice's tests, which build only their own tables, pass `migrate=False`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = Database(database_url or load_settings().database_url)
        if migrate:
            upgrade(database.engine)
        app.state.database = database
        yield
        database.dispose()

    try:
        settings = load_settings()
    except SettingsError as error:  # one line at startup, no traceback
        raise SystemExit(f"error: {error}") from None

    app = FastAPI(title=title, lifespan=lifespan, generate_unique_id_function=operation_id)
    install_error_handlers(app)
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_FOLDER), name="static")
    install_middleware(app, settings)
    for router in routers:
        app.include_router(router)
    app.include_router(home)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problem_openapi(
                get_openapi(title=app.title, version=app.version, routes=app.routes)
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def problem_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """Every error answer documented as problem details: 422 replaces FastAPI's own shape and
    every operation that reads a body can also answer 400 (the body is not JSON)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemas.update(Problem.model_json_schema(ref_template="#/components/schemas/{model}")["$defs"])
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["Problem"].pop("$defs", None)
    for path in document.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            if "requestBody" in operation:
                responses.setdefault("400", {"description": "Bad Request"})
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    response["content"] = {PROBLEM_JSON: {"schema": ERROR_SCHEMA}}
    _exact_integer_bounds(document)
    return document


def _exact_integer_bounds(node: Any) -> None:
    """FastAPI's OpenAPI model reads every bound as a float, and 2**63 - 1 does not survive
    that: integer bounds are written back as integers, the 64-bit limits exactly."""
    if isinstance(node, list):
        for item in node:
            _exact_integer_bounds(item)
    if not isinstance(node, dict):
        return
    if node.get("type") == "integer":
        for key in ("minimum", "maximum"):
            if isinstance(node.get(key), float):
                node[key] = min(max(int(node[key]), MIN_BIGINT), MAX_BIGINT)
    for value in node.values():
        _exact_integer_bounds(value)
