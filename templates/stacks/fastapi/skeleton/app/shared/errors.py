"""Errors the services raise and the one shape every error answer takes: RFC 9457 problem
details (`application/problem+json`) with `type`, `title`, `status`, `detail` and, for a 422,
the field `errors`. A 500 says nothing about its cause."""

import logging
from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Match

PROBLEM_JSON = "application/problem+json"
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
logger = logging.getLogger("app")


class FieldProblem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] = []


class NotFoundError(Exception):
    def __init__(self, entity: str, item_id: int) -> None:
        super().__init__(f"{entity} {item_id} not found")


class ConflictError(Exception):
    """The change breaks a uniqueness rule, or rows still reference what is being deleted."""


class InvalidReferenceError(Exception):
    """A field names a row that does not exist."""

    def __init__(self, field: str, entity: str, item_id: object) -> None:
        super().__init__(f"{field}: there is no {entity} {item_id}")
        self.field = field


def problem(
    status: int,
    detail: str,
    errors: Sequence[FieldProblem] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        title=HTTPStatus(status).phrase, status=status, detail=detail, errors=list(errors)
    )
    return JSONResponse(
        body.model_dump(mode="json"), status_code=status, headers=headers, media_type=PROBLEM_JSON
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` of a route that can answer these errors (in the OpenAPI document)."""
    return {
        status: {"model": Problem, "description": HTTPStatus(status).phrase} for status in statuses
    }


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path (not only the first route's)."""
    allowed = {"OPTIONS"}
    for method in HTTP_METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.add(method)
    return sorted(allowed)


def _field_problems(errors: Iterable[Any]) -> list[FieldProblem]:
    return [
        FieldProblem(loc=list(error["loc"]), msg=error["msg"], type=error["type"])
        for error in errors
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    error = cast(HTTPException, exc)
    headers = dict(error.headers or {})
    if error.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        headers["Allow"] = ", ".join(allowed_methods(request))
        if request.method == "OPTIONS":
            return Response(status_code=HTTPStatus.NO_CONTENT, headers=headers)
    return problem(error.status_code, str(error.detail), headers=headers)


async def _invalid_request(request: Request, exc: Exception) -> Response:
    errors = list(cast(RequestValidationError, exc).errors())
    if any(error["type"] == "json_invalid" for error in errors):
        return problem(HTTPStatus.BAD_REQUEST, "the request body is not valid JSON")
    return problem(
        HTTPStatus.UNPROCESSABLE_ENTITY, "the request has invalid values", _field_problems(errors)
    )


async def _not_found(request: Request, exc: Exception) -> Response:
    return problem(HTTPStatus.NOT_FOUND, str(exc))


async def _conflict(request: Request, exc: Exception) -> Response:
    return problem(HTTPStatus.CONFLICT, str(exc))


async def _invalid_reference(request: Request, exc: Exception) -> Response:
    field_name = cast(InvalidReferenceError, exc).field
    field = FieldProblem(loc=["body", field_name], msg=str(exc), type="reference")
    return problem(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc), [field])


async def _server_error(request: Request, exc: Exception) -> Response:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(HTTPStatus.INTERNAL_SERVER_ERROR, "the server could not answer this request")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(ConflictError, _conflict)
    app.add_exception_handler(InvalidReferenceError, _invalid_reference)
    app.add_exception_handler(Exception, _server_error)
