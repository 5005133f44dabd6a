"""Settings from the environment, the production guard on SECRET_KEY, CORS and the JSON request
log with its request id."""

import json
import logging
import sys
from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from app.shared.application import create_app
from app.shared.request_log import LOGGER_NAME, JsonFormatter, configure_logging
from app.shared.settings import (
    DEFAULT_DATABASE_URL,
    EPHEMERAL_SECRET_KEY,
    SettingsError,
    load_settings,
)

VARIABLES = ("APP_ENV", "DATABASE_URL", "SECRET_KEY", "CORS_ORIGINS", "LOG_LEVEL")
GOOD_KEY = "k" * 32

probe = APIRouter()


@probe.get("/boom")
def boom() -> None:
    raise RuntimeError("unhandled")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app("probe", [probe], database_url="sqlite://")) as test_client:
        yield test_client


def test_development_defaults() -> None:
    settings = load_settings()
    assert settings.app_env == "development"
    assert not settings.production
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.cors_origins == ()
    assert settings.log_level == "INFO"
    assert settings.secret_key == EPHEMERAL_SECRET_KEY
    assert settings.ephemeral_secret_key
    assert load_settings().secret_key == settings.secret_key
    assert EPHEMERAL_SECRET_KEY not in repr(settings)


def test_every_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://app@db/app")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("CORS_ORIGINS", " https://a.example , https://b.example,")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = load_settings()
    assert settings.production
    assert settings.database_url == "postgresql+psycopg://app@db/app"
    assert settings.secret_key == GOOD_KEY
    assert not settings.ephemeral_secret_key
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.log_level == "DEBUG"


def test_production_requires_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(SettingsError, match="SECRET_KEY is required when APP_ENV=production"):
        load_settings()
    monkeypatch.setenv("SECRET_KEY", "k" * 31)
    with pytest.raises(SettingsError, match="SECRET_KEY must be at least 32 characters"):
        load_settings()
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    assert load_settings().secret_key == GOOD_KEY


def test_a_development_key_may_be_short(monkeypatch: pytest.MonkeyPatch) -> None:
    short = "k" * 8
    monkeypatch.setenv("SECRET_KEY", short)
    assert load_settings().secret_key == short


def test_wrong_values_name_their_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "staging")
    with pytest.raises(SettingsError, match="^APP_ENV: "):
        load_settings()
    monkeypatch.delenv("APP_ENV")
    monkeypatch.setenv("LOG_LEVEL", "loud")
    with pytest.raises(SettingsError, match="^LOG_LEVEL: "):
        load_settings()


def test_the_app_refuses_to_start_without_a_production_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(SystemExit) as stopped:
        create_app("probe", [probe])
    assert str(stopped.value.code).startswith("error: SECRET_KEY is required")
    assert "\n" not in str(stopped.value.code)


def test_a_random_development_key_is_announced(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger=LOGGER_NAME):
        create_app("probe", [probe])
    assert "SECRET_KEY is not set" in caplog.text


def test_one_json_line_per_request(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        response = client.get("/health", params={"token": "not logged"})
    request_id = response.headers["x-request-id"]
    assert len(request_id) == 32
    records = [r for r in caplog.records if r.name == f"{LOGGER_NAME}.requests"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["message"] == "request"
    assert line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/health", 200)
    assert line["request_id"] == request_id
    assert 0 <= line["duration_ms"] < 10_000
    assert "not logged" not in JsonFormatter().format(records[0])


def test_a_plain_request_id_is_kept_and_an_odd_one_replaced(client: TestClient) -> None:
    kept = client.get("/health", headers={"X-Request-ID": "abc-123.x_y"})
    assert kept.headers["x-request-id"] == "abc-123.x_y"
    for odd in ("has space", "x" * 65, 'quote"s'):
        replaced = client.get("/health", headers={"X-Request-ID": odd})
        assert replaced.headers["x-request-id"] != odd
    assert (
        client.get("/health").headers["x-request-id"]
        != (client.get("/health").headers["x-request-id"])
    )


def test_an_unhandled_error_is_logged_as_500(caplog: pytest.LogCaptureFixture) -> None:
    with (
        TestClient(
            create_app("probe", [probe], database_url="sqlite://"), raise_server_exceptions=False
        ) as client,
        caplog.at_level(logging.INFO, logger=LOGGER_NAME),
    ):
        assert client.get("/boom").status_code == 500
    statuses = [getattr(r, "fields", {}).get("status") for r in caplog.records]
    assert 500 in statuses


def test_errors_are_formatted_with_their_exception() -> None:
    try:
        raise ValueError("bad")
    except ValueError:
        record = logging.getLogger(LOGGER_NAME).makeRecord(
            LOGGER_NAME, logging.ERROR, __file__, 1, "failed %s", ("x",), sys.exc_info()
        )
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "failed x"
    assert "ValueError: bad" in line["exception"]


def test_logging_is_configured_once() -> None:
    logger = logging.getLogger(LOGGER_NAME)
    configure_logging("WARNING")
    configure_logging("DEBUG")
    assert logger.level == logging.DEBUG
    assert sum(1 for h in logger.handlers if isinstance(h.formatter, JsonFormatter)) == 1


def test_no_cors_unless_origins_are_allowed(client: TestClient) -> None:
    preflight = {"Origin": "https://a.example", "Access-Control-Request-Method": "GET"}
    answer = client.options("/health", headers=preflight)
    assert "access-control-allow-origin" not in answer.headers
    simple = client.get("/health", headers={"Origin": "https://a.example"})
    assert "access-control-allow-origin" not in simple.headers


def test_cors_for_allowed_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "https://a.example")
    with TestClient(create_app("probe", [probe], database_url="sqlite://")) as client:
        preflight = {"Origin": "https://a.example", "Access-Control-Request-Method": "GET"}
        allowed = client.options("/health", headers=preflight)
        assert allowed.headers["access-control-allow-origin"] == "https://a.example"
        other = client.get("/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        same = client.get("/health", headers={"Origin": "https://a.example"})
        assert same.headers["access-control-allow-origin"] == "https://a.example"
        assert "x-request-id" in same.headers["access-control-expose-headers"].lower()
