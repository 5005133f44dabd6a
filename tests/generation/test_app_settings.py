"""The generated app's settings and request log, seen from outside: uvicorn started the way the
image starts it, on the example shop."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _environment(**values: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("PYTEST_", "COV_", "APP_", "DATABASE_", "SECRET_", "CORS_"))}
    return {**keep, **values}


def _uvicorn(folder: Path, port: int, environment: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--port", str(port),
         "--no-access-log"],
        cwd=folder, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_production_without_a_secret_key_stops_with_one_line(generated_shop: Path) -> None:
    server = _uvicorn(generated_shop, _free_port(), _environment(APP_ENV="production"))
    _out, err = server.communicate(timeout=60)
    assert server.returncode == 1
    assert err.strip().splitlines() == [err.strip()]
    assert err.startswith("error: SECRET_KEY is required when APP_ENV=production")


def test_a_wrong_setting_names_its_variable(generated_shop: Path) -> None:
    server = _uvicorn(generated_shop, _free_port(), _environment(LOG_LEVEL="chatty"))
    _out, err = server.communicate(timeout=60)
    assert server.returncode == 1
    assert err.startswith("error: LOG_LEVEL: ")


def test_each_request_is_one_json_line(generated_shop: Path, tmp_path: Path) -> None:
    port = _free_port()
    server = _uvicorn(generated_shop, port, _environment(
        APP_ENV="production", SECRET_KEY="s" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}", CORS_ORIGINS="https://shop.example"))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/products?limit=5",
                    headers={"X-Request-ID": "probe-1", "Origin": "https://shop.example"})
                with urllib.request.urlopen(request, timeout=2) as answer:
                    break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "no answer"
                time.sleep(0.2)
        assert answer.headers["x-request-id"] == "probe-1"
        assert answer.headers["access-control-allow-origin"] == "https://shop.example"
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("request_id") == "probe-1"]
    assert len(mine) == 1
    assert {k: mine[0][k] for k in ("method", "path", "status", "logger")} == {
        "method": "GET", "path": "/products", "status": 200, "logger": "app.requests"}
    assert isinstance(mine[0]["duration_ms"], float)
    assert "SECRET_KEY is not set" not in err
    assert (tmp_path / "app.db").is_file()
