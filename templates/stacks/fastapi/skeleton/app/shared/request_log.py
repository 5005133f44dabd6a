"""Structured logs: one JSON line per request (method, path, status, duration, request id), the
request id echoed in the X-Request-ID header, and CORS for the origins the settings allow."""

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.shared.settings import Settings

REQUEST_ID_HEADER = "x-request-id"
# A caller's request id is kept when it is short and plain; anything else is replaced.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
LOGGER_NAME = "app"
requests_log = logging.getLogger(f"{LOGGER_NAME}.requests")


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time, level, logger, message and the record's `fields`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(level: str) -> None:
    """The app's loggers write JSON lines to standard error at `level` (once per process)."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    if not any(getattr(handler, "app_json", False) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        handler.app_json = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            given = bytes(value).decode("latin-1")
            if SAFE_REQUEST_ID.fullmatch(given):
                return given
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """Logs every HTTP request once it has been answered, and echoes its request id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500  # an exception that escapes every handler answers 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            fields = {
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "request_id": request_id,
            }
            requests_log.info("request", extra={"fields": fields})


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Request logging for every request; CORS only for the origins the settings name."""
    configure_logging(settings.log_level)
    if settings.ephemeral_secret_key:
        logging.getLogger(LOGGER_NAME).warning(
            "SECRET_KEY is not set: a random key is used until the app stops (development only)"
        )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[REQUEST_ID_HEADER],
        )
    app.add_middleware(RequestLogMiddleware)
